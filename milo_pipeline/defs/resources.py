"""Resources: where things live (MILO_HOME, exports, outputs, warehouse) and the dbt CLI."""


import contextlib
import os
import shutil
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from dagster_dbt import DbtCliResource, DbtProject

from ..instance import TAG_HOME, TAG_PID, marquer_runs_interrompus
from ..lib import verrou
from ..lib.dbt_project import DBT_ENFANT, dossier_projet, preparer_manifest
from ..lib.periods import PeriodeImpossible, date_des_exports, from_partition_keys, verifier_periode


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

    def cible_dbt(self, run_id: str) -> Path:
        """dbt's target folder for one run (manifest, compiled SQL, run results: ≈9 MB), removed at its end."""
        return self.home / "dbt" / f"run-{run_id}"

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

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        """For a run: the folders checked, then its period, then the lock of MILO_HOME held until the run ends
        (lib/verrou.py: a run launched from the UI, its daemon, a sensor or a schedule waits for the CLI or
        another run writing the same MILO_HOME, saying so in its log; the CLI's own run gets the lock its
        process already holds). Once it holds the lock, the run clears what killed runs left. Nothing is
        written before the lock is held. A sensor or a schedule (no run) only reads: no lock."""
        self.setup_for_execution(context)
        run = context.dagster_run
        if run is None:
            yield self
            return
        self.verifier_periode_du_run(run.tags)
        try:
            with verrou.verrou(self.home, commande=f"job {run.job_name}", run=run.run_id, annoncer=context.log.warning):
                context.instance.add_run_tags(run.run_id, {TAG_HOME: str(self.home), TAG_PID: str(os.getpid())})
                for run_id in marquer_runs_interrompus(context.instance, self.home, run.run_id):
                    context.log.warning(f"Run interrompu {run_id} marqué en échec.")
                for reste in verrou.nettoyer_restes(self.home, run.run_id):
                    context.log.info(f"Reste d'un run interrompu supprimé : {reste}")
                try:
                    yield self
                finally:  # an interrupted dbt step may not get to remove its target folder itself
                    shutil.rmtree(self.cible_dbt(run.run_id), ignore_errors=True)
        except verrou.VerrouImpossible as exc:
            raise dg.Failure(description=f"{exc}. Rien n'a été écrit.", allow_retries=False) from None

    def verifier_periode_du_run(self, tags: dict[str, str]) -> None:
        """The run's partitions (one month or a range) must be a period its exports can answer: after the
        exports' date its figures would be zero or wrong (lib/periods.py). dg.Failure before anything is written."""
        debut = tags.get(ASSET_PARTITION_RANGE_START_TAG) or tags.get("dagster/partition")
        fin = tags.get(ASSET_PARTITION_RANGE_END_TAG) or debut
        if not debut:
            return
        try:
            periode = from_partition_keys(debut, fin)
            verifier_periode(periode, date_des_exports(self.exports) if self.exports.is_dir() else None)
        except PeriodeImpossible as exc:
            raise dg.Failure(description=f"Run refusé : {exc} Rien n'a été écrit.", allow_retries=False) from None
        except ValueError:
            return  # not a monthly partition key: not ours to judge


dbt_project = DbtProject(project_dir=dossier_projet(), profiles_dir=dossier_projet())
preparer_manifest(Path(dbt_project.project_dir), dbt_project.manifest_path)


class MiloDbtCliResource(DbtCliResource):
    """The dbt CLI without the dbt adapter dagster-dbt opens in the Dagster process before every invocation (dbt
    imported, project and macros loaded: ≈2.3 s measured here), used only by `fetch_row_counts()` /
    `fetch_column_metadata()`, which `milo_dbt` does not call. dagster-dbt 0.29.27 has no public option for it:
    this is the one private method overridden (tests/test_definitions.py fails if it disappears). Its other cost,
    `dbt --version` before every invocation, is answered by milo_pipeline/bin/dbt without importing dbt."""

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCliResource:
    return MiloDbtCliResource(project_dir=dbt_project, dbt_executable=DBT_ENFANT)
