"""The input contract (config/exports.yaml): tables, canonical columns, types, header aliases and the
rules a row must follow (vocabularies, bounds, references, keys)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

TYPES = {"id_jeune", "pii", "texte", "code", "date", "horodatage", "booleen", "decimal", "entier"}
_NUMERIQUES = {"decimal", "entier"}
_CLES_COLONNE = {"type", "alias", "requis", "non_vide", "cle", "sensible", "vocabulaire", "min", "max", "reference"}


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
    max: Decimal | None = None
    reference: tuple[str, str] | None = None  # (table, key column) the value must exist in

    @property
    def is_pii(self) -> bool:
        return self.type == "pii"

    @property
    def is_id(self) -> bool:
        return self.type == "id_jeune"


@dataclass(frozen=True)
class Table:
    nom: str
    colonnes: tuple[Colonne, ...]
    peut_etre_vide: bool = False  # a file without data rows is accepted

    @property
    def colonnes_entrepot(self) -> tuple[Colonne, ...]:
        """The columns written to the warehouse: every column but the personal data."""
        return tuple(c for c in self.colonnes if not c.is_pii)

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
        max=Decimal(str(col["max"])) if "max" in col else None,
        reference=reference,
    )


def load_contract(path: Path) -> dict[str, Table]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    tables: dict[str, Table] = {}
    for nom_table, spec in data["tables"].items():
        colonnes = tuple(_colonne(path, nom_table, nom, col) for nom, col in spec["colonnes"].items())
        tables[nom_table] = Table(nom=nom_table, colonnes=colonnes, peut_etre_vide=bool(spec.get("peut_etre_vide")))
    for table in tables.values():
        for colonne in table.colonnes:
            if colonne.reference is None:
                continue
            cible, cle = colonne.reference
            if cible not in tables or not any(c.nom == cle and c.cle for c in tables[cible].colonnes):
                raise ValueError(f"{path}: {table.nom}.{colonne.nom} : la référence {cible}.{cle} "
                                 "doit être une colonne `cle: true` d'une autre table")
            if tables[cible].colonne(cle).type != colonne.type:
                raise ValueError(f"{path}: {table.nom}.{colonne.nom} : type différent de {cible}.{cle}")
    return tables


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
