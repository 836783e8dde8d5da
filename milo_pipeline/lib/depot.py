"""The landing folder (`MILO_HOME/landing`, or $MILO_EXPORTS): when the exports dropped there make a complete set.

A set is complete when every table of the input contract has exactly one file (`find_exports`) and no file
has changed for `DELAI_STABILITE` seconds (a file still being copied is not read). It is computed for the month
before its date — the last complete month when the exports were taken (exports of 2025-01-15 → 2024-12). The date
is the latest `AAAA-MM-JJ` of the file names, else the day the last file was modified (`periods.date_export`).

The set's fingerprint (SHA-256 of its file names and contents) tells one set from another: the same files are the
same set; replacing one file makes a new set."""

from __future__ import annotations

import functools
import hashlib
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .contract import Table, load_contract
from .ingestion import CONTRACT
from .periods import date_export, mois_precedent
from .readers import find_exports, sha256_file

DELAI_STABILITE = 60
"""Seconds without any change to a file of the set before it is read."""


@dataclass(frozen=True)
class LotExports:
    dossier: Path
    fichiers: tuple[tuple[str, str], ...]  # (file name, sha256), sorted by name
    date_export: date

    @property
    def empreinte(self) -> str:
        return hashlib.sha256("\n".join(f"{nom}:{sha}" for nom, sha in self.fichiers).encode()).hexdigest()

    @property
    def mois(self) -> str:
        """The monthly partition key the set is computed for: the month before the export date."""
        return mois_precedent(self.date_export)


@functools.cache
def _tables() -> dict[str, Table]:
    return load_contract(CONTRACT)


def lot_exports(dossier: Path, maintenant: float | None = None) -> LotExports | str:
    """The complete set of exports in `dossier`, or why there is none yet (in French, for a sensor's tick)."""
    if not dossier.is_dir():
        return f"Dossier de dépôt {dossier} absent : y déposer les exports i-milo (un fichier par table)."
    fichiers, problemes = find_exports(dossier, _tables())
    if problemes:
        return f"Lot d'exports incomplet dans {dossier} : " + " ; ".join(p.message for p in problemes)
    paths = sorted(fichiers.values())
    age = (time.time() if maintenant is None else maintenant) - max(p.stat().st_mtime for p in paths)
    if age < DELAI_STABILITE:
        return f"Exports en cours de dépôt dans {dossier} : lecture quand aucun fichier n'a changé depuis " \
               f"{DELAI_STABILITE} s."
    return LotExports(dossier, tuple((p.name, sha256_file(p)) for p in paths), date_export(paths))
