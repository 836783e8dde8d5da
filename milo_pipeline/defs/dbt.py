"""dbt: staging, intermediate and indicator marts, built in one `dbt build` per run."""


import json
import os
import shutil
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from ..lib.periods import from_window, periods_to_compute
from ..lib.warehouse import limites
from .partitions import monthly
from .resources import MiloSettings, dbt_project, environnement_dbt_enfant


class MiloTranslator(DagsterDbtTranslator):
    """Groups follow the layers: staging (stg_, int_ and reference seeds) and marts."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return "marts" if "marts" in fqn else "staging"


def dbt_periodes(context: dg.AssetExecutionContext) -> list[dict[str, str]]:
    window = context.partition_time_window
    periode = from_window(window.start.date(), window.end.date())
    return [p.as_var() for p in periods_to_compute(periode)]


def prechauffer_imports() -> None:
    """Import now what the next steps import: WeasyPrint (≈1 s) for the report, and Great Expectations (≈3 s)
    unless the volume check already did. Called once dbt works in its own process, on the other core, these
    imports add nothing to the run's wall time."""
    import great_expectations  # noqa: F401
    import weasyprint  # noqa: F401


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=MiloTranslator(),
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    op_tags={"db": "duckdb"},
)
def milo_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, milo: MiloSettings):
    # dbt reads the warehouse path, the DuckDB limits (config/entrepot.yaml) and the periods from the environment
    # (dbt_project/profiles.yml, int_periodes.sql): unlike --vars, none of them forces dbt to parse the whole
    # project again (the periods make it parse int_periodes.sql only)
    os.environ.update({"MILO_WAREHOUSE": str(milo.warehouse), "MILO_PERIODES": json.dumps(dbt_periodes(context)),
                       **limites().environ(), **environnement_dbt_enfant()})
    # dbt's partial parsing: the state of the previous run of this installation (its profile holds the
    # warehouse path, so the state is kept per MILO_HOME): ≈3 s less from the second run on
    etat = milo.home / "dbt" / "partial_parse.msgpack"
    target = milo.cible_dbt(context.run_id)  # a killed run's is removed by the next run (resource `milo`)
    target.mkdir(parents=True, exist_ok=True)
    if etat.exists():
        shutil.copyfile(etat, target / etat.name)
    # dbt unit tests check the formulas, not the data: they run in the test suite (tests/dbt_helpers.py), not on
    # every production run; the data tests run here and surface as asset checks
    invocation = dbt.cli(["build", "--exclude", "resource_type:unit_test"], context=context, target_path=target)
    try:
        prechauffer_imports()
        yield from invocation.stream()
        if (target / etat.name).exists():
            os.replace(target / etat.name, etat)
    finally:
        shutil.rmtree(target, ignore_errors=True)
