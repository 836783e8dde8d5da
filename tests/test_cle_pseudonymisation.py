"""The pseudonymisation key through the CLI: a short key is refused, a lost key stops the run.

The key links the months: the same youth gets the same pseudonym from one export to the next only with the same
key. A key of 10 bytes is refused (exit 1, a French message, no traceback, nothing published); a key file
deleted after a first run is never silently made again while the warehouse holds pseudonyms: the second run
stops with a message saying what to do, publishes nothing, and the outputs of the first run stay byte-identical.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import EXPORTS_2024, run_cli, tree

from milo_pipeline.lib.pseudonymisation import ENV_KEY, KEY_FILE

pytestmark = pytest.mark.slow


def lancer(root: Path, cle: str | None) -> subprocess.CompletedProcess:
    """A run of root/exports into root/out, MILO_HOME root/home, with `cle` in the environment (None: none)."""
    return run_cli(["run", "--exports", str(root / "exports"), "--period", "2024", "--out", str(root / "out")],
                   root / "home", key=cle)


@pytest.fixture
def root(tmp_path) -> Path:
    shutil.copytree(EXPORTS_2024, tmp_path / "exports")
    return tmp_path


def test_a_10_byte_key_is_refused_with_a_french_message(root):
    result = lancer(root, "0123456789")
    sortie = result.stdout + result.stderr
    assert result.returncode == 1, sortie
    assert ("Clé de pseudonymisation trop courte (la variable d'environnement MILO_PSEUDONYMISATION_KEY) : "
            "10 octet(s), il en faut au moins 32.") in result.stderr
    assert "Échec du run : rien n'a été publié" in result.stderr
    assert "Traceback" not in sortie and "0123456789" not in sortie
    assert not (root / "out").exists() or not tree(root / "out")
    assert not (root / "home" / "warehouse.duckdb").exists() or not _raw(root)


def _raw(root: Path) -> list:
    import duckdb

    with duckdb.connect(str(root / "home" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select table_name from information_schema.tables where table_schema = 'raw' "
                           "and table_name not like 'saisie_%'").fetchall()


def test_a_lost_key_stops_the_next_run_and_publishes_nothing(root):
    premier = lancer(root, None)  # a brand-new MILO_HOME: its key is created, mode 0600
    assert premier.returncode == 0, premier.stdout + premier.stderr
    cle = root / "home" / KEY_FILE
    assert (cle.stat().st_mode & 0o777) == 0o600 and len(cle.read_text().strip()) == 64
    publies = tree(root / "out")
    assert "indicateurs.csv" in publies and "rapport_activite_2024.pdf" in publies

    cle.unlink()
    second = lancer(root, None)
    sortie = second.stdout + second.stderr
    assert second.returncode == 1, sortie
    entrepot = root / "home" / "warehouse.duckdb"
    assert (f"Clé de pseudonymisation introuvable : {cle} n'existe pas (et MILO_PSEUDONYMISATION_KEY n'est pas "
            f"définie), alors que l'entrepôt {entrepot} contient les pseudonymes d'une ingestion précédente.") \
        in second.stderr
    assert "le suivi d'un mois sur l'autre serait rompu" in second.stderr
    assert f"Restaurer la clé depuis la sauvegarde dans {cle}" in second.stderr
    assert f"mv {entrepot} {entrepot}.ancien" in second.stderr
    assert "Échec du run : rien n'a été publié" in second.stderr and "Traceback" not in sortie
    assert not cle.exists()  # never silently made again
    assert tree(root / "out") == publies  # the last good outputs, byte-identical


def test_in_dagster_the_refusal_is_a_failure_with_the_french_description(root, monkeypatch, env_propre):
    """What the UI shows: the step fails with a dagster Failure whose description is the message (no error
    class, no traceback of ours)."""
    import dagster as dg

    from milo_pipeline.defs.ingestion import exports_imilo
    from milo_pipeline.defs.resources import MiloSettings

    monkeypatch.setenv(ENV_KEY, "0123456789")
    milo = MiloSettings(milo_home=str(root / "home"), exports_dir=str(root / "exports"), out_dir=str(root / "out"))
    with dg.instance_for_test() as instance:
        result = dg.materialize([exports_imilo], resources={"milo": milo}, partition_key="2024-12-01",
                                instance=instance, raise_on_error=False)
    assert not result.success
    (echec,) = [e for e in result.all_events if e.is_step_failure]
    donnees = echec.step_failure_data
    assert donnees.user_failure_data is not None  # a dg.Failure: the UI shows its description
    assert donnees.user_failure_data.description.startswith(
        "Clé de pseudonymisation trop courte (la variable d'environnement MILO_PSEUDONYMISATION_KEY) : 10 octet(s)")
    assert donnees.error.cause is None and "CleInvalide" not in donnees.error.message
