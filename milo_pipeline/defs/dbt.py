"""dbt: staging, intermediate and indicator marts, built in one `dbt build` per run."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from ..lib.dbt_project import environnement, environnement_dbt, etat_partiel
from ..lib.periods import periodes_dbt
from .partitions import monthly, periode_du_run
from .resources import MiloSettings, dbt_project


class MiloTranslator(DagsterDbtTranslator):
    """Groups follow the layers: staging (stg_, int_ and reference seeds) and marts."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return "marts" if "marts" in fqn else "staging"


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
    # the run's periods and, for a year, the year before (the report's comparisons; not published as such)
    periodes = periodes_dbt(periode_du_run(context))
    # a killed run's target folder is removed by the next run (resource `milo`)
    with etat_partiel(milo.home, milo.cible_dbt(context.run_id)) as cible:
        with environnement(environnement_dbt(milo.warehouse, periodes)):  # dbt starts with it; this process not
            # dbt unit tests check the formulas, not the data: they run in the test suite (tests/dbt_helpers.py),
            # not on every production run; the data tests run here and surface as asset checks
            invocation = dbt.cli(["build", "--exclude", "resource_type:unit_test"], context=context,
                                 target_path=cible)
        prechauffer_imports()
        yield from invocation.stream()
