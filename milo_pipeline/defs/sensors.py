"""The landing folder (`MILO_HOME/landing`, or $MILO_EXPORTS): a complete set of exports dropped there starts one
run of `tout`.

A set is complete when every table of the input contract has exactly one file (`find_exports`) and no file
has changed for `DELAI_STABILITE` seconds (a file still being copied is not read). The run reads the
exports from the landing folder and computes the month before the export date — the last complete month
when the exports were taken (exports of 2025-01-15 → partition 2024-12-01). The date is the latest
`AAAA-MM-JJ` of the file names, else the day the last file was modified.

The set's fingerprint (SHA-256 of its file names and contents) is the run key and the sensor's cursor:
the same files never start a second run; replacing one file makes a new set.
"""

import hashlib
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from ..lib.contract import load_contract
from ..lib.ingestion import CONTRACT
from ..lib.periods import date_export
from ..lib.readers import find_exports, sha256_file
from .jobs import tout
from .partitions import monthly
from .resources import MiloSettings

DELAI_STABILITE = 60
TAG_LOT = "milo/lot_exports"
TAG_DATE = "milo/date_export"
TABLES = load_contract(CONTRACT)


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
        """The partition the set is computed for: the month before the export date."""
        return mois_precedent(self.date_export)


def landing_dir(milo: MiloSettings) -> Path:
    """The exports folder of the `milo` resource: $MILO_EXPORTS, else MILO_HOME/landing."""
    return milo.exports


def mois_precedent(jour: date) -> str:
    """The monthly partition key of the month before `jour`."""
    return (jour.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat()


def lot_exports(dossier: Path, maintenant: float | None = None) -> LotExports | str:
    """The complete set of exports in `dossier`, or why there is none yet (in French, for the sensor's tick)."""
    if not dossier.is_dir():
        return f"Dossier de dépôt {dossier} absent : y déposer les exports i-milo (un fichier par table)."
    fichiers, problemes = find_exports(dossier, TABLES)
    if problemes:
        return f"Lot d'exports incomplet dans {dossier} : " + " ; ".join(p.message for p in problemes)
    paths = sorted(fichiers.values())
    age = (time.time() if maintenant is None else maintenant) - max(p.stat().st_mtime for p in paths)
    if age < DELAI_STABILITE:
        return f"Exports en cours de dépôt dans {dossier} : lecture quand aucun fichier n'a changé depuis " \
               f"{DELAI_STABILITE} s."
    return LotExports(dossier, tuple((p.name, sha256_file(p)) for p in paths), date_export(paths))


def run_request(lot: LotExports, partition_key: str, run_key: str | None = None) -> dg.RunRequest:
    """A run of `tout` for one month that reads its exports from the landing folder."""
    return dg.RunRequest(
        run_key=run_key,
        partition_key=partition_key,
        run_config={"resources": {"milo": {"config": {"exports_dir": str(lot.dossier)}}}},
        tags={TAG_LOT: lot.empreinte, TAG_DATE: lot.date_export.isoformat()},
    )


@dg.sensor(
    job=tout,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Lance `tout` quand un lot complet d'exports i-milo est déposé dans MILO_HOME/landing "
                "(un fichier par table, inchangés depuis une minute), pour le mois précédant la date des "
                "exports. Un lot ne lance qu'un run.",
)
def exports_deposes(context: dg.SensorEvaluationContext, milo: MiloSettings):
    lot = lot_exports(landing_dir(milo))
    if isinstance(lot, str):
        return dg.SkipReason(lot)
    if lot.empreinte == context.cursor:
        return dg.SkipReason(f"Lot d'exports du {lot.date_export:%d/%m/%Y} déjà pris en charge "
                             f"(mois {lot.mois[:7]}, lot {lot.empreinte[:12]}).")
    if not monthly.has_partition_key(lot.mois):
        return dg.SkipReason(f"Exports du {lot.date_export:%d/%m/%Y} : le mois {lot.mois[:7]} n'est pas une "
                             f"partition du pipeline (à partir de {monthly.start:%Y-%m}, mois terminés).")
    context.update_cursor(lot.empreinte)
    return run_request(lot, lot.mois, run_key=lot.empreinte)


SENSORS = [exports_deposes]
