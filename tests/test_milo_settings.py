"""The folders of a run (resource `milo`): run config, which the UI and GraphQL send, cannot point the pipeline
outside MILO_HOME and the folders MILO_EXPORTS / MILO_OUT of the environment; a resource built in code (the
CLI, from its command line) can. Real Dagster runs of a one-asset job that writes into the output folder."""

import os

import dagster as dg
import pytest

from milo_pipeline.defs.resources import MiloSettings

pytestmark = pytest.mark.slow  # each test is a Dagster run


@dg.asset
def ecrit(milo: MiloSettings) -> None:
    milo.out.mkdir(parents=True, exist_ok=True)
    (milo.out / "indicateurs.csv").write_text("ok", encoding="utf-8")


def run(resource: MiloSettings, config: dict | None = None):
    run_config = {"resources": {"milo": {"config": config}}} if config is not None else None
    with dg.instance_for_test() as instance:
        return dg.materialize([ecrit], resources={"milo": resource}, run_config=run_config, instance=instance,
                              raise_on_error=False)


def failure(result) -> str:
    (event,) = [e for e in result.all_events if e.is_failure]
    data = event.step_failure_data if event.is_step_failure else event.event_specific_data
    erreur = data.error
    while erreur.cause is not None:
        erreur = erreur.cause
    return erreur.message


@pytest.fixture
def env(tmp_path, monkeypatch):
    for variable in ("MILO_EXPORTS", "MILO_OUT", "MILO_WAREHOUSE"):
        monkeypatch.delenv(variable, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("MILO_HOME", str(home))
    return tmp_path


@pytest.mark.parametrize("config", [
    {"out_dir": "{tmp}/ailleurs"},
    {"out_dir": "{tmp}/home/../ailleurs"},
    {"out_dir": "{tmp}/home/lien/ailleurs"},             # a symlink inside MILO_HOME to a folder outside
    {"exports_dir": "/etc", "out_dir": "{tmp}/home/out"},
    {"milo_home": "{tmp}/ailleurs"},
    {"milo_home": "{tmp}/home/out", "out_dir": "{tmp}/ailleurs"},
])
def test_run_config_pointing_outside_the_installation_is_refused_and_writes_nothing(env, config):
    (env / "home" / "lien").symlink_to(env)
    result = run(MiloSettings(), {k: v.format(tmp=env) for k, v in config.items()})
    assert not result.success
    message = failure(result)
    assert "Configuration du run refusée (ressource « milo ») :" in message, message
    assert "est hors de" in message and "Rien n'a été écrit." in message
    assert not (env / "ailleurs").exists()
    assert list((env / "home").iterdir()) == [env / "home" / "lien"]


def test_the_refusal_names_the_field_the_path_and_the_allowed_folders(env):
    message = failure(run(MiloSettings(), {"out_dir": f"{env}/ailleurs"}))
    assert f"out_dir = {env}/ailleurs → {env}/ailleurs est hors de {env}/home" in message


def test_run_config_within_milo_home_or_the_environments_folders_is_accepted(env, monkeypatch):
    assert run(MiloSettings(), {"out_dir": f"{env}/home/sorties/2024"}).success
    assert (env / "home" / "sorties" / "2024" / "indicateurs.csv").exists()

    monkeypatch.setenv("MILO_OUT", str(env / "partage" / "sorties"))
    monkeypatch.setenv("MILO_EXPORTS", str(env / "depot"))
    assert run(MiloSettings(), {"out_dir": f"{env}/partage/sorties", "exports_dir": f"{env}/depot/2024-12",
                                "milo_home": f"{env}/home"}).success
    assert (env / "partage" / "sorties" / "indicateurs.csv").exists()
    assert run(MiloSettings(), {"exports_dir": "", "out_dir": ""}).success  # the Launchpad's empty defaults


def test_relative_paths_are_taken_from_the_working_directory(env, monkeypatch):
    monkeypatch.chdir(env / "home")
    assert run(MiloSettings(), {"out_dir": "sorties"}).success
    assert not run(MiloSettings(), {"out_dir": "../sorties"}).success


def test_folders_given_in_code_are_trusted(env):
    """`milo-pipeline run --out /anywhere` builds the resource from its command line: not run config."""
    assert run(MiloSettings(milo_home=f"{env}/autre", out_dir=f"{env}/ailleurs")).success
    assert (env / "ailleurs" / "indicateurs.csv").exists()
    assert os.environ["MILO_HOME"] == str(env / "home")
