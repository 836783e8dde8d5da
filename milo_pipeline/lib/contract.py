"""The input contract (config/exports.yaml): tables, canonical columns, types, header aliases, the rules a row
must follow (vocabularies, bounds, references, keys) and what reaches the warehouse (`entrepot`, the birth date
and the ages computed from it)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import yaml

TYPES = {"identifiant", "pii", "texte", "code", "date", "horodatage", "booleen", "decimal", "entier"}
_NUMERIQUES = {"decimal", "entier"}
_CLES_COLONNE = {"type", "alias", "requis", "non_vide", "cle", "sensible", "vocabulaire", "min", "max", "reference",
                 "entrepot", "duree_max"}
_DATES = {"date", "horodatage"}


@dataclass(frozen=True)
class Borne:
    """An upper bound: one value for every row, or one per value of another column of the row (`selon`), e.g. a
    programme's cap; a row whose `selon` value is not listed has no bound."""
    valeur: Decimal | None = None
    selon: str | None = None
    valeurs: tuple[tuple[str, Decimal], ...] = ()

    def cas(self) -> tuple[tuple[str | None, Decimal], ...]:
        """(value of `selon` or None for every row, bound)."""
        return ((None, self.valeur),) if self.selon is None else self.valeurs


@dataclass(frozen=True)
class Colonne:
    nom: str
    type: str
    alias: tuple[str, ...] = ()
    requis: bool = True  # the header must hold the column
    non_vide: bool = False  # an empty cell quarantines the row
    cle: bool = False  # unique in the file (a duplicate refuses the export) and never empty
    sensible: bool = False  # its value is never echoed in a message or the rejection report
    vocabulaire: tuple[str, ...] | None = None
    min: Decimal | None = None
    max: Borne | None = None
    duree_max: tuple[str, Borne] | None = None  # (start date column, days): at most so many days after the start
    reference: tuple[str, str] | None = None  # (table, key column) the value must exist in
    entrepot: bool = True  # written to the warehouse (false: read and checked, never written)

    @property
    def is_pii(self) -> bool:
        return self.type == "pii"

    @property
    def is_id(self) -> bool:
        """A source-system id: replaced by its keyed hash (HMAC-SHA256)."""
        return self.type == "identifiant"


@dataclass(frozen=True)
class Table:
    nom: str
    colonnes: tuple[Colonne, ...]
    peut_etre_vide: bool = False  # a file without data rows is accepted
    ages: tuple[tuple[str, str], ...] = ()  # (age column, date column): the youth's age at that date, computed
    naissance: Colonne | None = None  # the birth date, if this table holds it (never written)
    reference_jeune: Colonne | None = None  # the column referring to the table of the birth date

    @property
    def colonnes_controlees(self) -> tuple[Colonne, ...]:
        """The columns typed and checked at ingestion: every column but the personal data."""
        return tuple(c for c in self.colonnes if not c.is_pii)

    @property
    def colonnes_entrepot(self) -> tuple[Colonne, ...]:
        """The columns written to the warehouse (the ages besides): the checked ones some model or check reads."""
        return tuple(c for c in self.colonnes_controlees if c.entrepot)

    def colonne(self, nom: str) -> Colonne:
        return next(c for c in self.colonnes if c.nom == nom)


def normalise_entete(entete: str) -> str:
    """A header as compared with the contract: case, accents, spaces and underscores ignored."""
    sans_accents = unicodedata.normalize("NFKD", entete).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_\-]+", "_", sans_accents.strip().lower())


def _colonne(path: Path, nom_table: str, nom: str, col: dict) -> Colonne:
    where = f"{path}: {nom_table}.{nom}"
    if col.get("type") not in TYPES:
        raise ValueError(f"{where} : type inconnu {col.get('type')!r}")
    inconnues = set(col) - _CLES_COLONNE
    if inconnues:
        raise ValueError(f"{where} : clé(s) inconnue(s) {sorted(inconnues)}")
    if ("min" in col or "max" in col) and col["type"] not in _NUMERIQUES:
        raise ValueError(f"{where} : min/max seulement pour un nombre")
    if "vocabulaire" in col and col["type"] not in {"texte", "code"}:
        raise ValueError(f"{where} : vocabulaire seulement pour un texte")
    if col["type"] == "pii" and set(col) - {"type", "alias", "requis"}:
        raise ValueError(f"{where} : une donnée personnelle n'est jamais contrôlée ni écrite")
    if col.get("entrepot", True) is not True and col.get("entrepot") is not False:
        raise ValueError(f"{where} : entrepot vaut true ou false")
    if col.get("entrepot") is False and (col.get("cle") or "reference" in col):
        raise ValueError(f"{where} : une clé ou une référence est écrite dans l'entrepôt (entrepot: false exclu)")
    if "duree_max" in col and (col["type"] not in _DATES or not isinstance(col["duree_max"], dict)
                              or set(col["duree_max"]) != {"depuis", "jours"}):
        raise ValueError(f"{where} : duree_max seulement pour une date : {{depuis: <date de début>, jours: <n>}}")
    reference = None
    if "reference" in col:
        table, _, cible = str(col["reference"]).partition(".")
        reference = (table, cible)
    return Colonne(
        nom=nom, type=col["type"], alias=tuple(col.get("alias", ())),
        requis=bool(col.get("requis", col["type"] != "pii")),
        non_vide=bool(col.get("non_vide", False) or col.get("cle", False)),
        cle=bool(col.get("cle", False)),
        sensible=bool(col.get("sensible", False)),
        vocabulaire=tuple(str(v) for v in col["vocabulaire"]) if "vocabulaire" in col else None,
        min=Decimal(str(col["min"])) if "min" in col else None,
        max=_borne(where, col["max"]) if "max" in col else None,
        duree_max=(str(col["duree_max"]["depuis"]), _borne(where, col["duree_max"]["jours"])) if "duree_max" in col
        else None,
        reference=reference,
        entrepot=bool(col.get("entrepot", True)),
    )


def _borne(where: str, spec) -> Borne:
    """`max` (or `duree_max.jours`): a number, or {selon: <column>, valeurs: {<value>: <number>, …}}."""
    if isinstance(spec, dict):
        if set(spec) != {"selon", "valeurs"} or not isinstance(spec["valeurs"], dict) or not spec["valeurs"]:
            raise ValueError(f"{where} : borne attendue : un nombre ou {{selon: <colonne>, valeurs: {{…}}}}")
        return Borne(selon=str(spec["selon"]),
                     valeurs=tuple((str(k), Decimal(str(v))) for k, v in spec["valeurs"].items()))
    return Borne(valeur=Decimal(str(spec)))


def _bornes(path: Path, table: Table) -> None:
    """The columns a bound depends on (`selon`, `depuis`) are checked columns of the same table."""
    controlees = {c.nom: c for c in table.colonnes_controlees}
    for colonne in table.colonnes:
        bornes = [b for b in (colonne.max, colonne.duree_max and colonne.duree_max[1]) if b]
        noms = [b.selon for b in bornes if b.selon] + ([colonne.duree_max[0]] if colonne.duree_max else [])
        for nom in noms:
            if nom not in controlees or nom == colonne.nom:
                raise ValueError(f"{path}: {table.nom}.{colonne.nom} : {nom!r} n'est pas une autre colonne "
                                 "contrôlée de la table")
        if colonne.duree_max and controlees[colonne.duree_max[0]].type not in _DATES:
            raise ValueError(f"{path}: {table.nom}.{colonne.nom} : duree_max.depuis doit être une date")


def load_contract(path: Path) -> dict[str, Table]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    tables: dict[str, Table] = {}
    for nom_table, spec in data["tables"].items():
        inconnues = set(spec) - {"colonnes", "peut_etre_vide", "ages"}
        if inconnues:
            raise ValueError(f"{path}: {nom_table} : clé(s) inconnue(s) {sorted(inconnues)}")
        colonnes = tuple(_colonne(path, nom_table, nom, col) for nom, col in spec["colonnes"].items())
        tables[nom_table] = Table(nom=nom_table, colonnes=colonnes, peut_etre_vide=bool(spec.get("peut_etre_vide")),
                                  ages=tuple((str(a), str(d)) for a, d in (spec.get("ages") or {}).items()))
    for table in tables.values():
        _bornes(path, table)
        for colonne in table.colonnes:
            if colonne.reference is None:
                continue
            cible, cle = colonne.reference
            if cible not in tables or not any(c.nom == cle and c.cle for c in tables[cible].colonnes):
                raise ValueError(f"{path}: {table.nom}.{colonne.nom} : la référence {cible}.{cle} "
                                 "doit être une colonne `cle: true` d'une autre table")
            if tables[cible].colonne(cle).type != colonne.type:
                raise ValueError(f"{path}: {table.nom}.{colonne.nom} : type différent de {cible}.{cle}")
    return _ages(path, tables, data.get("naissance"))


def _ages(path: Path, tables: dict[str, Table], naissance: str | None) -> dict[str, Table]:
    """Checks `naissance` and the `ages` of each table; each table that computes ages learns where the birth
    date is: in its own rows, or through its column referring to the key of the birth date's table."""
    if not any(t.ages for t in tables.values()):
        return tables
    table_n, _, colonne_n = str(naissance or "").partition(".")
    if table_n not in tables or colonne_n not in {c.nom for c in tables[table_n].colonnes}:
        raise ValueError(f"{path}: naissance : table.colonne de la date de naissance attendue, pas {naissance!r}")
    date_naissance = tables[table_n].colonne(colonne_n)
    if date_naissance.type != "date" or date_naissance.entrepot or not date_naissance.sensible:
        raise ValueError(f"{path}: naissance : {naissance} doit être une date `sensible: true, entrepot: false`")
    resultat = {}
    for table in tables.values():
        noms = {c.nom for c in table.colonnes}
        for age, date_col in table.ages:
            if age in noms or date_col not in noms or table.colonne(date_col).type not in _DATES:
                raise ValueError(f"{path}: {table.nom}.ages : {age} (nom nouveau) ← {date_col} (une date de la "
                                 "table) attendu")
        reference = None
        if table.ages and table.nom != table_n:
            reference = next((c for c in table.colonnes if c.reference and c.reference[0] == table_n), None)
            if reference is None:
                raise ValueError(f"{path}: {table.nom}.ages : aucune colonne ne référence la table {table_n}")
        resultat[table.nom] = replace(table, naissance=date_naissance if table.nom == table_n else None,
                                      reference_jeune=reference)
    return resultat


def ordre_references(tables: dict[str, Table]) -> list[str]:
    """The tables, each after the tables its columns refer to (a row is checked against accepted parents)."""
    ordre: list[str] = []

    def visite(nom: str, chemin: tuple[str, ...]) -> None:
        if nom in ordre:
            return
        if nom in chemin:
            raise ValueError(f"références circulaires entre les tables : {' → '.join((*chemin, nom))}")
        for colonne in tables[nom].colonnes:
            if colonne.reference and colonne.reference[0] != nom:
                visite(colonne.reference[0], (*chemin, nom))
        ordre.append(nom)

    for nom in tables:
        visite(nom, ())
    return ordre
