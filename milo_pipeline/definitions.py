"""The code location: every asset, check, job, schedule, sensor and resource of milo-pipeline."""
# ruff: noqa: E402  (the umask is set before the other imports)

import logging
import os
from pathlib import Path

from .lib.fichiers import UMASK_PRIVE, milo_home_protege, proteger_milo_home

# First of all, in every process that loads the code location (the code server of the UI and the daemon, each run
# launched from them): what it creates under MILO_HOME is private to the user, 0700 folders and 0600 files; a
# MILO_HOME made before is tightened, and a warning logged if it stays open to others (lib/fichiers.py). The CLI
# has done both for its own MILO_HOME already.
os.umask(UMASK_PRIVE)
if not milo_home_protege():
    for _avertissement in proteger_milo_home(Path(os.environ.get("MILO_HOME") or "data").resolve()):
        logging.getLogger("milo_pipeline").warning(_avertissement)

import dagster as dg

from .defs.dbt import milo_dbt
from .defs.extraits import EXTRAITS
from .defs.ingestion import exports_imilo
from .defs.jobs import JOBS
from .defs.paquet import paquet_reseau
from .defs.quality import CHECKS as QUALITE
from .defs.report import indicateurs_fichier, publication, rapport_activite
from .defs.reseau import ASSETS as RESEAU
from .defs.reseau import JOBS as JOBS_RESEAU
from .defs.reseau import SENSORS as SENSORS_RESEAU
from .defs.resources import MiloSettings, dbt_resource
from .defs.saisies import saisies_manuelles
from .defs.schedules import SCHEDULES
from .defs.secret import secret_statistique
from .defs.sensors import SENSORS

ASSETS = [exports_imilo, saisies_manuelles, milo_dbt, secret_statistique, indicateurs_fichier, rapport_activite,
          *EXTRAITS, paquet_reseau, publication, *RESEAU]
CHECKS = QUALITE

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=JOBS + JOBS_RESEAU,
    schedules=SCHEDULES,
    sensors=SENSORS + SENSORS_RESEAU,
    resources={"milo": MiloSettings(), "dbt": dbt_resource()},
    executor=dg.in_process_executor,
)
