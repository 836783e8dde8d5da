"""The input contract (config/exports.yaml): tables, canonical columns, types and header aliases."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

TYPES = {"id_jeune", "pii", "texte", "code", "date", "horodatage", "booleen", "decimal", "entier"}


@dataclass(frozen=True)
class Colonne:
    nom: str
    type: str
    alias: tuple[str, ...] = ()
    requis: bool = True

    @property
    def is_pii(self) -> bool:
        return self.type == "pii"


@dataclass(frozen=True)
class Table:
    nom: str
    colonnes: tuple[Colonne, ...]

    @property
    def colonnes_entrepot(self) -> tuple[Colonne, ...]:
        """The columns written to the warehouse: every column but the personal data."""
        return tuple(c for c in self.colonnes if not c.is_pii)


def normalise_entete(entete: str) -> str:
    """A header as compared with the contract: case, accents, spaces and underscores ignored."""
    sans_accents = unicodedata.normalize("NFKD", entete).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_\-]+", "_", sans_accents.strip().lower())


def load_contract(path: Path) -> dict[str, Table]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    tables: dict[str, Table] = {}
    for nom_table, spec in data["tables"].items():
        colonnes = []
        for nom, col in spec["colonnes"].items():
            if col["type"] not in TYPES:
                raise ValueError(f"{path}: type inconnu {col['type']!r} pour {nom_table}.{nom}")
            colonnes.append(
                Colonne(nom=nom, type=col["type"], alias=tuple(col.get("alias", ())),
                        requis=bool(col.get("requis", col["type"] != "pii")))
            )
        tables[nom_table] = Table(nom=nom_table, colonnes=tuple(colonnes))
    return tables
