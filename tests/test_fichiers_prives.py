"""MILO_HOME is private to the user running the pipeline, and temporary files cannot be hijacked.

- A real CLI run on the fixture, started with the usual umask 022 in a MILO_HOME made before (0755, an old
  log, an old archive and run folder, a folder of the user's, a link to a file outside): afterwards nothing the
  pipeline keeps under MILO_HOME has a group or other permission bit (MILO_HOME itself, warehouse, archive, runs,
  logs, Dagster storage, dbt state, key, outputs), the user's own folder and the link's target are untouched,
  and the retention period removed the old archive and run.
  Removing `os.umask(UMASK_PRIVE)` from `cli.main` makes this test fail (checked once by hand: the Dagster
  storage and dagster.yaml are created before anything else could tighten them).
- The code location sets the same umask when Dagster loads it.
- A MILO_HOME that cannot be made private gives a French warning.
- A link planted under the name a temporary file used to have is never followed (outputs, Data Docs, seeds).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import CLI, EXPORTS_2024, cli_env

from milo_pipeline.lib import quality
from milo_pipeline.lib.fichiers import proteger_milo_home
from milo_pipeline.lib.outputs import publish, write_atomic
from milo_pipeline.lib.retention import avant_mois
from milo_pipeline.referentiels.territoire import COLONNES_EPCI, ecrire_csv

FIXTURE = EXPORTS_2024
ANCIEN = datetime(2020, 1, 20, 12).timestamp()


def env_cli(home: Path) -> dict[str, str]:
    """No key in the environment: the key file is created in MILO_HOME (and checked like the rest)."""
    return cli_env(home, key=None)


def ouverts_aux_autres(racine: Path) -> list[str]:
    """Every file or folder under `racine` (itself included) with a group or other permission bit; links are
    skipped (their own mode is always 0777 and never used)."""
    chemins = [racine] + [Path(r) / n for r, ds, fs in os.walk(racine) for n in ds + fs]
    return [f"{p} {stat.filemode(os.lstat(p).st_mode)}" for p in chemins
            if not stat.S_ISLNK(os.lstat(p).st_mode) and os.lstat(p).st_mode & 0o077]


@pytest.fixture(scope="module")
def run_prive(tmp_path_factory):
    """A MILO_HOME made before, open to everyone, then a real CLI run with umask 022."""
    root = tmp_path_factory.mktemp("prive")
    home = root / "home"
    (home / "logs").mkdir(parents=True)
    (home / "logs" / "ancien.log").write_text("journal", encoding="utf-8")
    (home / "a-moi").mkdir()  # not the pipeline's: left as it is
    (home / "a-moi" / "notes.txt").write_text("notes", encoding="utf-8")
    vieille_archive = home / "archive" / ("a" * 64)
    vieille_archive.mkdir(parents=True)
    (vieille_archive / "jeunes_2020-01-15.csv").write_text("id_jeune;nom\nJ01;Dupont\n", encoding="utf-8")
    vieux_run = home / "runs" / "ancien-run"
    vieux_run.mkdir(parents=True)
    (vieux_run / "rejets.csv").write_text("fichier,ligne\n", encoding="utf-8")
    for p in (vieux_run / "rejets.csv", vieux_run):
        os.utime(p, (ANCIEN, ANCIEN))
    dehors = root / "dehors.txt"
    dehors.write_text("à quelqu'un d'autre", encoding="utf-8")
    (home / "lien-dehors").symlink_to(dehors)
    for p in (home, home / "logs", home / "a-moi", home / "archive", vieille_archive, home / "runs", vieux_run):
        p.chmod(0o755)
    for p in (home / "logs" / "ancien.log", home / "a-moi" / "notes.txt", vieille_archive / "jeunes_2020-01-15.csv",
              dehors):
        p.chmod(0o644)
    shutil.copytree(FIXTURE, root / "exports")
    result = subprocess.run(
        [CLI, "run", "--exports", str(root / "exports"), "--period", "2024", "--out", str(home / "out")],
        env=env_cli(home), capture_output=True, text=True, timeout=900, umask=0o022)
    return root, home, result


@pytest.mark.slow
def test_after_a_run_nothing_under_milo_home_is_open_to_others(run_prive):
    root, home, result = run_prive
    assert result.returncode == 0, result.stdout + result.stderr
    for attendu in ("warehouse.duckdb", "pseudonymisation.key", "logs/dernier_run.log", "dagster/dagster.yaml",
                    "dbt", "out/indicateurs.csv", "out/rapport_activite_2024.pdf", "logs/ancien.log"):
        assert (home / attendu).exists(), attendu
    assert len(list((home / "archive").glob("*/jeunes_2025-01-15.csv"))) == 1
    assert len(list((home / "runs").glob("*/data_docs/index.html"))) == 1
    assert any((home / "dagster").rglob("*.db")), "Dagster's SQLite storage"
    # everything but the folder that is not the pipeline's (MILO_HOME is private: nobody else can reach it)
    assert ouverts_aux_autres(home) == [f"{home / 'a-moi'} drwxr-xr-x", f"{home / 'a-moi' / 'notes.txt'} -rw-r--r--"]
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(home / "warehouse.duckdb").st_mode) == 0o600
    # the link was neither followed nor changed: its target outside MILO_HOME keeps its mode
    assert (home / "lien-dehors").is_symlink() and stat.S_IMODE(os.stat(root / "dehors.txt").st_mode) == 0o644


@pytest.mark.slow
def test_the_retention_period_is_applied_after_a_successful_run(run_prive):
    _, home, result = run_prive
    avant = avant_mois(date.today(), 24)
    assert (f"Conservation (24 mois, config/conservation.yaml) : 1 export(s) archivé(s) (1 fichier(s), 24 o) et "
            f"1 dossier(s) de run (1 fichier(s), 14 o) antérieurs au {avant:%d/%m/%Y} supprimés") in result.stdout
    assert not (home / "archive" / ("a" * 64)).exists() and not (home / "runs" / "ancien-run").exists()
    # this run's archive (exports of 2025-01-15, i.e. less than 24 months before today) and run folder stay
    assert len(list((home / "archive").glob("*/*"))) == len(list(FIXTURE.glob("*_*"))) + 5  # 4 yaml, 1 text
    assert (home / "warehouse.duckdb").exists() and (home / "out" / "indicateurs.csv").exists()


@pytest.mark.slow
def test_purge_empties_the_archive_of_older_exports(run_prive, tmp_path):
    """On a copy of the home of the run: purge --before the day after the exports' date removes every archived
    export (they are dated 2025-01-15 by their names); the manual inputs, archived today without a date in
    their names, stay; the warehouse, the key and the outputs are untouched."""
    _, home, _ = run_prive
    copie = tmp_path / "home"
    shutil.copytree(home, copie, symlinks=True)
    avant = {p: p.read_bytes() for p in (copie / "warehouse.duckdb", copie / "pseudonymisation.key",
                                         copie / "out" / "indicateurs.csv")}
    result = subprocess.run([CLI, "--milo-home", str(copie), "purge", "--before", "2025-01-16"],
                            env=env_cli(copie), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    restes = sorted(p.name for p in (copie / "archive").glob("*/*"))
    assert restes == ["budget.yaml", "effectifs.yaml", "evenements.yaml", "parcours.md", "satisfaction.yaml"]
    n = len(list(FIXTURE.glob("*_2025-01-15.*")))
    assert f"Purge de MILO_HOME={copie} : {n} export(s) archivé(s) ({n} fichier(s), " in result.stdout
    assert "0 dossier(s) de run (0 fichier(s), 0 o) antérieurs au 16/01/2025 supprimés" in result.stdout
    assert all(p.read_bytes() == data for p, data in avant.items())


@pytest.mark.slow  # a fresh interpreter loads the Dagster definitions (dagster, dagster-dbt, the dbt manifest)
def test_the_code_location_sets_the_private_umask(tmp_path):
    code = ("import os; os.umask(0o022); import milo_pipeline.definitions; "
            "print(oct(os.umask(0o022)))")
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    (home / "warehouse.duckdb").write_bytes(b"")
    (home / "warehouse.duckdb").chmod(0o644)
    result = subprocess.run([sys.executable, "-c", code], env=env_cli(home),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0o77"
    assert ouverts_aux_autres(home) == []  # a MILO_HOME made before is tightened when Dagster loads the code


def test_the_instance_command_writes_a_private_dagster_home(tmp_path):
    """`python -m milo_pipeline.instance MILO_HOME` (the README's set-up of the UI), started with umask 022."""
    home = tmp_path / "home"
    env = env_cli(home)
    result = subprocess.run([sys.executable, "-m", "milo_pipeline.instance", str(home)], env=env,
                            capture_output=True, text=True, timeout=120, umask=0o022)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str((home / "dagster").resolve())
    assert (home / "dagster" / "dagster.yaml").is_file() and ouverts_aux_autres(home) == []


@pytest.mark.slow  # the CLI and a fresh interpreter loading the Dagster definitions
def test_a_milo_home_that_cannot_be_made_private_is_reported(tmp_path):
    """An immutable folder (chattr +i: even its owner cannot change its mode) stands for a MILO_HOME owned by
    another user."""
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    if subprocess.run(["chattr", "+i", str(home)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i indisponible ici")
    try:
        avertissements = proteger_milo_home(home)
        result = subprocess.run([CLI, "--milo-home", str(home), "purge", "--before", "2024-01-01"],
                                env=env_cli(home), capture_output=True, text=True, timeout=120)
        dagster = subprocess.run([sys.executable, "-c", "import milo_pipeline.definitions"], env=env_cli(home),
                                 capture_output=True, text=True, timeout=300)
    finally:
        subprocess.run(["chattr", "-i", str(home)], check=True)
    assert len(avertissements) == 1
    assert avertissements[0].startswith(f"Attention : MILO_HOME={home} est accessible à d'autres utilisateurs "
                                        "(droits drwxr-xr-x) et ces droits n'ont pas pu être retirés")
    assert avertissements[0] in result.stderr and result.returncode == 0  # the CLI: on stderr
    assert avertissements[0] in dagster.stderr and dagster.returncode == 0  # the code location: a log warning


# -- temporary files: a link planted under the old predictable name is not followed ----------------------------

@pytest.fixture
def cible(tmp_path) -> Path:
    path = tmp_path / "cible.txt"
    path.write_bytes(b"ne pas ecraser")
    return path


def planter(path: Path, cible: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(cible)


def test_write_atomic_does_not_follow_a_planted_link(tmp_path, cible):
    out = tmp_path / "out"
    planter(out / ".indicateurs.csv.tmp", cible)
    write_atomic(out / "indicateurs.csv", b"nouveau")
    assert cible.read_bytes() == b"ne pas ecraser" and (out / ".indicateurs.csv.tmp").is_symlink()
    assert (out / "indicateurs.csv").read_bytes() == b"nouveau"
    assert sorted(p.name for p in out.iterdir()) == [".indicateurs.csv.tmp", "indicateurs.csv"]  # no stray temp


def test_publish_does_not_follow_a_planted_link(tmp_path, cible):
    staging, out = tmp_path / "staging", tmp_path / "out"
    staging.mkdir()
    (staging / "indicateurs.csv").write_bytes(b"nouveau")
    planter(out / ".indicateurs.csv.tmp", cible)
    publish(staging, out)
    assert cible.read_bytes() == b"ne pas ecraser"
    assert (out / "indicateurs.csv").read_bytes() == b"nouveau"
    assert sorted(p.name for p in out.iterdir()) == [".indicateurs.csv.tmp", "indicateurs.csv"]


def test_data_docs_do_not_follow_a_planted_link(tmp_path, cible):
    run_dir = tmp_path / "run"
    planter(run_dir / "data_docs" / f".index.html.{os.getpid()}.tmp", cible)
    planter(run_dir / "data_docs" / f".ingestion.json.{os.getpid()}.tmp", cible)
    index = quality.ecrire_data_docs(run_dir, {"nom": "ingestion", "titre": "Ingestion", "niveau": "ingestion",
                                               "succes": True})
    assert cible.read_bytes() == b"ne pas ecraser" and "Ingestion" in index.read_text(encoding="utf-8")


def test_territory_seeds_do_not_follow_a_planted_link(tmp_path, cible):
    planter(tmp_path / "territoire_epci.csv.tmp", cible)
    ecrire_csv(tmp_path / "territoire_epci.csv", [{c: "x" for c in COLONNES_EPCI}], COLONNES_EPCI)
    assert cible.read_bytes() == b"ne pas ecraser"
    assert (tmp_path / "territoire_epci.csv").read_text(encoding="utf-8").startswith("epci_siren,")


def test_temporary_names_are_unpredictable_and_private(tmp_path):
    """Two writes of the same file use two different temporary names, each created 0600 with O_EXCL."""
    from milo_pipeline.lib.outputs import temporaire

    noms = set()
    for _ in range(2):
        fd, tmp = temporaire(tmp_path / "indicateurs.csv")
        os.close(fd)
        assert stat.S_IMODE(os.stat(tmp).st_mode) == 0o600 and tmp.name.startswith(".indicateurs.csv.")
        noms.add(tmp.name)
    assert len(noms) == 2
