"""Shared fixtures and helpers of the tests.

- `cli_env(home, key=...)` / `run_cli(args, home, ...)`: the real `milo-pipeline` command in a subprocess, with
  MILO_HOME=home and none of the pipeline's variables inherited from the shell that runs pytest (MILO_WAREHOUSE,
  MILO_EXPORTS, MILO_OUT, DAGSTER_HOME, the key): real exit status, stdout and stderr. Fixture: `run_cli`.
- `env_propre` (fixture): for code run in process, the pipeline's variables of the shell removed and the test key
  set, with monkeypatch (undone after the test). `milo_home` (fixture): the same and a MILO_HOME in tmp_path.
  `cli` (fixture): `milo_pipeline.cli.main([...])` in process on that MILO_HOME, returning the exit code and what
  it printed.
- `run_2024` (session fixture): one real CLI run of the small hand-written fixture `tests/fixtures/exports_2024`
  for the year 2024, i.e. a built warehouse and its published outputs, shared by the tests that only read them
  (copy it with `copie_du_run` to change anything).
- `dagster_home` (module fixture): a DAGSTER_HOME on tmpfs for CLI subprocesses (much faster failed runs).
- `tree(folder)`: every file under a folder with its bytes (for "nothing changed" assertions); `pdf_text(path)`.
- Tests that use `run_2024` are marked slow automatically (pytest_collection_modifyitems).

No environment variable is changed at import: only through monkeypatch, or in the environment given to a
subprocess. The markers (`slow`, `browser`) are declared in pyproject.toml: `pytest -m "not slow"` is the fast loop.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EXPORTS_2024 = FIXTURES / "exports_2024"
CLI = str(Path(sys.executable).with_name("milo-pipeline"))
ENV_KEY = "MILO_PSEUDONYMISATION_KEY"  # milo_pipeline.lib.pseudonymisation.ENV_KEY
TEST_KEY = "cle-de-test-32-octets-au-minimum"
# every variable the pipeline reads: a test never inherits them from the shell that runs pytest
VARIABLES_DU_PIPELINE = ("MILO_HOME", "MILO_WAREHOUSE", "MILO_EXPORTS", "MILO_OUT", ENV_KEY, "DAGSTER_HOME")


def cli_env(home: Path, key: str | None = TEST_KEY, **variables: str) -> dict[str, str]:
    """The environment of a CLI subprocess: this process's without the pipeline's variables, MILO_HOME=home,
    the key in the environment (None: no key there, the key file of MILO_HOME is used or created), and
    `variables` (e.g. DAGSTER_HOME=...)."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES_DU_PIPELINE}
    env["MILO_HOME"] = str(home)
    if key is not None:
        env[ENV_KEY] = key
    env.update(variables)
    return env


def run_cli(args: list[str], home: Path, key: str | None = TEST_KEY, timeout: float = 900,
            env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    """`milo-pipeline ARGS` in a subprocess (environment: `env`, else `cli_env(home, key)`); text output captured."""
    return subprocess.run([CLI, *args], env=env if env is not None else cli_env(home, key), capture_output=True,
                          text=True, timeout=timeout, **kwargs)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def pdf_text(path: Path) -> str:
    """A PDF's text laid out (pdftotext); the narrow no-break spaces of French typography read as spaces."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.replace("\u202f", " ").replace("\xa0", " ")


def pytest_collection_modifyitems(config, items) -> None:
    """A test that uses the session's full run (run_2024) is slow, wherever it is."""
    for item in items:
        noms = {getattr(item, "originalname", item.name), *getattr(item, "fixturenames", ())}
        if "run_2024" in noms:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def dagster_home():
    """A DAGSTER_HOME on tmpfs when there is one: Dagster's SQLite event storage commits each event to disk
    (hundreds a run), which turns a 30 s failed run into 5 s. Given to CLI subprocesses as DAGSTER_HOME."""
    racine = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    dossier = Path(tempfile.mkdtemp(prefix="milo-dagster-", dir=racine))
    yield dossier
    shutil.rmtree(dossier, ignore_errors=True)


@pytest.fixture(scope="session", name="run_cli")
def _run_cli() -> Callable[..., subprocess.CompletedProcess]:
    return run_cli


@pytest.fixture
def env_propre(monkeypatch) -> None:
    """For code run in process: none of the pipeline's variables of the shell, the test key (monkeypatch)."""
    for variable in VARIABLES_DU_PIPELINE:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv(ENV_KEY, TEST_KEY)


@pytest.fixture
def milo_home(tmp_path, monkeypatch, env_propre) -> Path:
    """A MILO_HOME in tmp_path for code run in process, with the test key; nothing else of the pipeline's set."""
    home = tmp_path / "milo_home"
    home.mkdir()
    monkeypatch.setenv("MILO_HOME", str(home))
    return home


@dataclass(frozen=True)
class Sortie:
    """What a command gave: its exit code and what it printed."""

    code: int
    stdout: str
    stderr: str

    @property
    def texte(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def cli(milo_home, capsys) -> Callable[[list[str]], Sortie]:
    """`milo_pipeline.cli.main(["--milo-home", milo_home, *args])` in process: its exit code and its output."""
    from milo_pipeline import cli as commande

    def lancer(args: list[str]) -> Sortie:
        capsys.readouterr()
        code = commande.main(["--milo-home", str(milo_home), *args])
        sortie = capsys.readouterr()
        return Sortie(code, sortie.out, sortie.err)

    return lancer


@dataclass(frozen=True)
class Run:
    """A finished CLI run: its folder (exports/, home/ = MILO_HOME, out/), the command's result and the exports'
    files as they were before the run."""

    root: Path
    result: subprocess.CompletedProcess
    exports_avant: dict[str, bytes]

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"


@pytest.fixture(scope="session")
def run_2024(tmp_path_factory) -> Run:
    """The real CLI run of `exports_2024` for 2024 (the key in the environment): a built warehouse and the
    published outputs, for tests that only read them. It must succeed."""
    root = tmp_path_factory.mktemp("run_2024")
    shutil.copytree(EXPORTS_2024, root / "exports")
    avant = tree(root / "exports")  # the exports and their folder saisies/ (manual inputs)
    result = run_cli(["run", "--exports", str(root / "exports"), "--period", "2024", "--out", str(root / "out")],
                     root / "home")
    assert result.returncode == 0, result.stdout + result.stderr
    return Run(root, result, avant)


def copie_du_run(run: Run, destination: Path) -> Run:
    """A copy of a run's folder (exports, MILO_HOME, outputs), for a test that runs again or changes something."""
    shutil.copytree(run.root, destination, symlinks=True)
    return Run(destination, run.result, run.exports_avant)
