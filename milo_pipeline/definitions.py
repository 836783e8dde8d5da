"""The code location: every asset, check and resource of milo-pipeline."""

import dagster as dg

from .defs.dbt import milo_dbt
from .defs.ingestion import exports_imilo
from .defs.quality import gx_indicateurs, gx_repartitions
from .defs.report import indicateurs_fichier, publication, rapport_activite
from .defs.resources import MiloSettings, dbt_resource

ASSETS = [exports_imilo, milo_dbt, indicateurs_fichier, rapport_activite, publication]
CHECKS = [gx_indicateurs, gx_repartitions]

tout = dg.define_asset_job("tout", selection=dg.AssetSelection.all(), description="Toute la chaîne, pour une période.")

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[tout],
    resources={"milo": MiloSettings(), "dbt": dbt_resource()},
    executor=dg.in_process_executor,
)
