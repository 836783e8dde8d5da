"""One writer per MILO_HOME (lib/verrou.py): real processes holding MILO_HOME/verrou, a holder killed with
SIGKILL, the waiting side's message, --no-wait, re-entrance within a process (the CLI's own Dagster run), and a
Dagster run whose resource `milo` waits for the lock as a run launched from the UI does."""

from __future__ import annotations

import csv
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import dagster as dg
import pytest
from conftest import CLI, EXPORTS_2024, cli_env

from milo_pipeline.defs.resources import MiloSettings
from milo_pipeline.lib import verrou


def detenteur(home: Path, duree: float, commande: str = "milo-pipeline run --period 2024") -> subprocess.Popen:
    """Another process that takes the lock of `home`, says so on stdout, and holds it for `duree` seconds or until
    `liberer` (a line on its stdin): a test releases it once the waiting side has said that it waits, whatever the
    load of the machine."""
    code = textwrap.dedent(f"""
        import select, sys
        from milo_pipeline.lib.verrou import verrou
        with verrou({str(home)!r}, {commande!r}, run="1a2b3c4d5e6f"):
            print("tenu", flush=True)
            select.select([sys.stdin], [], [], {duree})
    """)
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "tenu"
    return p


def liberer(p: subprocess.Popen) -> None:
    """The holder frees the lock and ends."""
    p.stdin.write("\n")
    p.stdin.close()
    p.wait(timeout=60)


def lire_jusqu_a(flux, texte: str) -> str:
    """The lines of a process's output up to the one holding `texte` (or to its end)."""
    lues = ""
    while ligne := flux.readline():
        lues += ligne
        if texte in ligne:
            break
    return lues


def test_a_second_writer_without_waiting_is_told_who_holds_milo_home(tmp_path):
    p = detenteur(tmp_path, 30)
    try:
        with pytest.raises(verrou.VerrouOccupe) as exc, verrou.verrou(tmp_path, "test", attendre=False):
            pass
        message = str(exc.value)
        assert f"MILO_HOME ({tmp_path}) est utilisé par le run 1a2b3c4d (milo-pipeline run --period 2024) " \
               f"(pid {p.pid}, démarré à " in message
        assert "rien n'a été fait" in message
    finally:
        p.kill()
        p.wait()


def test_the_lock_file_is_private_and_names_its_holder(tmp_path):
    p = detenteur(tmp_path, 30)
    try:
        fichier = tmp_path / "verrou"
        assert stat.S_IMODE(fichier.stat().st_mode) == 0o600
        assert f'"pid": {p.pid}' in fichier.read_text(encoding="utf-8")
    finally:
        p.kill()
        p.wait()
    with verrou.verrou(tmp_path, "test", attendre=False):
        pass
    assert fichier.read_text(encoding="utf-8") == ""  # released: nobody named


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    p = detenteur(tmp_path, 300)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    debut = time.monotonic()
    with verrou.verrou(tmp_path, "après", attendre=False):
        assert verrou.tenu(tmp_path)
    assert time.monotonic() - debut < 1
    assert not verrou.tenu(tmp_path)


def test_a_waiting_writer_says_for_what_then_gets_the_lock_when_the_holder_ends(tmp_path):
    p = detenteur(tmp_path, 1.5)
    messages = []
    debut = time.monotonic()
    with verrou.verrou(tmp_path, "second", annoncer=messages.append):
        attendu = time.monotonic() - debut
    p.wait()
    assert attendu > 0.8
    assert len(messages) == 1
    assert f"est utilisé par le run 1a2b3c4d (milo-pipeline run --period 2024) (pid {p.pid}, démarré à " \
           in messages[0] and messages[0].endswith("attente de la fin de celui-ci…")


def test_re_entrant_within_a_process_and_the_holder_updated(tmp_path):
    with verrou.verrou(tmp_path, "milo-pipeline run --period 2024"):
        with verrou.verrou(tmp_path, "job tout", attendre=False, run="abcdef123456"):  # no wait for itself
            assert '"run": "abcdef123456"' in (tmp_path / "verrou").read_text(encoding="utf-8")
        assert verrou.tenu(tmp_path)  # still held by the outer block
        # another process still sees it held
        r = subprocess.run([sys.executable, "-c", f"from milo_pipeline.lib.verrou import verrou\n"
                                                  f"with verrou({str(tmp_path)!r}, 'x', attendre=False): pass"],
                           capture_output=True, text=True)
        assert r.returncode == 1 and "VerrouOccupe" in r.stderr and "le run abcdef12" in r.stderr
    assert not verrou.tenu(tmp_path)


def test_a_lock_file_that_is_a_symlink_is_refused_never_followed(tmp_path):
    cible = tmp_path / "cible"
    cible.write_text("intact", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    (home / "verrou").symlink_to(cible)
    with pytest.raises(verrou.VerrouImpossible, match="lien symbolique : refusé"), verrou.verrou(home, "x"):
        pass
    assert cible.read_text(encoding="utf-8") == "intact"


def test_purge_no_wait_fails_at_once_in_french_and_purge_waits_otherwise(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    p = detenteur(home, 300)
    env = cli_env(home)
    try:
        r = subprocess.run([CLI, "purge", "--before", "2020-01-01", "--no-wait"], env=env, capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 1, r.stderr
        assert r.stderr.startswith(f"Erreur : MILO_HOME ({home}) est utilisé par le run 1a2b3c4d"), r.stderr
        assert "Traceback" not in r.stderr
        attente = subprocess.Popen([CLI, "purge", "--before", "2020-01-01"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        erreurs = lire_jusqu_a(attente.stderr, "attente de la fin de celui-ci…")
        liberer(p)
        sortie, reste = attente.communicate(timeout=60)
    finally:
        p.kill()
        p.wait()
    assert attente.returncode == 0, erreurs + reste
    assert f"(pid {p.pid}, démarré à " in erreurs and "attente de la fin de celui-ci…" in erreurs
    assert "Purge de MILO_HOME" in sortie


@dg.asset
def horodate(milo: MiloSettings) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"t": time.time(), "tenu": verrou.tenu(milo.home)})


def materialiser(home: Path, instance) -> dg.ExecuteInProcessResult:
    return dg.materialize([horodate], resources={"milo": MiloSettings(milo_home=str(home))}, instance=instance)


@pytest.mark.slow  # a Dagster run
def test_a_dagster_run_takes_the_lock_for_the_whole_run_and_waits_for_the_holder(tmp_path):
    """What a run launched from the UI does in its process: its resource `milo` waits for the lock (the run's log
    says for what), holds it while its steps run, and frees it at the end."""
    p = detenteur(tmp_path, 300)
    resultat = {}
    try:
        with dg.instance_for_test() as instance:
            t = threading.Thread(target=lambda: resultat.update(r=materialiser(tmp_path, instance)), daemon=True)
            t.start()
            fin = time.monotonic() + 120
            while not any("attente de la fin de celui-ci…" in e.message for run in instance.get_runs()
                          for e in instance.all_logs(run.run_id)):
                assert time.monotonic() < fin and t.is_alive(), "the run did not say that it waits"
                time.sleep(0.2)
            libere = time.time()
            liberer(p)
            t.join(120)
            result = resultat["r"]
            journal = [e.message for e in instance.all_logs(result.run_id)]
    finally:
        p.kill()
        p.wait()
    (meta,) = [m.metadata for m in result.asset_materializations_for_node("horodate")]
    assert meta["tenu"].value is True and meta["t"].value > libere
    assert any(f"(pid {p.pid}, démarré à " in m and "attente de la fin de celui-ci…" in m for m in journal)
    assert not verrou.tenu(tmp_path)


@pytest.mark.slow  # a Dagster run
def test_the_clis_own_run_does_not_wait_for_its_own_lock(tmp_path):
    """The CLI holds the lock, then executes its Dagster run in the same process: no deadlock."""
    resultat = {}

    def run():
        with verrou.verrou(tmp_path, "milo-pipeline run"), dg.instance_for_test() as instance:
            resultat["r"] = materialiser(tmp_path, instance)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(60)
    assert not t.is_alive(), "the run waited for its own lock"
    assert resultat["r"].success


def nb_jeunes_accompagnes(out: Path) -> str:
    with open(out / "indicateurs.csv", encoding="utf-8", newline="") as f:
        (valeur,) = [r["valeur"] for r in csv.DictReader(f)
                     if r["indicateur"] == "acc_nb_jeunes" and not r["modalite"] and r["periode_debut"] == "2024-01-01"]
    return valeur


@pytest.mark.slow
def test_two_cli_runs_on_one_milo_home_each_publish_their_own_figures(tmp_path):
    """The reviewer's scenario, small: run A (60 youths) then, 2 s later, run B (40 youths, other exports, other
    output folder) on the same MILO_HOME. B waits for A (and says so), then each output folder holds its own
    exports' figures. A third run with --no-wait while A runs fails at once: exit 1, French, nothing published."""
    from milo_pipeline.synthetic.generator import generate

    home = tmp_path / "home"
    for nom, jeunes, graine in (("a", 60, 1), ("b", 40, 2)):
        generate(tmp_path / f"exports_{nom}", youths=jeunes, seed=graine)

    def lancer(nom: str, *options: str) -> subprocess.Popen:
        return subprocess.Popen([CLI, "run", "--exports", str(tmp_path / f"exports_{nom}"), "--period", "2024",
                                 "--out", str(tmp_path / f"out_{nom}"), *options], env=cli_env(home),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    a = lancer("a")
    time.sleep(2)
    fin = time.monotonic() + 60  # on a loaded machine A may need more than 2 s to take the lock: B comes after
    while f'"pid": {a.pid}' not in ((home / "verrou").read_text(encoding="utf-8") if (home / "verrou").exists()
                                    else ""):
        assert time.monotonic() < fin and a.poll() is None
        time.sleep(0.1)
    # B's exports are another installation's: 40 % fewer events than A's, a drop of volume the data team confirms
    b = lancer("b", "--confirmer-baisse")
    c = subprocess.run([CLI, "run", "--exports", str(tmp_path / "exports_b"), "--period", "2024", "--out",
                        str(tmp_path / "out_c"), "--no-wait"], env=cli_env(home), capture_output=True, text=True,
                       timeout=120)
    sortie_a, erreurs_a = a.communicate(timeout=600)
    sortie_b, erreurs_b = b.communicate(timeout=600)
    assert a.returncode == 0, sortie_a + erreurs_a
    assert b.returncode == 0, sortie_b + erreurs_b
    assert nb_jeunes_accompagnes(tmp_path / "out_a") == "60"
    assert nb_jeunes_accompagnes(tmp_path / "out_b") == "40"
    assert f"MILO_HOME ({home}) est utilisé par " in erreurs_b and f"(pid {a.pid}, démarré à " in erreurs_b
    assert "attente de la fin de celui-ci…" in erreurs_b
    assert c.returncode == 1, c.stdout + c.stderr
    assert c.stderr.startswith(f"Erreur : MILO_HOME ({home}) est utilisé par ") and "rien n'a été fait" in c.stderr
    assert not (tmp_path / "out_c").exists()
    for texte in (erreurs_a, erreurs_b, c.stderr, c.stdout):
        assert "Traceback" not in texte


def test_a_waiting_command_stopped_by_sigterm_ends_in_french(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    p = detenteur(home, 60)
    try:
        attente = subprocess.Popen([CLI, "purge", "--before", "2020-01-01"], env=cli_env(home),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        erreurs = lire_jusqu_a(attente.stderr, "attente de la fin de celui-ci…")  # started, and waiting
        assert attente.poll() is None
        os.kill(attente.pid, signal.SIGTERM)
        sortie, reste = attente.communicate(timeout=60)
        erreurs += reste
        assert attente.returncode == 130, sortie + erreurs
        assert "attente de la fin de celui-ci…" in erreurs
        assert erreurs.rstrip().endswith("Interrompu : rien n'a été publié (les sorties précédentes sont inchangées).")
        assert "Traceback" not in erreurs and "Purge de" not in sortie
        with pytest.raises(verrou.VerrouOccupe):  # the holder still holds it
            with verrou.verrou(home, "x", attendre=False):
                pass
    finally:
        p.kill()
        p.wait()


@pytest.mark.slow
def test_a_run_launched_from_the_ui_waits_for_the_lock_then_runs(tmp_path):
    """`milo-pipeline ui` (webserver + daemon): a month launched while another process holds the lock of MILO_HOME
    starts, says in its log for what it waits, and runs once the holder is gone (killed: no stale lock). A month
    beyond the exports' date then fails at its start with the French message, nothing published for it."""
    import shutil

    from dagster_server import MiloUi

    from milo_pipeline.lib.periods import parse_period
    from milo_pipeline.lib.report import nom_fichier

    home, exports, out = tmp_path / "home", tmp_path / "exports", tmp_path / "out"
    shutil.copytree(EXPORTS_2024, exports)
    home.mkdir()
    p = detenteur(home, 600)
    server = MiloUi(home, log=tmp_path / "ui.log", env={
        "MILO_PSEUDONYMISATION_KEY": "cle-de-test-32-octets-au-minimum", "MILO_EXPORTS": str(exports),
        "MILO_OUT": str(out)})
    try:
        server.wait_loaded()
        run_id = server.launch_run("tout", "2024-06-01")
        deadline = time.monotonic() + 600  # a run worker starts slowly on a loaded machine
        while "attente de la fin de celui-ci…" not in server.run_messages(run_id):
            assert time.monotonic() < deadline, server.run_messages(run_id)
            assert server.run_status(run_id) not in {"SUCCESS", "FAILURE", "CANCELED"}, server.run_messages(run_id)
            time.sleep(1)
        messages = server.run_messages(run_id)
        assert f"MILO_HOME ({home.resolve()}) est utilisé par le run 1a2b3c4d (milo-pipeline run --period 2024) " \
               f"(pid {p.pid}, démarré à " in messages
        assert not out.exists()  # nothing written while it waits
        p.kill()
        p.wait()
        assert server.wait_run(run_id) == "SUCCESS", server.run_messages(run_id)
        assert (out / nom_fichier(parse_period("2024-06"))).stat().st_size > 0

        refuse = server.launch_run("tout", "2025-01-01")
        assert server.wait_run(refuse) == "FAILURE"
        assert "Run refusé : période 2025-01 impossible : elle se termine après la date des exports (15/01/2025)" \
            in server.run_messages(refuse)
        assert not (out / nom_fichier(parse_period("2025-01"))).exists()
    finally:
        server.stop()
        if p.poll() is None:
            p.kill()
            p.wait()
