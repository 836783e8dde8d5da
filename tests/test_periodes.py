"""Impossible periods: one that ends after the exports' date (their figures would be zeros) or starts before the
history (config/periodes.yaml, the partitions' start) is refused before anything is written: a usage error
(exit 2) from the CLI, a dg.Failure at the start of a Dagster run (a partition chosen in the UI)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from milo_pipeline.defs.partitions import monthly
from milo_pipeline.defs.resources import MiloSettings
from milo_pipeline.lib.periods import (
    PeriodeImpossible,
    date_des_exports,
    debut_historique,
    parse_period,
    periodes_possibles,
    verifier_periode,
)

FIXTURES = Path(__file__).parent / "fixtures"
CLI = str(Path(sys.executable).with_name("milo-pipeline"))
EXPORTS = FIXTURES / "exports_2024"  # jeunes_2025-01-15.csv, …
POSSIBLES = "Périodes possibles avec ces exports du 15/01/2025 : de 2022-01 à 2024-12 (une année : 2022 à 2024)."


def test_the_history_starts_where_the_config_says_and_the_partitions_with_it():
    assert debut_historique() == date(2022, 1, 1)
    assert monthly.start.date() == date(2022, 1, 1)
    assert monthly.get_first_partition_key() == "2022-01-01"


def test_the_exports_date_is_the_date_in_their_names():
    assert date_des_exports(EXPORTS) == date(2025, 1, 15)


def test_the_periods_the_exports_can_answer():
    assert periodes_possibles(date(2025, 1, 15)) == "de 2022-01 à 2024-12 (une année : 2022 à 2024)"
    assert periodes_possibles(date(2024, 12, 31)) == "de 2022-01 à 2024-12 (une année : 2022 à 2024)"  # last day
    assert periodes_possibles(date(2022, 3, 1)) == "de 2022-01 à 2022-02"  # no whole year yet
    assert periodes_possibles(date(2021, 6, 1)) == "aucune : l'historique commence en 2022-01"
    assert periodes_possibles(None) == "à partir de 2022-01"


@pytest.mark.parametrize("texte", ["2024", "2024-12", "2022", "2022-01"])
def test_periods_within_the_history_and_the_exports_pass(texte):
    verifier_periode(parse_period(texte), date(2025, 1, 15))


@pytest.mark.parametrize(("texte", "raison"), [
    ("2099", "elle se termine après la date des exports (15/01/2025)"),
    ("2025", "elle se termine après la date des exports (15/01/2025)"),
    ("2025-01", "elle se termine après la date des exports (15/01/2025)"),  # the month is not over on the 15th
    ("1900", "l'historique commence en 2022-01 (config/periodes.yaml)"),
    ("2021-12", "l'historique commence en 2022-01 (config/periodes.yaml)"),
])
def test_impossible_periods_name_the_exports_date_and_the_allowed_range(texte, raison):
    with pytest.raises(PeriodeImpossible) as exc:
        verifier_periode(parse_period(texte), date(2025, 1, 15))
    assert str(exc.value) == f"période {texte} impossible : {raison}" + (
        " : leurs chiffres seraient faux ou nuls" if "exports" in raison else "") + f". {POSSIBLES}"


def cli(args: list[str], home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MILO_HOME": str(home), "MILO_PSEUDONYMISATION_KEY": "cle-de-test-32-octets-au-minimum"}
    for variable in ("DAGSTER_HOME", "MILO_WAREHOUSE"):
        env.pop(variable, None)
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("periode", "raison"), [
    ("2099", "elle se termine après la date des exports (15/01/2025)"),
    ("1900", "l'historique commence en 2022-01"),
])
def test_the_cli_refuses_an_impossible_period_with_exit_2_and_writes_nothing(tmp_path, periode, raison):
    out = tmp_path / "out"
    out.mkdir()
    (out / "indicateurs.csv").write_text("précédent", encoding="utf-8")
    r = cli(["run", "--exports", str(EXPORTS), "--period", periode, "--out", str(out)], tmp_path / "home")
    assert r.returncode == 2, r.stderr
    assert r.stderr == f"Erreur : période {periode} impossible : {raison}" + (
        " : leurs chiffres seraient faux ou nuls" if "exports" in raison else " (config/periodes.yaml)") + \
        f". {POSSIBLES}\nRien n'a été publié.\n"
    assert r.stdout == ""
    assert [p.name for p in out.iterdir()] == ["indicateurs.csv"]
    assert (out / "indicateurs.csv").read_text(encoding="utf-8") == "précédent"
    assert not (tmp_path / "home").exists()  # no warehouse, no Dagster run, nothing under MILO_HOME


@dg.asset(partitions_def=monthly)
def ecrit(milo: MiloSettings) -> None:
    milo.out.mkdir(parents=True, exist_ok=True)
    (milo.out / "indicateurs.csv").write_text("écrit", encoding="utf-8")


def run_dagster(home: Path, **kwargs) -> dg.ExecuteInProcessResult:
    with dg.instance_for_test() as instance:
        return dg.materialize([ecrit], instance=instance, raise_on_error=False, resources={"milo": MiloSettings(
            milo_home=str(home), exports_dir=str(EXPORTS), out_dir=str(home / "out"))}, **kwargs)


def echec(result) -> str:
    """The message of the run's failure (a Failure raised as the run starts: the error's innermost cause)."""
    (event,) = [e for e in result.all_events if e.is_failure]
    data = event.step_failure_data if event.is_step_failure else event.event_specific_data
    erreur = data.error
    while erreur.cause is not None:
        erreur = erreur.cause
    return erreur.message.strip()


@pytest.mark.parametrize(("kwargs", "libelle"), [
    ({"partition_key": "2025-01-01"}, "2025-01"),
    ({"tags": {ASSET_PARTITION_RANGE_START_TAG: "2024-06-01", ASSET_PARTITION_RANGE_END_TAG: "2025-02-01"}},
     "du 01/06/2024 au 28/02/2025"),
])
@pytest.mark.slow
def test_a_dagster_run_beyond_the_exports_fails_at_its_start_in_french_and_writes_nothing(tmp_path, kwargs, libelle):
    """A partition (or a range) chosen in the UI beyond the exports' date: the run fails before its first step
    writes anything, with the CLI's French message."""
    result = run_dagster(tmp_path / "home", **kwargs)
    assert not result.success
    message = echec(result).split("Failure: ", 1)[1]
    assert message == f"Run refusé : période {libelle} impossible : elle se termine " \
        f"après la date des exports (15/01/2025) : leurs chiffres seraient faux ou nuls. {POSSIBLES} " \
        "Rien n'a été écrit."
    assert not (tmp_path / "home").exists()


@pytest.mark.slow
def test_a_dagster_run_within_the_exports_runs(tmp_path):
    result = run_dagster(tmp_path / "home", partition_key="2024-12-01")
    assert result.success
    assert (tmp_path / "home" / "out" / "indicateurs.csv").read_text(encoding="utf-8") == "écrit"
