"""DuckDB has one writer: whatever the user launches at the same moment, no run fails on the warehouse lock.

`dagster dev` (webserver + daemon) runs on the instance `milo_pipeline.instance` writes (run queue, one run
at a time). At the same moment: a backfill of the 12 months of 2024 of `rapport_annuel` (what the job's "Materialize
all" dialog sends for a range), a month launched by hand (2024-06) and the export set dropped in the landing
folder, which the sensor turns into a run for 2024-12. The daemon runs them.

What this proves: the 12-month backfill is ONE run over the range 2024-01..2024-12 (single-run policy: one
`dbt build`, the annual report); the three runs — a backfill, two months in a row, the report while a
refresh is queued — all succeed, never overlap in time (the queue serialises them) and log no lock error;
the sensor, ticking every 30 s while the runs queue and run, starts exactly one run for the export set.
What it does not prove: runs launched outside this instance (another DAGSTER_HOME, or `milo-pipeline run`
while the UI runs) are not queued together (see README, "One writer at a time")."""

import os
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster_server import REPOSITORY, TERMINAL, DagsterServer

from milo_pipeline.definitions import defs
from milo_pipeline.instance import prepare_dagster_home
from milo_pipeline.lib.periods import parse_period
from milo_pipeline.lib.report import nom_fichier

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parent / "fixtures" / "exports_2024"
YEAR = [f"2024-{m:02d}-01" for m in range(1, 13)]
SENSOR_TICKS = """query($sensor: SensorSelector!) { sensorOrError(sensorSelector: $sensor) { ... on Sensor {
  sensorState { ticks(limit: 20) { status runIds skipReason } } } } }"""
BACKFILL = "query($id: String!) { partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status } } }"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """The three launches, then every run finished (three runs one after the other: 2 to 4 minutes)."""
    root = tmp_path_factory.mktemp("backfill")
    landing = root / "home" / "landing"
    shutil.copytree(FIXTURE, landing)
    for path in landing.rglob("*"):  # dropped two minutes ago: the sensor reads the set at its first tick
        os.utime(path, (time.time(), time.time() - 120))
    home = prepare_dagster_home(root / "dagster")
    server = DagsterServer(["dagster", "dev"], home, log=root / "dagster_dev.log", env={  # exports: MILO_HOME/landing
        "MILO_HOME": str(root / "home"), "MILO_PSEUDONYMISATION_KEY": "cle-de-test-32-octets-au-minimum"})
    try:
        server.wait_loaded()
        graph = defs.get_repository_def().asset_graph  # a Mission Locale's assets (not the network's group)
        assets = [key.path for key in graph.get_all_asset_keys() if graph.get(key).group_name != "reseau"]
        backfill_id = server.launch_backfill("rapport_annuel", YEAR, assets)
        month_id = server.launch_run("tout", "2024-06-01")
        deadline = time.monotonic() + 900
        while True:
            with dg.DagsterInstance.from_config(str(home)) as instance:
                runs = instance.get_runs()
            backfill = server.graphql(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]["status"]
            if len(runs) >= 3 and all(r.status.value in TERMINAL for r in runs) and backfill != "REQUESTED":
                break
            assert time.monotonic() < deadline, f"runs not finished: {[(r.job_name, r.status) for r in runs]}"
            time.sleep(3)
        ticks = server.graphql(SENSOR_TICKS, {"sensor": {**REPOSITORY, "sensorName": "exports_deposes"}})
        with dg.DagsterInstance.from_config(str(home)) as instance:
            records = instance.get_run_records()
            logs = {r.dagster_run.run_id: instance.all_logs(r.dagster_run.run_id) for r in records}
        yield {"root": root, "backfill_id": backfill_id, "month_id": month_id, "records": records, "logs": logs,
               "ticks": ticks["sensorOrError"]["sensorState"]["ticks"]}
    finally:
        server.stop()


def runs_by_origin(deployment) -> dict[str, dg.DagsterRun]:
    origins = {}
    for record in deployment["records"]:
        run = record.dagster_run
        origin = ("backfill" if "dagster/backfill" in run.tags
                  else "sensor" if "dagster/sensor_name" in run.tags else "manual")
        assert origin not in origins, f"a second {origin} run: {run.run_id}"
        origins[origin] = run
    return origins


def test_a_year_backfill_is_one_run_over_the_twelve_months(deployment):
    run = runs_by_origin(deployment)["backfill"]
    assert run.tags["dagster/backfill"] == deployment["backfill_id"]
    assert run.job_name == "rapport_annuel"
    assert (run.tags["dagster/asset_partition_range_start"], run.tags["dagster/asset_partition_range_end"]) \
        == ("2024-01-01", "2024-12-01")
    assert (deployment["root"] / "home" / "out" / nom_fichier(parse_period("2024"))).stat().st_size > 0


def test_the_backfill_and_two_months_launched_together_all_succeed_one_after_the_other(deployment):
    origins = runs_by_origin(deployment)
    assert set(origins) == {"backfill", "sensor", "manual"}
    assert {o: r.status for o, r in origins.items()} == dict.fromkeys(origins, dg.DagsterRunStatus.SUCCESS)
    assert origins["manual"].run_id == deployment["month_id"]
    assert origins["manual"].tags["dagster/partition"] == "2024-06-01"
    assert origins["sensor"].tags["dagster/partition"] == "2024-12-01"
    spans = sorted((r.start_time, r.end_time) for r in deployment["records"])
    for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False):
        assert next_start >= end, "two runs wrote the warehouse at the same time"
    for month in ("2024-06", "2024-12"):
        assert (deployment["root"] / "home" / "out" / nom_fichier(parse_period(month))).exists()


def test_no_run_logged_a_duckdb_lock_error(deployment):
    for run_id, events in deployment["logs"].items():
        texts = [e.user_message for e in events]
        texts += [e.dagster_event.step_failure_data.error.to_string() for e in events
                  if e.dagster_event and e.dagster_event.is_step_failure]
        assert not [t for t in texts if "lock" in t.lower()], run_id


def test_the_sensor_started_exactly_one_run_for_the_export_set(deployment):
    ticks = [t for t in deployment["ticks"] if t["status"] != "STARTED"]  # newest first; STARTED: in progress
    launched = [t for t in ticks if t["runIds"]]
    assert len(launched) == 1 and len(launched[0]["runIds"]) == 1
    assert launched[0]["runIds"][0] == runs_by_origin(deployment)["sensor"].run_id
    later = ticks[:ticks.index(launched[0])]
    assert later and all(t["status"] == "SKIPPED" and "déjà pris en charge" in t["skipReason"] for t in later)
