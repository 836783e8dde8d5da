"""The monthly refresh: on the 5th at 06:00 (Paris), `tout` for the previous month, from the exports of the landing
folder. Skipped when the set is incomplete, or when the sensor already computed that month from the same set (a run
queued, running or successful)."""

import dagster as dg

from ..lib.depot import lot_exports
from ..lib.periods import FUSEAU, mois_du_rafraichissement
from .jobs import tout
from .resources import MiloSettings
from .sensors import TAG_LOT, run_request

EN_COURS_OU_REUSSI = [
    dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.SUCCESS,
]


@dg.schedule(
    job=tout,
    cron_schedule="0 6 5 * *",
    execution_timezone=FUSEAU,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Rafraîchissement mensuel : le 5 du mois à 6 h (heure de Paris), la chaîne complète pour le mois "
                "précédent, à partir des exports du dossier MILO_HOME/landing.",
)
def rafraichissement_mensuel(context: dg.ScheduleEvaluationContext, milo: MiloSettings):
    mois = mois_du_rafraichissement(context.scheduled_execution_time)
    lot = lot_exports(milo.exports)
    if isinstance(lot, str):
        return dg.SkipReason(f"Mois {mois[:7]} non calculé. {lot}")
    deja = context.instance.get_run_records(
        dg.RunsFilter(tags={TAG_LOT: lot.empreinte, "dagster/partition": mois}, statuses=EN_COURS_OU_REUSSI),
        limit=1,
    )
    if deja:
        return dg.SkipReason(f"Mois {mois[:7]} déjà calculé avec ce lot d'exports (run {deja[0].dagster_run.run_id}).")
    return run_request(lot, mois)


SCHEDULES = [rafraichissement_mensuel]
