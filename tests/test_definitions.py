"""The code location as the data team sees it: what `dagster definitions validate` accepts, the snapshot of
asset keys, groups, jobs, schedules and sensors (a rename is a visible diff here), the monthly schedule,
the instance configuration (one run at a time) and the indicator preview shown in the UI."""

import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import yaml

from milo_pipeline.definitions import defs
from milo_pipeline.defs.resources import MiloSettings
from milo_pipeline.defs.schedules import rafraichissement_mensuel
from milo_pipeline.defs.sensors import TAG_LOT
from milo_pipeline.instance import prepare_dagster_home
from milo_pipeline.lib.apercu import apercu_markdown
from milo_pipeline.lib.dbt_project import dossier_projet, environnement, environnement_dbt
from milo_pipeline.lib.depot import lot_exports
from milo_pipeline.lib.periods import Periode

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "exports_2024"
DAGSTER = str(Path(sys.executable).with_name("dagster"))
TABLES = ["allocations", "contacts_entreprises", "dispositifs", "evenements", "jeunes", "parrainages", "parrains",
          "reperage", "situations"]
SAISIES = ["budget", "effectifs", "evenements", "satisfaction", "satisfaction_questions"]
GROUPS = {
    "ingestion": [*(f"imilo/{t}" for t in TABLES), *(f"saisies/{s}" for s in SAISIES)],
    "staging": [
        "hebergements", "indicateurs_dictionnaire", "int_accompagnes__periodes", "int_allocations__periodes",
        "int_cej__fenetres", "int_cej__jeunes_fenetres", "int_contacts_entreprises__periodes",
        "int_dispositifs__entrees_periodes", "int_dispositifs__periodes", "int_jeunes__periodes",
        "int_parrainages__periodes", "int_parrains__periodes", "int_periodes", "int_periodes__annee_precedente",
        "int_reperage__periodes", "int_situations__periodes", "int_vocabulaires", "motifs_sortie_positifs",
        "programmes", *(f"stg_imilo__{t}" for t in TABLES), *(f"stg_saisies__{s}" for s in SAISIES),
        "territoire_communes", "territoire_epci", "vocabulaires",
    ],
    "marts": ["agregats_reseau", "indicateurs", "indicateurs_couverture", "mart_accompagnes", "mart_cej",
              "mart_dispositifs", "mart_emploi", "mart_parrainage", "mart_premier_accueil", "mart_reperage",
              "mart_saisies", "mart_territoires"],
    "rapport": ["indicateurs_fichier", "publication", "rapport_activite"],
    "extraits": ["paquet_reseau", "secret_statistique"] + [
        f"extraits/{f}" for f in ("caf_doubs", "departement_doubs", "etat_dreets", "region_bfc", "ville_besancon")],
    "reseau": ["reseau/consolidation", "reseau/paquets"],
}
CHECKS_INDICATEURS = [
    "gx_cles", "gx_dates", "gx_indicateurs", "gx_parts_atteignables", "gx_references", "gx_repartitions",
    "relationships_indicateurs_indicateur__indicateur__ref_indicateurs_dictionnaire_",
    "unique_combination_of_columns_indicateurs_periode_debut__periode_fin__indicateur__modalite",
]
JOBS = {"__ASSET_JOB", "tout", "rapport_annuel", "reseau"}
SCHEDULES = {"rafraichissement_mensuel": ("tout", "0 6 5 * *", "Europe/Paris", "RUNNING")}
SENSORS = {"exports_deposes": ("tout", 30, "RUNNING"), "paquets_deposes": ("reseau", 30, "RUNNING")}
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def repo():
    return defs.get_repository_def()


@pytest.mark.slow
def test_dagster_definitions_validate_passes(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(prepare_dagster_home(tmp_path / "dagster"))}
    result = subprocess.run([DAGSTER, "definitions", "validate", "-w", "workspace.yaml"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


def test_snapshot_of_assets_groups_jobs_schedules_sensors(repo):
    graph = repo.asset_graph
    groups: dict[str, list[str]] = {}
    for key in graph.get_all_asset_keys():
        groups.setdefault(graph.get(key).group_name, []).append(key.to_user_string())
    assert {g: sorted(keys) for g, keys in groups.items()} == {g: sorted(keys) for g, keys in GROUPS.items()}
    assert sorted(c.name for c in graph.asset_check_keys if c.asset_key == dg.AssetKey("indicateurs")) \
        == sorted(CHECKS_INDICATEURS)
    assert {j.name for j in repo.get_all_jobs()} == JOBS
    assert {s.name: (s.job_name, s.cron_schedule, s.execution_timezone, s.default_status.value)
            for s in repo.schedule_defs} == SCHEDULES
    assert {s.name: (s.job_name, s.minimum_interval_seconds, s.default_status.value)
            for s in repo.sensor_defs} == SENSORS


def test_every_asset_is_monthly_and_a_range_of_months_is_one_run(repo):
    """A backfill over months is one run (one dbt build) only if every asset has the single-run policy (every asset
    of a Mission Locale's run: the network's group has one partition per structure, tests/test_reseau_dagster.py)."""
    graph = repo.asset_graph
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.group_name == "reseau":
            continue
        assert node.partitions_def == defs.resolve_job_def("tout").partitions_def, key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
    for job in ("tout", "rapport_annuel"):
        assert defs.resolve_job_def(job).partitions_def.get_first_partition_key() == "2022-01-01"


@pytest.fixture
def landing(tmp_path):
    """The held-out export set, dropped in MILO_HOME/landing two minutes ago."""
    dest = tmp_path / "home" / "landing"
    shutil.copytree(FIXTURE, dest)
    for path in dest.rglob("*"):
        os.utime(path, (path.stat().st_atime, datetime.now().timestamp() - 120))
    return dest


def evaluate_schedule(landing: Path, when: datetime, instance: dg.DagsterInstance):
    with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=when, repository_def=defs.get_repository_def(),
            resources={"milo": MiloSettings(milo_home=str(landing.parent))}) as context:
        return rafraichissement_mensuel.evaluate_tick(context)


def test_monthly_schedule_computes_the_previous_month_from_the_landing_folder(landing):
    with dg.instance_for_test() as instance:
        data = evaluate_schedule(landing, datetime(2025, 2, 5, 6, tzinfo=PARIS), instance)
    (request,) = data.run_requests
    assert request.partition_key == "2025-01-01"
    assert request.run_config["resources"]["milo"]["config"]["exports_dir"] == str(landing)
    assert request.tags[TAG_LOT] == lot_exports(landing).empreinte
    dg.validate_run_config(defs.resolve_job_def("tout"), request.run_config)


def test_monthly_schedule_skips_a_month_already_computed_from_the_same_exports(landing):
    with dg.instance_for_test() as instance:
        instance.add_run(dg.DagsterRun(job_name="tout", status=dg.DagsterRunStatus.SUCCESS, tags={
            TAG_LOT: lot_exports(landing).empreinte, "dagster/partition": "2025-01-01"}))
        data = evaluate_schedule(landing, datetime(2025, 2, 5, 6, tzinfo=PARIS), instance)
        assert data.run_requests == []
        assert "déjà calculé" in data.skip_message
        ailleurs = evaluate_schedule(landing, datetime(2025, 3, 5, 6, tzinfo=PARIS), instance)
        assert [r.partition_key for r in ailleurs.run_requests] == ["2025-02-01"]


def test_monthly_schedule_skips_when_the_exports_are_incomplete(landing):
    next(landing.glob("parrains_*")).unlink()
    with dg.instance_for_test() as instance:
        data = evaluate_schedule(landing, datetime(2025, 2, 5, 6, tzinfo=PARIS), instance)
    assert data.run_requests == []
    assert "Mois 2025-01 non calculé" in data.skip_message and "« parrains »" in data.skip_message


def test_instance_config_runs_one_run_at_a_time_with_sqlite_storage(tmp_path):
    home = prepare_dagster_home(tmp_path / "dagster")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert instance.run_coordinator.__class__.__name__ == "QueuedRunCoordinator"


def test_instance_config_completes_a_file_written_by_the_cli_and_keeps_a_configured_queue(tmp_path):
    cli_home = tmp_path / "cli"
    cli_home.mkdir()
    (cli_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    prepare_dagster_home(cli_home)
    config = yaml.safe_load((cli_home / "dagster.yaml").read_text(encoding="utf-8"))
    assert config == {"telemetry": {"enabled": False}, "concurrency": {"runs": {"max_concurrent_runs": 1}}}
    prepare_dagster_home(cli_home)
    assert yaml.safe_load((cli_home / "dagster.yaml").read_text(encoding="utf-8")) == config

    own = tmp_path / "own"
    own.mkdir()
    (own / "dagster.yaml").write_text("run_queue:\n  max_concurrent_runs: 1\n", encoding="utf-8")
    prepare_dagster_home(own)
    assert set(yaml.safe_load((own / "dagster.yaml").read_text(encoding="utf-8"))) == {"run_queue", "telemetry"}


def test_indicator_preview_is_a_markdown_table_of_headline_indicators():
    mars, cumul = (date(2024, 3, 1), date(2024, 3, 31)), (date(2024, 1, 1), date(2024, 3, 31))
    rows = [
        {"periode_debut": mars[0], "periode_fin": mars[1], "indicateur": "pa_nb_jeunes", "modalite": None,
         "valeur": 3, "unite": "nb"},
        {"periode_debut": mars[0], "periode_fin": mars[1], "indicateur": "pa_sexe_pct", "modalite": "F",
         "valeur": 33.3, "unite": "pct"},
        {"periode_debut": cumul[0], "periode_fin": cumul[1], "indicateur": "pa_nb_jeunes", "modalite": None,
         "valeur": 1250, "unite": "nb"},
        {"periode_debut": cumul[0], "periode_fin": cumul[1], "indicateur": "pacea_montant_moyen", "modalite": None,
         "valeur": 326.375, "unite": "eur"},
    ]
    lignes = apercu_markdown(rows, {"pa_nb_jeunes": "Jeunes reçus | premier accueil"}).splitlines()
    assert lignes[0] == "| Indicateur | mars 2024 | du 1er janvier au 31 mars 2024 |"
    assert lignes[1] == "| --- | ---: | ---: |"
    assert lignes[2] == "| Jeunes reçus / premier accueil | 3 | 1\u202f250 |"
    assert lignes[3] == "| pacea_montant_moyen |  | 326,38\u202f€ |"
    assert len(lignes) == 4


DEFS = ROOT / "milo_pipeline" / "defs"
SQL = re.compile(r"\bselect\b[\s\S]*\bfrom\b|\bfrom\s+(main|raw|diffusion)\.|\b(insert\s+into|delete\s+from|begin\s+"
                 r"transaction|create\s+(temp\s+)?table|rollback|commit)\b", re.IGNORECASE)


def _textes(arbre: ast.AST):
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Constant) and isinstance(noeud.value, str):
            yield noeud.lineno, noeud.value


def _mutations_environnement(arbre: ast.AST):
    """`os.environ[...] = …`, `del os.environ[...]`, `os.environ.update(…)` and the like, `os.putenv(…)`."""
    def environ(n):
        return isinstance(n, ast.Attribute) and n.attr == "environ"
    for noeud in ast.walk(arbre):
        cibles = (noeud.targets if isinstance(noeud, ast.Assign | ast.Delete)
                  else [noeud.target] if isinstance(noeud, ast.AugAssign) else [])
        if any(isinstance(c, ast.Subscript) and environ(c.value) for c in cibles):
            yield noeud.lineno
        if isinstance(noeud, ast.Call) and isinstance(noeud.func, ast.Attribute) and (
                (environ(noeud.func.value) and noeud.func.attr in ("update", "setdefault", "pop", "popitem", "clear"))
                or noeud.func.attr in ("putenv", "unsetenv")):
            yield noeud.lineno


def test_defs_hold_no_sql_and_never_change_the_environment():
    """defs/ declares assets, checks, jobs, schedules and sensors over lib/: its SQL lives in lib/ (lib/warehouse.py
    reads the built warehouse) and dbt's environment is set by lib/dbt_project.py for dbt's start only."""
    sql, environnement = [], []
    for module in sorted(DEFS.glob("*.py")):
        arbre = ast.parse(module.read_text(encoding="utf-8"))
        sql += [f"{module.name}:{ligne} {texte[:60]!r}" for ligne, texte in _textes(arbre) if SQL.search(texte)]
        environnement += [f"{module.name}:{ligne}" for ligne in _mutations_environnement(arbre)]
    assert sql == [] and environnement == []


def test_the_scan_finds_sql_and_environment_changes():
    arbre = ast.parse('import os\nos.environ["A"] = "1"\nos.environ.update(B="2")\n'
                      'def f():\n    return "select * from main.indicateurs"\nQ = "delete from raw.x"\n')
    trouves = sorted(t for _, t in _textes(arbre) if SQL.search(t))
    assert trouves == ["delete from raw.x", "select * from main.indicateurs"]
    assert sorted(_mutations_environnement(arbre)) == [2, 3]
    assert not SQL.search("Toute la chaîne : sélection des indicateurs, rapport")


@pytest.mark.slow
def test_loading_the_code_location_changes_no_environment_variable():
    code = ("import json, os; avant = dict(os.environ); import milo_pipeline.definitions; "
            "print(json.dumps({k: v for k, v in os.environ.items() if avant.get(k) != v}))")
    sortie = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={k: v for k, v in os.environ.items() if k != "MILO_DBT_PROJECT"})
    assert sortie.returncode == 0, sortie.stderr
    assert json.loads(sortie.stdout.splitlines()[-1]) == {}


def test_the_environment_of_dbt_is_set_for_its_start_only(monkeypatch, tmp_path):
    monkeypatch.setenv("MILO_WAREHOUSE", "/avant/warehouse.duckdb")
    monkeypatch.delenv("MILO_PERIODES", raising=False)
    variables = environnement_dbt(tmp_path / "w.duckdb", [Periode(date(2024, 3, 1), date(2024, 3, 31))])
    assert variables["MILO_WAREHOUSE"] == str(tmp_path / "w.duckdb")
    assert json.loads(variables["MILO_PERIODES"]) == [{"debut": "2024-03-01", "fin": "2024-03-31"}]
    assert variables["MILO_PYTHON"] == sys.executable and variables["MILO_DBT_PARENT"] == str(os.getpid())
    with environnement(variables):
        vu = subprocess.run([sys.executable, "-c", "import os; print(os.environ['MILO_PERIODES'])"],
                            capture_output=True, text=True).stdout.strip()
    assert json.loads(vu) == [{"debut": "2024-03-01", "fin": "2024-03-31"}]
    assert os.environ["MILO_WAREHOUSE"] == "/avant/warehouse.duckdb" and "MILO_PERIODES" not in os.environ


def test_the_one_private_override_of_dagster_dbt_still_exists_and_dbt_version_is_answered_fast():
    """MiloDbtCliResource overrides one private method (no public option in dagster-dbt 0.29.27): an upgrade that
    renames it must be seen. `dbt --version`, which dagster-dbt asks before every invocation, is answered by
    milo_pipeline/bin/dbt without importing dbt, with the version of the installed dbt-core."""
    from dagster_dbt import DbtCliResource

    from milo_pipeline.defs.resources import MiloDbtCliResource
    from milo_pipeline.lib.dbt_project import DBT_ENFANT

    prives = {n for n in vars(MiloDbtCliResource) if n.startswith("_") and not n.startswith("__")}
    assert prives <= {"_initialize_dbt_core_adapter", "_abc_impl"} and callable(
        DbtCliResource._initialize_dbt_core_adapter)
    env = {**os.environ, "MILO_PYTHON": sys.executable, "MILO_DBT_PARENT": str(os.getpid())}
    debut = time.monotonic()
    sortie = subprocess.run([DBT_ENFANT, "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert sortie.returncode == 0 and time.monotonic() - debut < 1.5
    assert re.search(r"\d+\.\d+\.\d+", sortie.stdout).group(0) == importlib.metadata.version("dbt-core")


@pytest.mark.slow  # dbt parses the copy (≈10 s)
def test_the_dbt_project_is_a_setting_a_copy_with_one_more_model_is_what_the_definitions_build(tmp_path,
                                                                                                monkeypatch):
    """MILO_DBT_PROJECT, read when the code location is loaded, points the dbt assets and the dbt resource at
    another copy of the project (default: dbt_project/ of the repository)."""
    monkeypatch.delenv("MILO_DBT_PROJECT", raising=False)
    assert dossier_projet() == ROOT / "dbt_project"
    copie = tmp_path / "projet"
    shutil.copytree(ROOT / "dbt_project", copie, ignore=shutil.ignore_patterns("target", "logs", ".parse-*"))
    (copie / "models" / "marts" / "mart_essai.sql").write_text("select 1 as un\n", encoding="utf-8")
    code = ("from milo_pipeline.definitions import defs; from milo_pipeline.defs.resources import dbt_resource; "
            "import dagster as dg; g = defs.get_repository_def().asset_graph; "
            "print(g.get(dg.AssetKey('mart_essai')).group_name, dbt_resource().project_dir)")
    sortie = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "MILO_DBT_PROJECT": str(copie)})
    assert sortie.returncode == 0, sortie.stderr
    assert sortie.stdout.split() == ["marts", str(copie)]
    assert (copie / "target" / "manifest.json").exists()


def test_the_programmes_of_the_thematic_sections_are_configuration(tmp_path, monkeypatch):
    from milo_pipeline.lib import configuration

    assert configuration.programmes_thematiques() == {
        "sante": ("PROJET SANTE", "EN MARCHE AU FEMININ", "Psychologue"), "ctai": ("CTAI",)}
    (tmp_path / "programmes_thematiques.yaml").write_text("sante: [PROJET SANTE]\nctai: CTAI\n", encoding="utf-8")
    monkeypatch.setattr(configuration, "DOSSIER", tmp_path)
    configuration._lire.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"config/programmes_thematiques.yaml, clé « ctai » : « CTAI » invalide"):
            configuration.programmes_thematiques()
    finally:
        configuration._lire.cache_clear()
