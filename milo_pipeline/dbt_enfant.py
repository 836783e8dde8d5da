"""`dbt`, started by a run of the pipeline, that dies with the run's process (milo_pipeline/bin/dbt runs this).

dagster-dbt starts `dbt build` with subprocess.Popen and offers no hook for the child: killed (SIGKILL, the OOM
killer), a run's process would leave dbt writing the warehouse for seconds, holding DuckDB's lock. Here, before
dbt is even imported, the process asks the kernel for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG,
Linux; kept across the `exec` of milo_pipeline/bin/dbt), then checks that the parent that started it is still
there (it may have died before the request: then dbt does not start at all).

`--version` alone is answered without importing dbt (≈3 s): dagster-dbt asks it before every invocation, only to
read the version of dbt-core."""

import ctypes
import os
import signal
import sys
from importlib.metadata import version

PR_SET_PDEATHSIG = 1


def mourir_avec_le_parent() -> None:
    parent = int(os.environ.get("MILO_DBT_PARENT") or 0)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent and os.getppid() != parent:
        sys.exit(1)  # the run's process is already gone


if __name__ == "__main__":
    mourir_avec_le_parent()
    if sys.argv[1:] == ["--version"]:
        print(f"Core:\n  - installed: {version('dbt-core')}")
        sys.exit(0)
    from dbt.cli.main import cli

    sys.argv[0] = "dbt"
    sys.exit(cli())
