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
    print(prepare_dagster_home(dagster_home(Path(sys.argv[1]) if len(sys.argv) > 1 else None)))
