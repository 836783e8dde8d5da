"""dbt's documentation: every model of staging, intermediate and marts and every one of their columns has a
description in the project's YAML (fast: the YAML against the models' files; slow: against the columns of the
warehouse a real run built), and `milo-pipeline docs` writes the static site, readable offline."""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import duckdb
import yaml
from conftest import copie_du_run, run_cli

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


def test_docs_without_a_warehouse_says_to_run_first(cli, milo_home):
    sortie = cli(["docs"])
    assert sortie.code == 1
    assert "lancez d'abord milo-pipeline run ou demo" in sortie.stderr
    assert "Traceback" not in sortie.texte
    assert list(milo_home.iterdir()) == []  # neither a lock file nor an empty site


def test_docs_writes_the_static_site_of_the_warehouse(run_2024, tmp_path):
    run = copie_du_run(run_2024, tmp_path / "run")
    empreinte = hashlib.sha256(run.warehouse.read_bytes()).hexdigest()
    debut = time.monotonic()
    result = run_cli(["docs"], run.home)
    duree = time.monotonic() - debut
    assert result.returncode == 0, result.stdout + result.stderr
    site = run.home / "docs_dbt"
    assert str(site / "index.html") in result.stdout
    assert sorted(p.name for p in site.iterdir()) == ["catalog.json", "index.html", "manifest.json"]
    html = (site / "index.html").read_text(encoding="utf-8")
    # the catalog of this warehouse (real column types) and the project's descriptions, inlined
    assert '"model.milo.mart_accompagnes"' in html
    assert "Premier jour de la p\\u00e9riode calcul\\u00e9e" in html
    catalog = json.loads((site / "catalog.json").read_text(encoding="utf-8"))
    colonnes = catalog["nodes"]["model.milo.mart_accompagnes"]["columns"]
    assert colonnes["valeur"]["type"] == "DOUBLE"
    # offline: nothing a browser would fetch from the network, and no usage tracker started
    assert re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html,
                      re.IGNORECASE) == []
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False
    # read only: the warehouse is the same file, byte for byte
    assert hashlib.sha256(run.warehouse.read_bytes()).hexdigest() == empreinte
    print(f"milo-pipeline docs : {duree:.1f} s")
