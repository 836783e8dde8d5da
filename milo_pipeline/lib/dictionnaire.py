"""The indicator dictionary (dbt seed `indicateurs_dictionnaire`): one typed row per indicator, its references to
other indicators parsed and checked. It is the one definition of what an indicator is besides its SQL: label, unit,
section, vocabulary, and what disclosure control and the quality gate need (population, total, parts, evolution).

The rows come from the warehouse the run was built with (`warehouse.lire_dictionnaire`), so that a dictionary row
added to the dbt project is seen by every reader with no other file; `lire_csv` reads the seed itself (tests,
`extraits.table_publique` without a warehouse).

A reference designates a cell of the same period (column descriptions in dbt_project/seeds/_seeds.yml):
`ind` (no modality), `ind[Modalité]`, `ind[*]` (the modality of the cell itself; for the total of a
« dispositif|motif » modality, the programme before « | »); several references are separated by a space;
`aucune` (population) or `aucun` (total): none.

`agregation` says how a network adds up the figures of its Missions Locales (lib/reseau/): `somme` (counts,
amounts: the sum), `rapport` (shares, means, ratios: the sum of the numerators over the sum of the denominators,
`denominateur` naming the indicator that is the denominator), `evolution` (a change over a year: recomputed from the
summed counts of both years, base `evolution_de`), `non_agregeable` (no network value: the territories, each
structure's own).

`comparaison` says which indicators the annual report shows beside last year's value (lib/report/comparaison.py):
`evolution` (a count, an amount, a mean, a ratio, a duration: the relative change in %), `points` (a share: the
difference in percentage points), empty: none (an indicator that is itself a change over a year gets none).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import Probleme

SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "indicateurs_dictionnaire.csv"
FICHIER = "dbt_project/seeds/indicateurs_dictionnaire.csv"
AUCUN = frozenset({"aucune", "aucun"})
COLONNES_REFERENCES = ("population", "total", "somme_de", "evolution_de")
EVOLUTION, POINTS = "evolution", "points"
SOMME, RAPPORT, NON_AGREGEABLE = "somme", "rapport", "non_agregeable"
AGREGATIONS = (SOMME, RAPPORT, EVOLUTION, NON_AGREGEABLE)
COMPARAISONS = (EVOLUTION, POINTS)

Cle = tuple  # (periode_debut, periode_fin, indicateur, modalite)


class DictionnaireInvalide(Exception):
    """The dictionary cannot be used as it is (a reference to an unknown indicator, a malformed reference)."""


@dataclass(frozen=True)
class Reference:
    """A cell of the same period: `indicateur`, `indicateur[Modalité]` or `indicateur[*]`."""

    indicateur: str
    modalite: str | None = None

    def cle(self, periode: tuple, modalite: str | None) -> Cle:
        """The cell it designates for a cell (or a group) of `periode` whose modality is `modalite`."""
        return (*periode, self.indicateur, modalite if self.modalite == "*" else self.modalite)

    def __str__(self) -> str:
        return self.indicateur if self.modalite is None else f"{self.indicateur}[{self.modalite}]"


@dataclass(frozen=True)
class Indicateur:
    """One row of the dictionary. For `population` and `total`: None when the column is empty, `()` for
    `aucune`/`aucun`, else the references (one for `total`)."""

    id: str
    ordre: int
    section: str | None
    libelle: str
    unite: str
    vocabulaire: str | None
    somme_100: bool
    population: tuple[Reference, ...] | None
    total: tuple[Reference, ...] | None
    somme_de: tuple[Reference, ...]
    evolution_de: Reference | None
    definition: str | None
    comparaison: str | None = None
    agregation: str = NON_AGREGEABLE
    denominateur: Reference | None = None


_REFERENCE = re.compile(r"([a-z0-9_]+)(?:\[(.+)\])?")


def _vide(valeur) -> bool:
    return valeur is None or str(valeur).strip() == ""


def _booleen(valeur) -> bool:
    return valeur if isinstance(valeur, bool) else str(valeur).strip().lower() == "true"


def references(texte: str | None, colonne: str, indicateur: str, connus: Iterable[str] = (),
               ligne: int | None = None) -> tuple[Reference, ...] | None:
    """The references of one cell of the dictionary: None when empty, `()` for `aucune`/`aucun`. An unknown
    indicator (when `connus` is given) or a malformed reference raises `DictionnaireInvalide`."""
    if _vide(texte):
        return None
    texte = str(texte).strip()
    if texte in AUCUN:
        return ()
    connus = set(connus)
    refs = []
    for mot in texte.split():
        if (m := _REFERENCE.fullmatch(mot)) is None:
            raise _erreur(colonne, ligne, texte, f"indicateur « {indicateur} » : référence invalide « {mot} » "
                          "(attendu indicateur, indicateur[Modalité], indicateur[*], ou aucune / aucun)")
        if connus and m[1] not in connus:
            raise _erreur(colonne, ligne, texte, f"indicateur « {indicateur} » : « {m[1]} » n'est pas un "
                          "indicateur du dictionnaire")
        refs.append(Reference(m[1], m[2]))
    return tuple(refs)


def _erreur(colonne: str, ligne: int | None, valeur: str, message: str) -> DictionnaireInvalide:
    return DictionnaireInvalide(str(Probleme(FICHIER, message, colonne=colonne, ligne=ligne, valeur=valeur)))


def indicateurs(lignes: Iterable[Mapping]) -> dict[str, Indicateur]:
    """id → Indicateur, in the order of `lignes` (display order as read from the warehouse). Rows carry
    `_ligne` (their line in the CSV) when read by `lire_csv`, for the error messages."""
    lignes = list(lignes)
    connus = [str(r["indicateur"]) for r in lignes]
    resultat = {}
    for r in lignes:
        ind, ligne = str(r["indicateur"]), r.get("_ligne")
        refs = {c: references(r.get(c), c, ind, connus, ligne) for c in COLONNES_REFERENCES}
        for colonne in ("total", "evolution_de"):
            if refs[colonne] is not None and len(refs[colonne]) > 1:
                raise _erreur(colonne, ligne, r[colonne], f"indicateur « {ind} » : une seule référence attendue")
        if refs["evolution_de"] == () or refs["somme_de"] == ():
            colonne = "evolution_de" if refs["evolution_de"] == () else "somme_de"
            raise _erreur(colonne, ligne, r[colonne], f"indicateur « {ind} » : « aucun » n'a pas de sens ici "
                          "(laisser vide)")
        comparaison = None if _vide(r.get("comparaison")) else str(r["comparaison"]).strip()
        if probleme := _probleme_comparaison(comparaison, r["unite"], refs["evolution_de"]):
            raise _erreur("comparaison", ligne, comparaison, f"indicateur « {ind} » : {probleme}")
        # a row without the column at all (a dictionary row written by hand before the network) aggregates nothing
        agregation = (NON_AGREGEABLE if "agregation" not in r else None if _vide(r["agregation"])
                      else str(r["agregation"]).strip())
        denominateur = references(r.get("denominateur"), "denominateur", ind, connus, ligne)
        if probleme := _probleme_agregation(agregation, r["unite"], denominateur, refs["evolution_de"]):
            colonne = "denominateur" if probleme.startswith("dénominateur") else "agregation"
            raise _erreur(colonne, ligne, r.get(colonne) or "", f"indicateur « {ind} » : {probleme}")
        resultat[ind] = Indicateur(
            id=ind, ordre=int(r["ordre"]), section=None if _vide(r.get("section")) else r["section"],
            libelle=r["libelle"], unite=r["unite"],
            vocabulaire=None if _vide(r.get("vocabulaire")) else r["vocabulaire"],
            somme_100=_booleen(r.get("somme_100")), population=refs["population"], total=refs["total"],
            somme_de=refs["somme_de"] or (), evolution_de=(refs["evolution_de"] or (None,))[0],
            definition=None if _vide(r.get("definition")) else r["definition"], comparaison=comparaison,
            agregation=agregation, denominateur=(denominateur or (None,))[0])
    return resultat


def _probleme_comparaison(comparaison: str | None, unite: str, evolution_de) -> str | None:
    """What is wrong with a `comparaison` cell, None when nothing."""
    if comparaison is None:
        return None
    if comparaison not in COMPARAISONS:
        return f"comparaison inconnue (attendu {' ou '.join(COMPARAISONS)}, ou vide)"
    if evolution_de is not None:
        return "une évolution sur un an n'a pas de valeur N−1 à comparer (laisser vide)"
    if (comparaison == POINTS) != (unite == "pct"):
        return ("`points` (écart en points) est pour une part en %, `evolution` (variation en %) pour les autres "
                f"unités ; unité de l'indicateur : {unite}")
    return None


def _probleme_agregation(agregation: str | None, unite: str, denominateur, evolution_de) -> str | None:
    """What is wrong with the `agregation` and `denominateur` cells of a row, None when nothing."""
    if agregation not in AGREGATIONS:
        return f"agrégation inconnue (attendu {', '.join(AGREGATIONS)})"
    if agregation == RAPPORT:
        if not denominateur or len(denominateur) != 1:
            return "dénominateur manquant : un `rapport` se consolide comme somme des numérateurs sur somme des " \
                   "dénominateurs (une référence attendue : indicateur ou indicateur[*])"
    elif denominateur is not None:
        return f"dénominateur inutile pour une agrégation `{agregation}` (laisser vide)"
    if agregation == EVOLUTION and evolution_de is None:
        return "une agrégation `evolution` se recalcule à partir de `evolution_de`, vide ici"
    if agregation == SOMME and unite not in ("nb", "eur"):
        return f"une somme de valeurs en {unite} n'a pas de sens (`rapport` avec un dénominateur)"
    return None


def version_dictionnaire(path: Path = SEED) -> str:
    """The dictionary's version: the SHA-256 of the seed's bytes. A network package carries it; the consolidation
    refuses a package computed with another dictionary."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def lire_csv(path: Path = SEED) -> list[dict]:
    """The seed's rows as the warehouse holds them (ordre an integer, somme_100 a boolean, empty cells None), in
    display order, each with `_ligne`, its line in the file."""
    with open(path, encoding="utf-8", newline="") as f:
        lignes = [{k: (None if v == "" else v) for k, v in r.items()} | {"_ligne": n}
                  for n, r in enumerate(csv.DictReader(f), start=2)]
    for r in lignes:
        r["ordre"], r["somme_100"] = int(r["ordre"]), _booleen(r["somme_100"])
    return sorted(lignes, key=lambda r: r["ordre"])
