"""dbt: staging, intermediate and indicator marts, built in one `dbt build` per run."""


import json
import os
import shutil
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from ..lib.periods import from_window, periods_to_compute
from .partitions import monthly
from .resources import MiloSettings, dbt_project


class MiloTranslator(DagsterDbtTranslator):
    """Groups follow the layers: staging (stg_, int_ and reference seeds) and marts."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return "marts" if "marts" in fqn else "staging"


def dbt_vars(context: dg.AssetExecutionContext) -> dict:
    window = context.partition_time_window
    periode = from_window(window.start.date(), window.end.date())
    return {"periodes": [p.as_var() for p in periods_to_compute(periode)]}


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=MiloTranslator(),
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    op_tags={"db": "duckdb"},
)
def milo_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, milo: MiloSettings):
    os.environ["MILO_WAREHOUSE"] = str(milo.warehouse)
    # dbt unit tests check the formulas, not the data: they run in the test suite (tests/dbt_helpers.py), not on
    # every production run; the data tests run here and surface as asset checks
    args = ["build", "--exclude", "resource_type:unit_test", "--vars", json.dumps(dbt_vars(context))]
    invocation = dbt.cli(args, context=context)
    try:
        yield from invocation.stream()
    finally:
        shutil.rmtree(invocation.target_path, ignore_errors=True)
