"""Errors that speak to the data team: which file, which line, which column, which value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Probleme:
    fichier: str
    message: str
    colonne: str | None = None
    ligne: int | None = None
    valeur: str | None = None
    ETIQUETTE_COLONNE: ClassVar[str] = "colonne"  # how the message names the place (« champ » in a manual input)

    def __str__(self) -> str:
        lieu = [self.fichier]
        if self.ligne is not None:
            lieu.append(f"ligne {self.ligne}")
        if self.colonne is not None:
            lieu.append(f"{self.ETIQUETTE_COLONNE} « {self.colonne} »")
        texte = ", ".join(lieu) + " : " + self.message
        if self.valeur is not None:
            texte += f" (valeur lue : « {self.valeur} »)"
        return texte


class ExportsInvalides(Exception):
    """The exports cannot be used as they are; nothing was written to the warehouse.

    `problemes`: one per file, column or cell at fault; `resume`: lines said before them (why the
    export is refused as a whole, where the rejection report is)."""

    def __init__(self, problemes: list[Probleme], resume: list[str] | None = None):
        self.problemes = problemes
        self.resume = list(resume or [])
        super().__init__(self.texte())

    def texte(self) -> str:
        lignes = [f"Exports refusés ({len(self.problemes)} problème(s)) :"]
        lignes += [f"  {r}" for r in self.resume]
        lignes += [f"  - {p}" for p in self.problemes]
        return "\n".join(lignes)
