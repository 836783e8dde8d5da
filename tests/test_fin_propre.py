"""A clean end: the dbt child dies with the run's process, and the next run clears what a killed run left (its
dbt target folder, temporary files) and marks its Dagster run failed; run folders stay (retention's business).

Real processes: the CLI killed with SIGKILL while its `dbt build` runs; processes looked up in /proc."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from conftest import CLI, FIXTURES, cli_env

from milo_pipeline.defs.resources import MiloSettings
from milo_pipeline.instance import TAG_HOME, TAG_PID, marquer_runs_interrompus, processus_vivant


def parents() -> dict[int, int]:
    """pid → parent pid of every process (/proc/<pid>/stat)."""
    table = {}
    for entree in os.listdir("/proc"):
        if entree.isdigit():
            try:
                with open(f"/proc/{entree}/stat", encoding="utf-8") as f:
                    table[int(entree)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    return table


def descendants(pid: int) -> set[int]:
    table, trouves, a_voir = parents(), set(), [pid]
    while a_voir:
        courant = a_voir.pop()
        for enfant, parent in table.items():
            if parent == courant and enfant not in trouves:
                trouves.add(enfant)
                a_voir.append(enfant)
    return trouves


def ligne_de_commande(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def attendre_dbt(cli: subprocess.Popen, delai: float = 300) -> set[int]:
    """Poll until a dbt process (milo_pipeline/bin/dbt → python -m milo_pipeline.dbt_enfant) is a child of the
    CLI; returns every descendant of the CLI at that moment."""
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        assert cli.poll() is None, "the run ended before dbt started"
        tous = descendants(cli.pid)
        if any("milo_pipeline.dbt_enfant" in ligne_de_commande(p) for p in tous):
            return tous
        time.sleep(0.1)
    raise AssertionError("no dbt process seen")


@pytest.mark.slow
def test_sigkill_during_dbt_leaves_no_process_and_the_next_run_clears_its_leftovers(tmp_path):
    home, exports = tmp_path / "home", tmp_path / "exports"
    shutil.copytree(FIXTURES / "exports_2024", exports)
    args = ["run", "--exports", str(exports), "--period", "2024", "--out"]
    cli = subprocess.Popen([CLI, *args, str(tmp_path / "out")], env=cli_env(home), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        enfants = attendre_dbt(cli)
        (cible,) = (home / "dbt").glob("run-*")  # the killed run's dbt target folder
        os.kill(cli.pid, signal.SIGKILL)
        cli.wait()
        time.sleep(2)
        vivants = [(p, ligne_de_commande(p)) for p in enfants if processus_vivant(p)]
        assert vivants == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(cli.pid, signal.SIGKILL)  # whatever survived, so as not to leave it behind the test
    assert not (tmp_path / "out").exists()
    assert cible.is_dir()
    (run_tue,) = [p.name for p in (home / "runs").iterdir()]
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        assert instance.get_run_by_id(run_tue).status == dg.DagsterRunStatus.STARTED  # nothing marked it

    # the next run: no wait (the kernel freed the lock), the killed run marked failed, its dbt folder removed
    suivant = subprocess.run([CLI, *args, str(tmp_path / "out")], env=cli_env(home), capture_output=True, text=True,
                             timeout=600)
    assert suivant.returncode == 0, suivant.stdout + suivant.stderr
    assert "attente" not in suivant.stderr
    assert not cible.exists() and list((home / "dbt").glob("run-*")) == []
    assert (home / "runs" / run_tue).is_dir()  # run folders are the retention's (config/conservation.yaml)
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        tue = instance.get_run_by_id(run_tue)
        assert tue.status == dg.DagsterRunStatus.FAILURE
        messages = [e.message for e in instance.all_logs(run_tue) if e.is_dagster_event
                    and e.dagster_event.event_type_value == "PIPELINE_FAILURE"]
        assert messages and messages[-1].startswith("Run interrompu (processus ")


@dg.asset
def rien(milo: MiloSettings) -> None:
    pass


def test_a_run_clears_the_leftovers_of_killed_runs_and_marks_only_theirs_failed(tmp_path):
    """Runs left STARTED: one of this MILO_HOME (dead: we hold its lock), one of another MILO_HOME whose process
    is alive (left alone), one of another MILO_HOME whose process is gone (marked), one without our tags (a run
    waiting for a lock, or not ours: left alone). Leftovers: dbt target folders, a partial archive copy, a
    temporary file of a run folder; the run folders themselves stay."""
    home = tmp_path / "home"
    mort = subprocess.Popen([sys.executable, "-c", "pass"])
    mort.wait()
    restes = [home / "dbt" / "run-ancien" / "manifest.json", home / "archive" / ("a" * 64) / ".archive-x.part",
              home / "runs" / "ancien" / ".rejets.csv.x.tmp"]
    for reste in restes:
        reste.parent.mkdir(parents=True, exist_ok=True)
        reste.write_bytes(b"x")
    (home / "runs" / "ancien" / "rejets.csv").write_bytes(b"garde")
    (home / "dbt" / "partial_parse.msgpack").write_bytes(b"garde")
    with dg.instance_for_test() as instance:
        def run_laisse(tags: dict[str, str]) -> str:
            return instance.add_run(dg.DagsterRun(job_name="tout", status=dg.DagsterRunStatus.STARTED,
                                                  tags=tags)).run_id

        ici = run_laisse({TAG_HOME: str(home.resolve()), TAG_PID: "1"})  # pid 1 lives, yet we hold its lock
        ailleurs_vivant = run_laisse({TAG_HOME: "/ailleurs", TAG_PID: "1"})
        ailleurs_mort = run_laisse({TAG_HOME: "/ailleurs", TAG_PID: str(mort.pid)})
        sans_tag = run_laisse({})
        result = dg.materialize([rien], resources={"milo": MiloSettings(milo_home=str(home))}, instance=instance)
        assert result.success
        statut = {r: instance.get_run_by_id(r).status.value for r in (ici, ailleurs_vivant, ailleurs_mort, sans_tag)}
        assert statut == {ici: "FAILURE", ailleurs_vivant: "STARTED", ailleurs_mort: "FAILURE", sans_tag: "STARTED"}
        assert instance.get_run_by_id(result.run_id).tags[TAG_HOME] == str(home.resolve())
        assert marquer_runs_interrompus(instance, home) == []  # nothing left to mark
    assert not any(reste.exists() for reste in restes)
    assert not (home / "dbt" / "run-ancien").exists()
    assert (home / "runs" / "ancien" / "rejets.csv").read_bytes() == b"garde"
    assert (home / "dbt" / "partial_parse.msgpack").read_bytes() == b"garde"


def test_dbt_started_by_a_run_dies_with_its_parent(tmp_path):
    """What milo_pipeline/bin/dbt does before dbt starts (milo_pipeline/dbt_enfant.py): the kernel kills the child
    with its parent; a child whose parent is already gone exits at once (dbt never starts)."""
    enfant_code = "import time; from milo_pipeline.dbt_enfant import mourir_avec_le_parent as m; m(); time.sleep(300)"
    parent = subprocess.Popen([sys.executable, "-c", (
        "import os, subprocess, sys, time\n"
        "env = {**os.environ, 'MILO_DBT_PARENT': str(os.getpid())}\n"
        f"p = subprocess.Popen([sys.executable, '-c', {enfant_code!r}], env=env)\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(300)\n")], stdout=subprocess.PIPE, text=True)
    enfant = int(parent.stdout.readline())
    time.sleep(1)  # the child has asked for PR_SET_PDEATHSIG by now
    assert processus_vivant(enfant)
    parent.kill()
    parent.wait()
    time.sleep(1)
    assert not processus_vivant(enfant)
    bin_dbt = Path(__file__).resolve().parents[1] / "milo_pipeline" / "bin" / "dbt"
    orphelin = subprocess.run([str(bin_dbt), "--version"], env={**os.environ, "MILO_PYTHON": sys.executable,
                                                                 "MILO_DBT_PARENT": "1"}, capture_output=True)
    assert orphelin.returncode == 1 and orphelin.stdout == b""


@pytest.mark.slow
def test_sigterm_during_dbt_stops_dbt_and_ends_in_french(tmp_path):
    """SIGTERM (systemd, kill) ends the CLI as Ctrl-C does: dbt stopped, the Dagster run marked failed,
    nothing published, a French message, no traceback, and no process of the run left."""
    home, exports = tmp_path / "home", tmp_path / "exports"
    shutil.copytree(FIXTURES / "exports_2024", exports)
    cli = subprocess.Popen([CLI, "run", "--exports", str(exports), "--period", "2024", "--out", str(tmp_path / "out")],
                           env=cli_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    enfants = attendre_dbt(cli)
    os.kill(cli.pid, signal.SIGTERM)
    sortie, erreurs = cli.communicate(timeout=120)
    assert cli.returncode == 1, sortie + erreurs
    assert "Échec du run : rien n'a été publié pour cette période." in erreurs
    assert "étape milo_dbt : interrompue (arrêt demandé : SIGTERM ou Ctrl-C)" in erreurs
    assert "Traceback" not in erreurs + sortie
    time.sleep(2)
    assert [p for p in enfants if processus_vivant(p)] == []
    assert not (tmp_path / "out").exists()
    (run_id,) = [p.name for p in (home / "runs").iterdir()]
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
