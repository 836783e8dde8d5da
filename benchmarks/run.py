"""Benchmarks: the whole CLI run at several scales, its stages, its peak memory, and the floor.

    .venv/bin/python benchmarks/run.py                      # 3,500 / 50,000 / 1,200,000 youths
    .venv/bin/python benchmarks/run.py --scales 3500 50000  # a subset

For each scale: synthetic exports are generated once (cached in benchmarks/.data/, not timed), then
`milo-pipeline run --period 2024` is timed as a user runs it (a fresh MILO_HOME each time); the
stages are read from the run's Dagster event log; the peak memory is the largest total RSS of the CLI
process and its children (dbt), sampled every 0.2 s. The floor is benchmarks/floor.sql, the pa_* /
acc_* / disp_* indicators computed straight from the CSV files by DuckDB. Results go to
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
STAGES = ("ingestion", "dbt", "contrôles", "rapport", "extraits", "publication")


def stage_of(step_key: str) -> str:
    if step_key.startswith(("exports_imilo", "saisies")):
        return "ingestion"
    if step_key.startswith("milo_dbt"):
        return "dbt"
    if "gx_" in step_key or "qualite" in step_key:
        return "contrôles"
    if step_key.startswith("extrait"):
        return "extraits"
    if step_key.startswith("publication"):
        return "publication"
    return "rapport"


def _descendants_rss(pid: int) -> int:
    """Total RSS (bytes) of a process and all its descendants."""
    children: dict[int, list[int]] = defaultdict(list)
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children[int(fields[1])].append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


def run_measured(cmd: list[str], env: dict) -> tuple[float, int, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _descendants_rss(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return wall, peak, subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def stage_timings(dagster_home: Path) -> dict[str, float]:
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        starts, durations = {}, defaultdict(float)
        for record in instance.all_logs(run.run_id):
            event = record.dagster_event
            if event is None or event.step_key is None:
                continue
            if event.event_type_value == "STEP_START":
                starts[event.step_key] = record.timestamp
            elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in starts:
                durations[stage_of(event.step_key)] += record.timestamp - starts[event.step_key]
    return dict(durations)


def floor(exports: Path, work: Path) -> tuple[float, dict]:
    import duckdb

    dispositifs = next(exports.glob("dispositifs_*"))
    if dispositifs.suffix == ".xlsx":  # small scales: the floor reads a CSV copy (conversion not timed)
        import pandas as pd

        csv = work / "dispositifs_floor.csv"
        pd.read_excel(dispositifs, dtype=str).to_csv(csv, sep=";", index=False)
        dispositifs = csv
    sql = (HERE / "floor.sql").read_text(encoding="utf-8")
    start = time.perf_counter()
    with duckdb.connect() as con:
        files = {"jeunes": next(exports.glob("jeunes_*")), "evenements": next(exports.glob("evenements_*")),
                 "dispositifs": dispositifs}
        for name, value in files.items():
            con.execute(f"set variable {name} = '{value}'")
        con.execute("set variable debut = date '2024-01-01'")
        con.execute("set variable fin = date '2024-12-31'")
        con.execute(sql)
        values = {(i, m): v for i, m, v in con.execute("select * from floor_indicateurs").fetchall()}
    return time.perf_counter() - start, values


def bench(youths: int, keep: bool) -> dict:
    data = HERE / ".data" / str(youths)
    if not (data / "done").exists():
        shutil.rmtree(data, ignore_errors=True)
        t = time.perf_counter()
        subprocess.run([str(BIN / "python"), "-m", "milo_pipeline.synthetic", "--out", str(data), "--youths",
                        str(youths)], check=True, stdout=subprocess.DEVNULL)
        (data / "done").write_text(f"{time.perf_counter() - t:.1f}")
    events = sum(1 for _ in open(next(data.glob("evenements_*")), "rb")) - 1
    work = HERE / ".work" / str(youths)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {**os.environ, "MILO_HOME": str(work / "home"),
           "MILO_PSEUDONYMISATION_KEY": "benchmark-cle-de-pseudonymisation-32-octets"}
    env.pop("DAGSTER_HOME", None)
    cmd = [str(BIN / "milo-pipeline"), "run", "--exports", str(data), "--period", "2024", "--out", str(work / "out")]
    wall, peak, result = run_measured(cmd, env)
    if result.returncode != 0:
        raise SystemExit(f"run failed at {youths} youths:\n{result.stdout}\n{result.stderr}")
    stages = stage_timings(work / "home" / "dagster")
    # the same run again in the same installation (a re-run, the next month's refresh): dbt's parse state and
    # the Dagster instance exist
    rerun, rerun_peak, result = run_measured(cmd, env)
    if result.returncode != 0:
        raise SystemExit(f"re-run failed at {youths} youths:\n{result.stdout}\n{result.stderr}")
    floor_s, floor_values = floor(data, work)
    produced = {}
    for line in (work / "out" / "indicateurs.csv").read_text(encoding="utf-8").splitlines()[1:]:
        parts = line.split(",")
        if parts[2] in ("pa_nb_jeunes", "acc_nb_jeunes"):
            produced[parts[2]] = float(parts[4])
    agree = all(abs(floor_values[(k, None)] - v) < 0.5 for k, v in produced.items())
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return {"youths": youths, "events": events, "wall": wall, "rerun": rerun, "peak": max(peak, rerun_peak),
            "stages": stages, "floor": floor_s, "agree": agree}


def write_results(rows: list[dict], command: str) -> Path:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")) / 1024**2
    lines = [
        "# Benchmarks",
        "",
        f"Measured on {date.today().isoformat()}: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, "
        f"{platform.platform()}, Python {platform.python_version()}.",
        f"Command: `{command}` ({date.today().isoformat()})",
        "",
        "Full annual run from the CLI (`milo-pipeline run --period 2024`: ingestion, dbt, quality checks, report, "
        "extracts, publication), synthetic exports (`python -m milo_pipeline.synthetic --youths N`). Stage times "
        "come from the first run's Dagster event log; \"CLI wall\" includes process start-up and imports, in a "
        "fresh MILO_HOME; \"re-run\" is the same command again in the same MILO_HOME. Peak RSS is "
        "the largest total resident memory of the CLI process and its children. The floor is "
        "`benchmarks/floor.sql` (pa_*, acc_*, disp_* straight from the CSV files with DuckDB).",
        "",
        "| youths | events | " + " | ".join(STAGES)
        + " | CLI wall | re-run | peak RSS | floor | pipeline/floor | floor agrees |",
        "|---:|---:|" + "---:|" * len(STAGES) + "---:|---:|---:|---:|---:|:---:|",
    ]
    table = {}
    for r in rows:
        stages = " | ".join(f"{r['stages'].get(s, 0):.1f} s" for s in STAGES)
        table[r["youths"]] = (f"| {r['youths']:,} | {r['events']:,} | {stages} | {r['wall']:.1f} s | "
                              f"{r['rerun']:.1f} s | "
                              f"{r['peak'] / 1024**3:.2f} GiB | {r['floor']:.1f} s | {r['wall'] / r['floor']:.1f} | "
                              f"{'yes' if r['agree'] else 'NO'} |")
    path = HERE / "RESULTS.md"
    # rows of the scales not measured this time are kept (the national scale is usually run on its own), and so
    # are the commands that produced them and the hand-written part below the table ("## Findings" onwards)
    notes = ""
    if path.exists():
        previous = path.read_text(encoding="utf-8")
        for line in previous.splitlines():
            cells = line.split("|")
            if len(cells) > 2 and cells[1].strip().replace(",", "").isdigit():
                table.setdefault(int(cells[1].strip().replace(",", "")), line)
            elif line.startswith("Command") and command not in line:
                lines.insert(3, line)
        if "\n## " in previous:
            notes = "\n" + previous[previous.index("\n## ") + 1:]
    lines += [table[youths] for youths in sorted(table)]
    path.write_text("\n".join(lines) + "\n" + notes, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=int, nargs="+", default=[3500, 50_000, 1_200_000])
    parser.add_argument("--keep", action="store_true", help="keep each run's MILO_HOME and outputs")
    args = parser.parse_args(argv)
    rows = []
    for youths in args.scales:
        row = bench(youths, args.keep)
        print(f"{youths:>9,} youths: {row['wall']:.1f} s (re-run {row['rerun']:.1f} s), "
              f"peak {row['peak'] / 1024**3:.2f} GiB, "
              f"floor {row['floor']:.1f} s, stages {', '.join(f'{k} {v:.1f}' for k, v in row['stages'].items())}")
        rows.append(row)
    print(write_results(rows, "python benchmarks/run.py " + " ".join(argv or sys.argv[1:])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
