"""The indicator rows of one period, looked up by (indicateur, modalité), with their dictionary rows, and for a
calendar year the rows of the year before (N−1, lib/report/comparaison.py)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from milo_pipeline.lib.formatting import Masque, est_masque
from milo_pipeline.lib.suppression import PRIMAIRE

from . import comparaison
from .layout import LIBELLES_MODALITES

Row = Mapping[str, Any]


def as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise ValueError(f"Date attendue dans la table des indicateurs, reçu {value!r}")


def clean(value: Any) -> Any:
    """NaN (a NULL read through pandas) → None; other values unchanged."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _modalite(value: Any) -> str | None:
    value = clean(value)
    return None if value is None or value == "" else str(value)


def decroissant(valeur: Any) -> tuple[int, float]:
    """Sort key, largest value first, masked values last (their true value is unknown: never ordered by it), then
    missing ones."""
    if est_masque(valeur):
        return (1, 0.0)
    return (0, -float(valeur)) if valeur is not None else (2, 0.0)


def commence(nom: str | None, prefixes: Sequence[str]) -> bool:
    return nom is not None and any(nom.lower().startswith(p.lower()) for p in prefixes)


class Indicateurs:
    """The indicator rows of one period, looked up by (indicateur, modalité), with their dictionary.

    Every id read through it is remembered in `lus` (reset by each section), so that a section can add
    the ids of its scope it did not lay out itself. For a calendar year, the rows of the year before (`rows` holds
    them when the report compares, lib/report/comparaison.py) are kept apart in `precedents`."""

    def __init__(self, rows: Iterable[Row], dictionnaire: Iterable[Row], debut: date, fin: date,
                 vocabulaires: Iterable[Row] | None = None, seuil: int | None = None):
        self.debut, self.fin = debut, fin
        self.seuil = seuil  # k of a masked table: a count masked as primary (1 to k−1) reads as Masque(k)
        self.dictionnaire = {d["indicateur"]: d for d in dictionnaire}
        self.valeurs: dict[tuple[str, str | None], Row] = {}
        self.modalites: dict[str, list[str | None]] = {}
        annuel = debut == date(debut.year, 1, 1) and fin == date(debut.year, 12, 31)
        self.annee_precedente = debut.year - 1 if annuel else None
        self.precedents: dict[tuple[str, str | None], Row] = {}
        for row in rows:
            if as_date(row["periode_debut"]) != debut or as_date(row["periode_fin"]) != fin:
                if annuel and as_date(row["periode_debut"]) == date(debut.year - 1, 1, 1) \
                        and as_date(row["periode_fin"]) == date(debut.year - 1, 12, 31):
                    self.precedents[(row["indicateur"], _modalite(row.get("modalite")))] = row
                continue
            cle = (row["indicateur"], _modalite(row.get("modalite")))
            if cle in self.valeurs:
                raise ValueError(
                    f"Table des indicateurs : ligne en double pour la période {debut} → {fin}, "
                    f"indicateur « {cle[0]} », modalité « {cle[1] or ''} »"
                )
            self.valeurs[cle] = row
            self.modalites.setdefault(cle[0], []).append(cle[1])
        self.vocabulaires: dict[str, list[str]] = {}
        for v in sorted(vocabulaires or [], key=lambda v: (v["vocabulaire"], int(v["ordre"]))):
            self.vocabulaires.setdefault(v["vocabulaire"], []).append(v["modalite"])
        self.lus: set[str] = set()
        self.masques: set[Masque] = set()  # the masked values read (reset by each section, for its legend)

    def de_la_section(self, section: str) -> list[str]:
        """The ids of the dictionary whose `section` is `section`, in the dictionary's order (`ordre`)."""
        return [i for i, d in sorted(self.dictionnaire.items(), key=lambda kv: float(kv[1].get("ordre") or math.inf))
                if d.get("section") == section]

    def non_lus(self, montres: set[str]) -> list[str]:
        """The ids of the period not in `montres`: those of the dictionary in its order, then the others by name."""
        ordre = sorted(self.dictionnaire, key=lambda i: float(self.dictionnaire[i].get("ordre") or math.inf))
        return ([i for i in ordre if i in self.modalites and i not in montres]
                + sorted(i for i in self.modalites if i not in self.dictionnaire and i not in montres))

    def a(self, indicateur: str, modalite: str | None = None) -> bool:
        """Whether the indicator has a row in the period (for this modality, or any when None)."""
        self.lus.add(indicateur)
        if modalite is None:
            return indicateur in self.modalites
        return (indicateur, modalite) in self.valeurs

    def libelle(self, indicateur: str) -> str:
        return self.dictionnaire.get(indicateur, {}).get("libelle") or indicateur

    def definition(self, indicateur: str) -> str:
        return self.dictionnaire.get(indicateur, {}).get("definition") or ""

    def est_evolution(self, indicateur: str) -> bool:
        """Whether the indicator is a change over a year (the dictionary's `evolution_de`): written with its sign."""
        return bool(self.dictionnaire.get(indicateur, {}).get("evolution_de"))

    def unite(self, indicateur: str, row: Row | None = None) -> str:
        if row is not None and row.get("unite"):
            return row["unite"]
        return self.dictionnaire.get(indicateur, {}).get("unite") or "nb"

    def valeur(self, indicateur: str, modalite: str | None = None) -> dict[str, Any]:
        """{valeur, unite, present} of one cell; valeur None when the indicator has no row."""
        self.lus.add(indicateur)
        row = self.valeurs.get((indicateur, modalite))
        unite = self.unite(indicateur, row)
        return {"valeur": self._valeur(row, unite), "unite": unite, "present": row is not None}

    def _valeur(self, row: Row | None, unite: str) -> Any:
        """A row's value as the report shows it: a masked one as a Masque (« < k » for a count masked as primary),
        remembered for the section's legend."""
        valeur = None if row is None else clean(row.get("valeur"))
        if est_masque(valeur):
            primaire = row.get("secret") == PRIMAIRE and unite == "nb" and self.seuil
            valeur = Masque(self.seuil if primaire else None)
            self.masques.add(valeur)
        return valeur

    def precedent(self, indicateur: str, modalite: str | None = None) -> dict[str, Any] | None:
        """Last year's value of a cell and the change (lib/report/comparaison.py): {annee, valeur, ecart, source,
        texte, note…}; None when the period is no calendar year or the dictionary gives the indicator no
        `comparaison`."""
        nature = self.dictionnaire.get(indicateur, {}).get("comparaison")
        if not nature or self.annee_precedente is None:
            return None
        row = self.valeurs.get((indicateur, modalite))
        unite = self.unite(indicateur, row)
        anterieure = self.precedents.get((indicateur, modalite))
        resultat = comparaison.precedent(self.annee_precedente, anterieure, self._valeur(anterieure, unite),
                                         self._valeur(row, unite), unite, nature)
        if isinstance(resultat["ecart"], Masque):
            self.masques.add(resultat["ecart"])
        return resultat

    def nombre(self, indicateur: str, modalite: str | None = None) -> Any:
        return self.valeur(indicateur, modalite)["valeur"]

    def chiffre(self, indicateur: str, modalite: str | None = None, libelle: str | None = None) -> dict:
        """A key figure: the value, its unit and its label (the dictionary's unless given), and last year's beside it
        (`precedent`, None without a comparison); a change over a year is written with its sign (+16,7 %)."""
        return {"indicateur": indicateur, "modalite": modalite, "libelle": libelle or self.libelle(indicateur),
                "signe": self.est_evolution(indicateur), **self.valeur(indicateur, modalite),
                "precedent": self.precedent(indicateur, modalite)}

    def tuiles(self, tuiles: Iterable[tuple[str, str | None, str | None]]) -> list[dict]:
        """The key figures of a layout's tiles (id, modalité, libellé)."""
        return [self.chiffre(i, m, libelle) for i, m, libelle in tuiles]

    def modalites_de(self, indicateur: str) -> list[str]:
        """The modalities of an indicator: its vocabulary's (in order) then the others, in the rows' order."""
        self.lus.add(indicateur)
        vocabulaire = self.dictionnaire.get(indicateur, {}).get("vocabulaire") or ""
        trouvees = [m for m in self.modalites.get(indicateur, []) if m is not None]
        if not trouvees:
            return []
        modalites = list(self.vocabulaires.get(vocabulaire, []))
        return modalites + [m for m in trouvees if m not in modalites]

    def repartition(self, indicateur: str) -> list[dict[str, Any]]:
        """A breakdown, every modality of its vocabulary in the vocabulary's order.

        Without the vocabulary (or for modalities outside it), the order of the rows.
        """
        vocabulaire = self.dictionnaire.get(indicateur, {}).get("vocabulaire") or ""
        modalites = list(self.vocabulaires.get(vocabulaire, []))
        modalites += [m for m in self.modalites.get(indicateur, []) if m is not None and m not in modalites]
        self.lus.add(indicateur)
        return [{"modalite": m, "libelle": LIBELLES_MODALITES.get((vocabulaire, m), m),
                 **self.valeur(indicateur, m)} for m in modalites]

    def sous_modalites(self, indicateur: str, parent: str) -> list[tuple[str, dict[str, Any]]]:
        """For a modality « parent|détail » (e.g. « CEJ|Abandon »): [(détail, cell)] of the parent."""
        self.lus.add(indicateur)
        prefixe = parent + "|"
        return [(m[len(prefixe):], self.valeur(indicateur, m))
                for m in self.modalites.get(indicateur, []) if m is not None and m.startswith(prefixe)]
