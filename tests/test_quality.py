"""The Great Expectations checks, called as plain functions on one good and one bad warehouse."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from milo_pipeline.defs.quality import gx_indicateurs, gx_repartitions
from milo_pipeline.defs.resources import MiloSettings

GOOD = [
    ("pa_nb_jeunes", None, 3.0, "nb"),
    ("pa_sexe_pct", "F", 33.3, "pct"),
    ("pa_sexe_pct", "H", 66.7, "pct"),
    ("pa_qpv_pct", None, None, "pct"),
]


def warehouse(tmp_path, rows) -> MiloSettings:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table indicateurs (periode_debut date, periode_fin date, indicateur varchar, "
                    "modalite varchar, valeur double, unite varchar)")
        con.executemany("insert into indicateurs values ('2024-01-01', '2024-12-31', ?, ?, ?, ?)", rows)
        con.execute("create table indicateurs_dictionnaire (indicateur varchar, somme_100 boolean)")
        con.executemany("insert into indicateurs_dictionnaire values (?, ?)",
                        [("pa_nb_jeunes", False), ("pa_sexe_pct", True), ("pa_qpv_pct", False)])
    return MiloSettings(milo_home=str(tmp_path))


def run(check, milo: MiloSettings) -> dg.AssetCheckResult:
    # the resource `milo` opens a run (lock, clean-up: a context manager): a direct call takes its folders only
    resources = {"milo": dg.ResourceDefinition.hardcoded_resource(milo)}
    with dg.instance_for_test() as instance:
        return check(dg.build_asset_check_context(resources=resources, instance=instance))


@pytest.fixture(autouse=True)
def _warehouse_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MILO_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))


def test_good_indicators_pass(tmp_path):
    milo = warehouse(tmp_path, GOOD)
    assert run(gx_indicateurs, milo).passed
    result = run(gx_repartitions, milo)
    assert result.passed and result.metadata["lignes_controlees"].value == 1


def test_share_above_100_and_negative_count_fail(tmp_path):
    milo = warehouse(tmp_path, [*GOOD[:1], ("pa_sexe_pct", "F", 133.3, "pct"), ("pa_sexe_pct", "H", -33.3, "pct"),
                                ("pa_permis_b_nb", None, -1.0, "nb")])
    result = run(gx_indicateurs, milo)
    assert not result.passed
    assert "Une part (pourcentage) est comprise entre 0 et 100" in result.description
    assert "133.3" in result.description and "Un effectif ou un montant n'est jamais négatif" in result.description


def test_duplicated_row_fails(tmp_path):
    result = run(gx_indicateurs, warehouse(tmp_path, [*GOOD, GOOD[0]]))
    assert not result.passed and "Une seule valeur par période" in result.description


def test_breakdown_not_summing_to_100_fails(tmp_path):
    milo = warehouse(tmp_path, [("pa_sexe_pct", "F", 33.3, "pct"), ("pa_sexe_pct", "H", 66.4, "pct")])
    result = run(gx_repartitions, milo)
    assert not result.passed and "99.7" in result.description
