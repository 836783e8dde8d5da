"""The code location: every asset, check, job, schedule, sensor and resource of milo-pipeline."""

import dagster as dg

from .defs.dbt import milo_dbt
from .defs.extracts import EXTRAITS
from .defs.ingestion import exports_imilo
from .defs.jobs import JOBS
from .defs.quality import CHECKS as QUALITE
from .defs.report import indicateurs_fichier, publication, rapport_activite
from .defs.resources import MiloSettings, dbt_resource
from .defs.saisies import saisies_manuelles
from .defs.schedules import SCHEDULES
from .defs.sensors import SENSORS

ASSETS = [exports_imilo, saisies_manuelles, milo_dbt, indicateurs_fichier, rapport_activite, *EXTRAITS,
          publication]
CHECKS = QUALITE

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=JOBS,
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources={"milo": MiloSettings(), "dbt": dbt_resource()},
    executor=dg.in_process_executor,
)
