"""Resources: where things live (MILO_HOME, exports, outputs, warehouse) and the dbt CLI."""


import os
import subprocess
import sys
import tempfile
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = ROOT / "dbt_project"


def default_milo_home() -> str:
    return os.environ.get("MILO_HOME", "data")


FOLDERS = ("milo_home", "exports_dir", "out_dir")


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def folders_in_run_config(run_config: dict | None) -> bool:
    """Whether the run's config (what the launcher sent: the UI, GraphQL, a sensor, a schedule, a backfill)
    sets one of the folders of a resource."""
    resources = (run_config or {}).get("resources") or {}
    return any(isinstance(r, dict) and isinstance(r.get("config"), dict) and set(FOLDERS) & set(r["config"])
               for r in resources.values())


class MiloSettings(dg.ConfigurableResource):
    """Folders of a Mission Locale's installation. Relative paths are taken from the working directory."""

    milo_home: str = ""
    exports_dir: str = ""
    out_dir: str = ""

    @cached_property
    def home(self) -> Path:
        return Path(self.milo_home or default_milo_home()).resolve()

    @property
    def exports(self) -> Path:
        """The folder the exports are dropped into (the sensor watches it): MILO_HOME/landing by default."""
        return Path(self.exports_dir or os.environ.get("MILO_EXPORTS") or self.home / "landing").resolve()

    @property
    def out(self) -> Path:
        return Path(self.out_dir or os.environ.get("MILO_OUT") or self.home / "out").resolve()

    def run_dir(self, run_id: str) -> Path:
        """Everything a run writes before publication (and its reports if it fails)."""
        return self.home / "runs" / run_id

    def staging(self, run_id: str) -> Path:
        return self.run_dir(run_id) / "publication"

    @property
    def warehouse(self) -> Path:
        return Path(os.environ.get("MILO_WAREHOUSE") or self.home / "warehouse.duckdb").resolve()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Folders set by a run's config stay within the installation: `milo_home` within MILO_HOME, `exports_dir`
        and `out_dir` within MILO_HOME or the folders MILO_EXPORTS / MILO_OUT of the environment (symlinks
        resolved). Whoever launches runs from the UI cannot make one read or write elsewhere on the disk.

        Trust follows the channel: the environment and a resource built in code (`milo-pipeline run` builds it
        from its command line, anywhere) are the installation's; the run config is what a UI or GraphQL caller
        sends, and is the only thing checked. There is no flag to set in run config that would skip the check."""
        run = context.dagster_run
        if run is None or not folders_in_run_config(run.run_config):
            return
        home = Path(default_milo_home()).resolve()
        roots = [home] + [Path(os.environ[v]).resolve() for v in ("MILO_EXPORTS", "MILO_OUT") if os.environ.get(v)]
        refus = [(champ, chemin, autorises) for champ, chemin, autorises in (
            ("milo_home", self.home, [home]), ("exports_dir", self.exports, roots), ("out_dir", self.out, roots))
            if not _inside(chemin, autorises)]
        if refus:
            lignes = [f"{champ} = {getattr(self, champ) or '(défaut)'} → {chemin} est hors de "
                      + " et de ".join(str(r) for r in autorises) for champ, chemin, autorises in refus]
            raise dg.Failure(description=(
                "Configuration du run refusée (ressource « milo ») : " + " ; ".join(lignes) + ". Un run lancé depuis "
                "l'interface ne lit et n'écrit que dans MILO_HOME et les dossiers MILO_EXPORTS / MILO_OUT de "
                "l'environnement de `milo-pipeline ui` : pour un autre dossier, redémarrer l'interface avec ces "
                "variables. Rien n'a été écrit."))


DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def manifest_is_stale() -> bool:
    """Missing, or older than a file of the dbt project (a model, a seed, a test, a macro)."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [DBT_PROJECT_DIR / "dbt_project.yml"]
    for folder in ("models", "seeds", "macros", "tests"):
        sources += [p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return any(p.stat().st_mtime > built for p in sources)


def parse_dbt_project() -> None:
    """`dbt parse` into a private folder, then the manifest moved into place (parallel sessions never read
    half a manifest). dbt is not on PATH when the venv is not activated, hence the explicit executable."""
    target = dbt_project.manifest_path.parent
    with tempfile.TemporaryDirectory(dir=DBT_PROJECT_DIR, prefix=".parse-") as tmp:
        subprocess.run([DBT_EXECUTABLE, "parse", "--quiet", "--profiles-dir", str(DBT_PROJECT_DIR),
                        "--target-path", tmp], cwd=DBT_PROJECT_DIR, check=True, stdout=subprocess.DEVNULL)
        target.mkdir(exist_ok=True)
        os.replace(Path(tmp) / "manifest.json", dbt_project.manifest_path)


if manifest_is_stale():
    parse_dbt_project()


class MiloDbtCliResource(DbtCliResource):
    """The dbt CLI without two costs dagster-dbt pays before every invocation and that this project never uses
    (measured on the 8-youth fixture: ≈5 s of the dbt step, more under load):

    - `dbt --version` in a subprocess (a full dbt import) to learn the version: it is the installed dbt-core;
    - a dbt adapter opened in the Dagster process (dbt imported, project and macros loaded), used only by
      `fetch_row_counts()` / `fetch_column_metadata()`, which `milo_dbt` does not call."""

    @cached_property
    def _cli_version(self):
        from importlib.metadata import version as installed

        from packaging import version

        return version.parse(installed("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCliResource:
    return MiloDbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
