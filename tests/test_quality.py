"""The Great Expectations checks, called as plain functions on one good and one bad warehouse."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from milo_pipeline.defs.quality import gx_indicateurs, gx_repartitions
from milo_pipeline.defs.resources import MiloSettings
from milo_pipeline.lib import dictionnaire

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
        # the dictionary as dbt seeds it (somme_100 of pa_sexe_pct, total of terr_nb_jeunes and disp_nb_sorties…)
        con.execute("create table indicateurs_dictionnaire as select * from read_csv(?, header = true)",
                    [str(dictionnaire.SEED)])
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


def test_a_count_breakdown_beyond_its_total_fails(tmp_path):
    """Territories of 200 accompanied youths summing to 198: one youth left out of every territory."""
    territoires = [("terr_nb_jeunes", m, v, "nb") for m, v in (("CU Grand Besançon Métropole", 150.0),
                                                               ("CC Loue-Lison", 20.0), ("Hors territoire", 28.0))]
    milo = warehouse(tmp_path, [*GOOD, ("acc_nb_jeunes", None, 200.0, "nb"), *territoires])
    result = run(gx_repartitions, milo)
    assert not result.passed and result.metadata["lignes_controlees"].value == 2
    assert "terr_nb_jeunes (hors_bornes : 2, periode_debut : 2024-01-01, periode_fin : 2024-12-31, total : 200, " \
           "somme_modalites : 198, plus_grande_modalite : 150)" in result.description


@pytest.mark.parametrize(("ensemble", "passe"), [(40.0, True), (42.0, True), (30.0, True), (29.0, False),
                                                 (43.0, False)])
def test_a_total_of_distinct_youths_may_be_below_the_sum_of_its_programmes_never_below_one(tmp_path, ensemble,
                                                                                          passe):
    """30 CEJ and 12 PACEA exits: the youths exited (Ensemble) are from 30 (every PACEA youth also left the CEJ) to
    42 (no youth left both); 29 is below CEJ's 30, 43 above the sum."""
    lignes = [("disp_nb_sorties", m, v, "nb") for m, v in (("CEJ", 30.0), ("PACEA", 12.0), ("Ensemble", ensemble))]
    result = run(gx_repartitions, warehouse(tmp_path, lignes))
    assert result.passed == passe
    if not passe:
        assert (f"disp_nb_sorties (hors_bornes : 1, periode_debut : 2024-01-01, periode_fin : 2024-12-31, "
                f"modalite_total : Ensemble, total : {ensemble:.0f}, somme_modalites : 42, plus_grande_modalite : 30)"
                ) in result.description


def test_a_dictionary_naming_an_unknown_indicator_blocks_with_its_column_and_value(tmp_path):
    milo = warehouse(tmp_path, GOOD)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("update indicateurs_dictionnaire set total = 'acc_nb_jeune' where indicateur = 'terr_nb_jeunes'")
    result = run(gx_repartitions, milo)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.description == (
        "dbt_project/seeds/indicateurs_dictionnaire.csv, colonne « total » : indicateur « terr_nb_jeunes » : "
        "« acc_nb_jeune » n'est pas un indicateur du dictionnaire (valeur lue : « acc_nb_jeune »)")
