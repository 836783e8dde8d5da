"""dbt's documentation: every model of staging, intermediate and marts and every one of their columns has a
description in the project's YAML (fast: the YAML against the models' files; slow: against the columns of the
warehouse a real run built), and `milo-pipeline docs` writes the static site, readable offline."""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

MODELS = Path(__file__).resolve().parents[1] / "dbt_project" / "models"
LAYERS = ("staging", "intermediate", "marts")


def _declared() -> dict[str, dict]:
    """Every model declared in the YAML files of the three layers: its name → its YAML entry."""
    models: dict[str, dict] = {}
    for path in sorted(p for layer in LAYERS for p in (MODELS / layer).rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            assert model["name"] not in models, f"{model['name']} déclaré deux fois ({path})"
            models[model["name"]] = model
    return models


def _sql_models() -> set[str]:
    return {p.stem for layer in LAYERS for p in (MODELS / layer).rglob("*.sql")}


def _sans_description(entry: dict) -> bool:
    return not str(entry.get("description") or "").strip()


def test_every_model_and_declared_column_has_a_description():
    declared = _declared()
    sql = _sql_models()
    assert len(sql) >= 40  # the project's 40 models: a wrong folder would make the test vacuous
    assert sorted(sql - declared.keys()) == []  # a model without a YAML entry
    assert sorted(declared.keys() - sql) == []  # a YAML entry without its model (renamed, removed)
    assert sorted(name for name, model in declared.items() if _sans_description(model)) == []
    assert sorted(f"{name}.{column['name']}" for name, model in declared.items()
                  for column in model.get("columns") or [] if _sans_description(column)) == []


def test_every_column_of_the_warehouse_is_documented(run_2024):
    declared = _declared()
    with duckdb.connect(str(run_2024.warehouse), read_only=True) as con:
        columns = con.execute("select table_name, column_name from information_schema.columns "
                              "where table_schema = 'main'").fetchall()
    built = {(table, column) for table, column in columns if table in declared}
    assert {table for table, _ in built} == _sql_models()  # every model was built and is read here
    documented = {(name, column["name"]) for name, model in declared.items()
                  for column in model.get("columns") or [] if not _sans_description(column)}
    assert sorted(built - documented) == []
    assert sorted(documented - built) == []  # a YAML column the model no longer has
