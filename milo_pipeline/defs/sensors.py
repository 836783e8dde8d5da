"""The landing folder (`MILO_HOME/landing`, or $MILO_EXPORTS): a complete set of exports dropped there starts one
run of `tout`, for the month before the exports' date (what a complete set is: lib/depot.py).

The set's fingerprint is the run key and the sensor's cursor: the same files never start a second run; replacing
one file makes a new set."""

import dagster as dg

from ..lib.depot import LotExports, lot_exports
from .jobs import tout
from .partitions import monthly
from .resources import MiloSettings

TAG_LOT = "milo/lot_exports"
TAG_DATE = "milo/date_export"


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
    lot = lot_exports(milo.exports)
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
