"""The Great Expectations suites on staging views, on the marts and on volumes, called as plain functions on a
small hand-built warehouse: one good case, one bad case each, and the run's Data Docs."""

from __future__ import annotations

from datetime import date

import dagster as dg
import duckdb
import pytest

from milo_pipeline.defs.quality import (
    gx_ages,
    gx_cles,
    gx_dates,
    gx_parts_atteignables,
    gx_references,
    gx_volumes,
)
from milo_pipeline.defs.resources import MiloSettings
from milo_pipeline.lib import dictionnaire, quality

EXPORT = "2025-01-15"
FICHIERS = {t: f"{t}_{EXPORT}.csv" for t in ("jeunes", "evenements", "dispositifs", "situations", "allocations",
                                             "parrainages", "parrains", "reperage", "contacts_entreprises")}

# one youth per row: (jeune_id, age at inscription, at premier accueil — computed at ingestion —, inscription,
# premier accueil); j1 born 2006-03-10, j2 born 2000-06-01
JEUNES = [("j1", 17, 18, "2024-03-01", "2024-03-10"), ("j2", 22, 22, "2023-04-15", "2023-05-01")]
EVENEMENTS = [("e1", "j1", "2024-03-10", "Présent"), ("e2", "j2", "2025-02-01", "Planifié")]
STAGING = {
    "stg_imilo__jeunes": ("jeune_id varchar, inscription_age smallint, premier_accueil_age smallint, "
                          "inscription_date date, premier_accueil_date date", JEUNES),
    "stg_imilo__evenements": ("evenement_id varchar, jeune_id varchar, evenement_date date, statut varchar",
                              EVENEMENTS),
    "stg_imilo__dispositifs": ("jeune_id varchar, entree_date date, sortie_date date",
                               [("j1", "2024-03-10", "2026-01-01")]),
    "stg_imilo__situations": ("jeune_id varchar, debut_date date, fin_date date, etat varchar",
                              [("j2", "2025-03-01", None, "PREVU")]),
    "stg_imilo__allocations": ("jeune_id varchar, paiement_date date", [("j1", "2024-04-05")]),
    "stg_imilo__parrainages": ("parrainage_id varchar, jeune_id varchar, parrain_id varchar, debut_date date, "
                               "fin_date date", [("p1", "j2", "m1", "2024-02-01", None)]),
    "stg_imilo__parrains": ("parrain_id varchar, entree_date date", [("m1", "2023-09-01")]),
    "stg_imilo__reperage": ("contact_id varchar, jeune_id varchar, contact_date date",
                            [("r1", None, "2024-02-02"), ("r2", "j1", "2024-03-03")]),
    "stg_imilo__contacts_entreprises": ("contact_id varchar, contact_date date", [("c1", "2024-10-10")]),
}
# (indicateur, modalite, valeur, unite): 3 youths in premier accueil, 2 women of 3 CUI-CIE beneficiaries
INDICATEURS = [
    ("pa_nb_jeunes", None, 3.0, "nb"), ("pa_sexe_pct", "F", 33.3, "pct"), ("pa_sexe_pct", "H", 66.7, "pct"),
    ("pa_qpv_pct", None, 0.0, "pct"), ("disp_nb_beneficiaires", "CUI-CIE", 3.0, "nb"),
    ("disp_femmes_pct", "CUI-CIE", 66.7, "pct"), ("disp_nb_beneficiaires", "CEJ", 0.0, "nb"),
    ("disp_femmes_pct", "CEJ", None, "pct"),
]


def build(tmp_path, staging=None, indicateurs=None, volumes=(), lignes: int = 500,
          nouveaux_indicateurs=()) -> MiloSettings:
    """A warehouse with what the suites read: raw._fichiers, qualite.volumes_exports, the staging views (as
    tables), main.indicateurs and main.indicateurs_dictionnaire (the seed)."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw; create schema qualite")
        con.execute("create table raw._fichiers (table_export varchar, fichier varchar, date_export date, "
                    "lignes_lues bigint)")
        con.executemany("insert into raw._fichiers values (?, ?, ?, ?)",
                        [(t, f, EXPORT, lignes) for t, f in FICHIERS.items()])
        con.execute("create table qualite.volumes_exports (date_export date, table_export varchar, "
                    "lignes_lues bigint)")
        con.executemany("insert into qualite.volumes_exports values (?, ?, ?)",
                        [(EXPORT, t, lignes) for t in FICHIERS] + list(volumes))
        for vue, (colonnes, rows) in {**STAGING, **(staging or {})}.items():
            con.execute(f"create table main.{vue} ({colonnes})")
            if rows:
                con.executemany(f"insert into main.{vue} values ({', '.join('?' * len(rows[0]))})", rows)
        con.execute("create table main.indicateurs (periode_debut date, periode_fin date, indicateur varchar, "
                    "modalite varchar, valeur double, unite varchar)")
        con.executemany("insert into main.indicateurs values ('2024-01-01', '2024-12-31', ?, ?, ?, ?)",
                        indicateurs if indicateurs is not None else INDICATEURS)
        # the dictionary as dbt seeds it: the shares' populations are read from it
        con.execute("create table main.indicateurs_dictionnaire as select * from read_csv(?, header = true, "
                    "all_varchar = true)", [str(dictionnaire.SEED)])
        for indicateur, population in nouveaux_indicateurs:
            con.execute("insert into main.indicateurs_dictionnaire (indicateur, ordre, libelle, unite, population, "
                        "agregation, denominateur) values (?, '9999', ?, 'pct', ?, 'rapport', ?)",
                        [indicateur, indicateur, population, population])
    return MiloSettings(milo_home=str(tmp_path))


def run(check, milo: MiloSettings):
    # the resource `milo` opens a run (lock, clean-up: a context manager): a direct call takes its folders only
    resources = {"milo": dg.ResourceDefinition.hardcoded_resource(milo)}
    with dg.instance_for_test() as instance:
        result = check(dg.build_asset_check_context(resources=resources, instance=instance))
        return list(result) if not isinstance(result, dg.AssetCheckResult) else result


@pytest.fixture(autouse=True)
def _warehouse_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MILO_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))


@pytest.mark.parametrize("check", [gx_cles, gx_references, gx_dates, gx_parts_atteignables, gx_ages])
def test_good_warehouse_passes(tmp_path, check):
    result = run(check, build(tmp_path))
    assert result.passed, result.description


def test_duplicated_youth_id_fails_naming_file_and_column(tmp_path):
    result = run(gx_cles, build(tmp_path, {"stg_imilo__jeunes": (STAGING["stg_imilo__jeunes"][0],
                                                                  [*JEUNES, JEUNES[0]])}))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert "jeunes_2025-01-15.csv, colonne « id_jeune » (doublons : 1, lignes : 3)" in result.description


def test_empty_key_fails(tmp_path):
    result = run(gx_cles, build(tmp_path, {"stg_imilo__parrains": (STAGING["stg_imilo__parrains"][0],
                                                                    [(None, "2023-09-01")])}))
    assert not result.passed and "parrains_2025-01-15.csv, colonne « id_parrain »" in result.description


def test_event_of_an_unknown_youth_fails(tmp_path):
    evenements = [*EVENEMENTS, ("e3", "j9", "2024-05-05", "Présent")]
    result = run(gx_references, build(tmp_path, {"stg_imilo__evenements": (STAGING["stg_imilo__evenements"][0],
                                                                           evenements)}))
    assert not result.passed
    assert "evenements_2025-01-15.csv, colonne « id_jeune » (orphelins : 1, cible : stg_imilo__jeunes)" \
        in result.description


def test_dates_outside_the_export_window_fail(tmp_path):
    evenements = [*EVENEMENTS, ("e3", "j1", "2025-03-01", "Présent"), ("e4", "j1", "1924-03-01", "Absent")]
    result = run(gx_dates, build(tmp_path, {"stg_imilo__evenements": (STAGING["stg_imilo__evenements"][0],
                                                                      evenements)}))
    assert not result.passed
    assert "evenements_2025-01-15.csv, colonne « date_evenement »" in result.description
    assert "premiere_hors_fenetre : 1924-03-01" in result.description
    assert "derniere_hors_fenetre : 2025-03-01" in result.description
    # planned events, an expected situation and a planned exit may be after the export date (good warehouse)


def test_a_share_no_count_can_give_fails(tmp_path):
    """The seed report's CUI-CIE line: 55,7 % of 3 youths (1/3 = 33,3 %, 2/3 = 66,7 %)."""
    indicateurs = [r for r in INDICATEURS if r[:2] != ("disp_femmes_pct", "CUI-CIE")]
    indicateurs.append(("disp_femmes_pct", "CUI-CIE", 55.7, "pct"))
    result = run(gx_parts_atteignables, build(tmp_path, indicateurs=indicateurs))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert "disp_femmes_pct (ecart : 10.9667, " in result.description
    assert "modalite : CUI-CIE, valeur : 55.7, effectif : 3)" in result.description


def test_share_boundaries_of_rounding(tmp_path):
    """1/8 = 12,5 % exactly; 1/6 = 16,67 % → 16,7."""
    base = [("pa_nb_jeunes", None, 6.0, "nb"), ("acc_nb_jeunes", None, 8.0, "nb")]
    ok = run(gx_parts_atteignables, build(tmp_path, indicateurs=[
        *base, ("pa_qpv_pct", None, 16.7, "pct"), ("acc_qpv_pct", None, 12.5, "pct")]))
    assert ok.passed, ok.description


def test_share_just_off_fails(tmp_path):
    """16,6 % of 6 youths: 1/6 = 16,67 %, the nearest k gives 16,7, not 16,6."""
    result = run(gx_parts_atteignables, build(tmp_path, indicateurs=[
        ("pa_nb_jeunes", None, 6.0, "nb"), ("pa_qpv_pct", None, 16.6, "pct")]))
    assert not result.passed


def test_shares_without_a_known_headcount_are_listed(tmp_path):
    indicateurs = [*INDICATEURS, ("nouveau_taux_pct", None, 12.3, "pct")]
    result = run(gx_parts_atteignables, build(tmp_path, indicateurs=indicateurs))
    assert result.passed and result.metadata["parts_non_verifiees"].value == "nouveau_taux_pct"


def test_a_share_added_to_the_dictionary_of_the_warehouse_is_checked_against_its_population(tmp_path):
    """A row added to the dictionary the warehouse was built with (no other file): 50 % of 3 youths is refused."""
    indicateurs = [*INDICATEURS, ("nouveau_taux_pct", None, 50.0, "pct")]
    result = run(gx_parts_atteignables, build(tmp_path, indicateurs=indicateurs,
                                              nouveaux_indicateurs=[("nouveau_taux_pct", "pa_nb_jeunes")]))
    assert not result.passed and result.metadata["parts_non_verifiees"].value == "aucune"
    assert "nouveau_taux_pct (ecart : 16.6667, " in result.description


def test_implausible_age_is_a_warning(tmp_path):
    jeunes = [*JEUNES, ("j3", 9, None, "2024-01-10", None)]  # born 2015-01-01
    result = run(gx_ages, build(tmp_path, {"stg_imilo__jeunes": (STAGING["stg_imilo__jeunes"][0], jeunes)}))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert "jeunes_2025-01-15.csv, colonne « date_naissance » (age : 9, nb_jeunes : 1)" in result.description


def test_volume_drift_is_a_warning_on_the_table_that_drifted(tmp_path):
    milo = build(tmp_path, volumes=[(date(2024, 12, 15), t, 1000 if t == "evenements" else 500) for t in FICHIERS])
    results = {r.asset_key.path[1]: r for r in run(gx_volumes, milo)}
    assert len(results) == len(FICHIERS)
    evenements = results.pop("evenements")
    assert not evenements.passed and evenements.severity == dg.AssetCheckSeverity.WARN
    assert evenements.description == ("evenements_2025-01-15.csv (ecart : -0.5, table_export : evenements, "
                                      "lignes : 500, lignes_precedentes : 1000, date_precedente : 2024-12-15)")
    assert all(r.passed for r in results.values())


def test_volume_without_history_passes(tmp_path):
    assert all(r.passed for r in run(gx_volumes, build(tmp_path)))


def test_warning_check_that_cannot_run_is_a_warning(tmp_path):
    milo = build(tmp_path)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("drop table main.stg_imilo__jeunes")
    result = run(gx_ages, milo)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert "contrôle impossible" in result.description


def test_settings_are_read_from_configuration():
    reglages = quality.load_settings()
    assert reglages.seuil_rejets == 0.005 and (reglages.age_min, reglages.age_max) == (14, 30)
    assert reglages.parametres["ecart_volumes_max"] == reglages.ecart_volumes


def test_settings_refuse_a_threshold_given_in_percent(tmp_path):
    path = tmp_path / "qualite.yaml"
    path.write_text(quality.SETTINGS.read_text(encoding="utf-8").replace("seuil_rejets: 0.005", "seuil_rejets: 5"),
                    encoding="utf-8")
    with pytest.raises(ValueError, match="seuil_rejets"):
        quality.load_settings(path)


def test_data_docs_are_one_self_contained_page_per_run(tmp_path):
    run_dir = tmp_path / "runs" / "r1"
    milo = build(tmp_path)
    resultat = quality.validate(
        duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True).sql(quality.sql_cles(
            quality.load_settings())).df(), "cles")
    quality.ecrire_data_docs(run_dir, quality.entree_suite("gx_cles", "Clés <uniques>", "bloquant", resultat, 6))
    quality.ecrire_data_docs(run_dir, {"nom": "ingestion", "titre": "Ingestion", "niveau": "ingestion",
                                       "succes": False, "resume": "export refusé",
                                       "problemes": ["jeunes.csv, ligne 3 : fichier vide"]})
    (run_dir / "rejets.csv").write_text("fichier,ligne,colonne,valeur,motif\n", encoding="utf-8")
    index = quality.ecrire_data_docs(run_dir, quality.entree_suite("gx_cles", "Clés <uniques>", "bloquant",
                                                                   resultat, 6))
    page = index.read_text(encoding="utf-8")
    assert sorted(p.name for p in index.parent.iterdir()) == ["gx_cles.json", "index.html", "ingestion.json"]
    assert "Clés &lt;uniques&gt;" in page and "jeunes.csv, ligne 3 : fichier vide" in page
    assert "../rejets.csv" in page and page.count("<h2") == 2
    assert "http" not in page  # nothing fetched from a CDN: readable offline
    assert milo.run_dir("r1") == run_dir
