"""The Dagster instance of an installation: `DAGSTER_HOME` defaults to `MILO_HOME/dagster` (SQLite storage),
telemetry off, and one run at a time.

Why one run at a time: DuckDB has a single writer and every run rebuilds the same warehouse (raw tables, dbt
models, `indicateurs`). Two runs side by side would fail with `Could not set lock on file`, or one would read
the other's tables. With `max_concurrent_runs: 1` the run queue (the daemon of `dagster dev`) starts runs one
after the other; the others wait as QUEUED. A backfill of a year is itself one run (single-run backfill policy).

    export DAGSTER_HOME=$(.venv/bin/python -m milo_pipeline.instance)

writes `$DAGSTER_HOME/dagster.yaml` if it is missing, completes it if a section is missing (a file written by an
older `milo-pipeline run` has only `telemetry`), and prints the folder. A section already set is left alone.
"""

import os
import sys
from pathlib import Path

import yaml

SECTIONS = {
    "telemetry": "telemetry:\n  enabled: false\n",
    "concurrency": (
        "# DuckDB has a single writer: one run at a time, the others wait in the queue (milo_pipeline/instance.py)\n"
        "concurrency:\n  runs:\n    max_concurrent_runs: 1\n"
    ),
}
# An instance whose run queue is configured the older way keeps it (Dagster refuses both ways together).
EQUIVALENTS = {"concurrency": ("run_queue", "run_coordinator")}


_ANCRES: dict[str, object] = {}

# Tags a run of the pipeline carries once it holds the lock of its MILO_HOME (lib/verrou.py, resource `milo`):
# which MILO_HOME, and which process runs it.
TAG_HOME = "milo/milo_home"
TAG_PID = "milo/pid"
EN_COURS = ("STARTING", "STARTED", "CANCELING")


def processus_vivant(pid: int) -> bool:
    """Whether process `pid` exists (and is not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def marquer_runs_interrompus(instance, milo_home: Path, run_courant: str | None = None) -> list[str]:
    """Runs of `instance` still STARTING/STARTED/CANCELING whose process is gone (killed: nothing marked them)
    are marked failed; returns their ids. The caller holds the lock of `milo_home`, so a run tagged with this
    MILO_HOME is dead whatever its pid says (a pid may be reused); a run of another MILO_HOME sharing the
    instance is marked only if its pid is dead; a run without our tags (waiting for a lock, or not ours) is left
    alone."""
    import dagster as dg

    home = str(Path(milo_home).resolve())
    statuts = [dg.DagsterRunStatus[s] for s in EN_COURS]
    marques = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=statuts)):
        run = record.dagster_run
        tags = run.tags
        if run.run_id == run_courant or TAG_PID not in tags:
            continue
        pid = int(tags[TAG_PID]) if tags[TAG_PID].isdigit() else 0
        if pid == os.getpid() or (tags.get(TAG_HOME) != home and processus_vivant(pid)):
            continue
        instance.report_run_failed(run, f"Run interrompu (processus {pid} arrêté avant la fin, par exemple tué) : "
                                        f"marqué en échec au démarrage d'un run suivant. Rien n'a été publié par "
                                        f"ce run.")
        marques.append(run.run_id)
    return marques


def sqlite_sans_fsync_par_evenement() -> None:
    """Dagster's SQLite storage opens a connection per event, commits and closes it (a run of a year writes
    ≈1,500 events, ≈5,000 connections). By default each of them waits for the disk several times: the commit
    (`synchronous=FULL`), then, as the last connection to a WAL database closes, a checkpoint and the removal of
    the WAL file (≈15,000 `fdatasync`, ≈4 s of a 3,500-youth run on this machine).

    From now on, in this process: every SQLite connection uses `synchronous=NORMAL` (SQLite's recommended
    setting in WAL mode, which Dagster uses: safe against a crash of the process; after a power loss the
    database stays consistent and may lose the last events), and one idle connection per WAL database
    stays open until the process ends, so closing Dagster's connections no longer checkpoints the WAL each
    time (SQLite still checkpoints every 1,000 pages)."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if getattr(sqlite_sans_fsync_par_evenement, "fait", False):
        return

    @event.listens_for(Engine, "connect")
    def _synchronous_normal(dbapi_connection, connection_record):
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        fichier = next((row[2] for row in dbapi_connection.execute("PRAGMA database_list") if row[1] == "main"), "")
        if fichier and fichier not in _ANCRES and \
                dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
            ancre = sqlite3.connect(fichier, check_same_thread=False)
            ancre.execute("PRAGMA schema_version").fetchone()  # a read attaches it to the WAL
            _ANCRES[fichier] = ancre

    sqlite_sans_fsync_par_evenement.fait = True


def dagster_home(milo_home: Path | None = None) -> Path:
    """$DAGSTER_HOME, else MILO_HOME/dagster (MILO_HOME: the argument, else $MILO_HOME, else ./data)."""
    if os.environ.get("DAGSTER_HOME"):
        return Path(os.environ["DAGSTER_HOME"]).resolve()
    return (Path(milo_home or os.environ.get("MILO_HOME") or "data") / "dagster").resolve()


def prepare_dagster_home(home: Path) -> Path:
    """Create `home` and its `dagster.yaml` with every section of SECTIONS that is not configured yet."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    existing = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}) if config.exists() else {}
    missing = [texte for cle, texte in SECTIONS.items()
               if cle not in existing and not any(e in existing for e in EQUIVALENTS.get(cle, ()))]
    if missing:
        before = config.read_text(encoding="utf-8") if config.exists() else ""
        separator = "\n" if before and not before.endswith("\n") else ""
        config.write_text(before + separator + "".join(missing), encoding="utf-8")
    return home


if __name__ == "__main__":
    from .lib.fichiers import UMASK_PRIVE, proteger_milo_home

    os.umask(UMASK_PRIVE)  # DAGSTER_HOME and dagster.yaml private to the user, like all of MILO_HOME
    milo_home = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MILO_HOME") or "data")
    for avertissement in proteger_milo_home(milo_home.resolve()):
        print(avertissement, file=sys.stderr)
    print(prepare_dagster_home(dagster_home(milo_home)))
