"""Great Expectations 1.x suites (kept as JSON in expectations/) run on pandas frames.

GX is imported lazily and its context built once per process: the import alone costs seconds.
The frames validated here are small aggregates read from DuckDB, never youth-level tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"


@dataclass(frozen=True)
class Echec:
    expectation: str
    explication: str
    colonne: str | None
    exemples: list


@dataclass(frozen=True)
class ResultatSuite:
    suite: str
    succes: bool
    nb_expectations: int
    echecs: list[Echec]

    def texte(self) -> str:
        if self.succes:
            return f"{self.suite} : {self.nb_expectations} contrôle(s) réussi(s)"
        details = "; ".join(f"{e.explication} (exemples : {e.exemples})" for e in self.echecs)
        return f"{self.suite} : {len(self.echecs)} contrôle(s) en échec sur {self.nb_expectations} — {details}"


def load_suite_definition(name: str, directory: Path = EXPECTATIONS_DIR) -> dict:
    return json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))


@cache
def _batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("milo")
    return source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("frame")


def validate(frame: pd.DataFrame, name: str, directory: Path = EXPECTATIONS_DIR) -> ResultatSuite:
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    definition = load_suite_definition(name, directory)
    suite = gx.ExpectationSuite(name=definition["name"])
    for exp in definition["expectations"]:
        suite.add_expectation_configuration(
            ExpectationConfiguration(type=exp["type"], kwargs=exp["kwargs"], meta=exp.get("meta", {})))
    result = _batch_definition().get_batch(batch_parameters={"dataframe": frame}).validate(suite)
    echecs = [
        Echec(
            expectation=r.expectation_config.type,
            explication=r.expectation_config.meta.get("explication", r.expectation_config.type),
            colonne=r.expectation_config.kwargs.get("column"),
            exemples=[_plain(v) for v in (r.result or {}).get("partial_unexpected_list", [])[:5]],
        )
        for r in result.results if not r.success
    ]
    return ResultatSuite(definition["name"], bool(result.success), len(result.results), echecs)


def _plain(value):
    return value.item() if hasattr(value, "item") else value
