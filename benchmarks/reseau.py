"""Benchmarks of the network (issue 16): the whole chain of a network, and the consolidation alone.

    .venv/bin/python benchmarks/reseau.py                    # (a), (b) and (c) below: about 20 min on 2 cores
    .venv/bin/python benchmarks/reseau.py --sans-3500        # without the chain of 15 × 3,500 youths

(a) Whole chain, `milo-pipeline demo --reseau FICHIER` as a user runs it (each structure's exports generated,
    then `milo-pipeline run`, 2 at a time on the 2 cores, each structure in its own MILO_HOME, then
    `milo-pipeline consolidate` with the regional report): wall time, and peak RSS of the process tree (the demo,
    its runs and their dbt, the consolidation), sampled every 0.2 s (benchmarks/run.py). Two networks:
    - « démo » : the demo's 15 structures (synthetic/reseau_demo.yaml: 524 to 8,200 youths, 40,000 in all);
    - « 15 × 3 500 » : the issue's target, 15 structures of 3,500 youths.
    Each structure's time (exports, run wall, run CPU) is read from the demo's demo_reseau.json.
(b) Consolidation alone (`milo-pipeline consolidate`, a fresh MILO_HOME, regional report included) of the 15 real
    packages of « démo », then of 110, 220 and 440 packages of the national size distribution
    (synthetic.structures.network_sizes(440, 1.2 million): log-normal, σ = 0.75, 209 to 20,343 youths). Those
    packages are DERIVED from the 15 real ones (synthetic/paquets.py): each national size takes the largest real
    package not above it, relabelled, its counts, amounts, numerators and denominators × an integer factor (its
    shares, means and evolutions unchanged); running 440 structures for real takes hours.
(c) Whole chain for 440 structures: EXTRAPOLATED, not measured: the structures' runs by a linear fit of the run
    wall times of « démo » (measured 2 at a time) against their size, summed over the 440 national sizes and
    divided by 2 (two runs at a time), plus the measured consolidation of the 440 derived packages.
The results replace the section « ## Réseau (issue 16) » of benchmarks/RESULTS.md (benchmarks/run.py keeps it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
from datetime import date
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
WORK = HERE / ".work" / "reseau"
SECTION = "## Réseau (issue 16)"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from run import run_measured  # noqa: E402 — benchmarks/run.py: wall time, peak RSS of the process tree

from milo_pipeline.demo_reseau import VARIABLES_ECARTEES  # noqa: E402
from milo_pipeline.synthetic.paquets import derive_package, plan_sizes  # noqa: E402
from milo_pipeline.synthetic.structures import network_sizes  # noqa: E402

NATIONAL = (440, 1_200_000)


def env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in VARIABLES_ECARTEES}


def network_file(path: Path, sizes: list[int]) -> Path:
    demo = yaml.safe_load((ROOT / "milo_pipeline" / "synthetic" / "reseau_demo.yaml").read_text(encoding="utf-8"))
    demo["structures"] = [{"code": f"ML-{i:02d}", "ville": f"Banc-{i:02d}", "jeunes": n}
                          for i, n in enumerate(sizes, start=1)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(demo, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def chain(name: str, fichier: Path | None) -> dict:
    """(a): `milo-pipeline demo --reseau [FICHIER]` in a fresh MILO_HOME."""
    home = WORK / name / "home"
    shutil.rmtree(WORK / name, ignore_errors=True)
    cmd = [str(BIN / "milo-pipeline"), "--milo-home", str(home), "demo", "--reseau"] + ([str(fichier)] if fichier
                                                                                        else [])
    wall, peak, result = run_measured(cmd, env())
    racine = home / "demo" / "reseau"
    if result.returncode != 0:
        raise SystemExit(f"chaîne {name} en échec (code {result.returncode}) :\n{result.stdout}\n{result.stderr}")
    temps = json.loads((racine / "demo_reseau.json").read_text(encoding="utf-8"))
    return {"name": name, "wall": wall, "peak": peak, "racine": racine, **temps}


def consolidation(name: str, paquets: Path, reseau: Path) -> dict:
    """(b): `milo-pipeline consolidate` of a folder of packages, in a fresh MILO_HOME."""
    work = WORK / "consolidation" / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cmd = [str(BIN / "milo-pipeline"), "--milo-home", str(work / "home"), "consolidate", "--packages", str(paquets),
           "--period", "2024", "--out", str(work / "out"), "--reseau", str(reseau)]
    wall, peak, result = run_measured(cmd, env())
    if result.returncode != 0:
        raise SystemExit(f"consolidation {name} en échec (code {result.returncode}) :\n{result.stdout}\n"
                         f"{result.stderr}")
    packages = sum(1 for p in paquets.iterdir() if (p / "manifest.json").is_file())
    return {"name": name, "packages": packages, "wall": wall, "peak": peak,
            "report": (work / "out" / "rapport_reseau_2024.pdf").is_file()}


def derived_packages(demo: dict, count: int) -> tuple[Path, Path, int]:
    """(b): `count` packages of the national distribution (the first `count` of 440 sizes taken evenly), derived
    from the demo's real packages. Returns the packages folder, its reseau.yaml and the youths they stand for."""
    sizes = network_sizes(*NATIONAL)
    if count < len(sizes):
        sizes = [sizes[round(i * (len(sizes) - 1) / (count - 1))] for i in range(count)]
    sources = {s["code"]: s["jeunes"] for s in demo["structures"] if s["publiee"]}
    folder = WORK / "derives" / str(count)
    shutil.rmtree(folder, ignore_errors=True)
    paquets = folder / "paquets"
    structures, total = [], 0
    base = yaml.safe_load((demo["racine"] / "reseau.yaml").read_text(encoding="utf-8"))
    for i, (source, factor) in enumerate(plan_sizes(sizes, sources), start=1):
        code = f"MLN-{i:03d}"
        nom = f"Mission Locale nationale n° {i} (données synthétiques dérivées de {source} × {factor})"
        identity = {"code": code, "nom": nom, "nom_court": f"ML nationale n° {i}"}
        derive_package(demo["racine"] / "paquets" / f"{source}_2024", paquets / f"{code}_2024", identity, factor)
        structures.append({"code": code, "nom": nom})
        total += sources[source] * factor
    reseau = folder / "reseau.yaml"
    reseau.write_text(yaml.safe_dump({**base, "structures": structures}, allow_unicode=True, sort_keys=False),
                      encoding="utf-8")
    return paquets, reseau, total


def extrapolate(demo: dict, consolidation_440: float) -> dict:
    """(c): Σ over the national sizes of a + b × youths (least squares on the demo's run walls) / 2 + consolidation."""
    points = [(s["jeunes"], s["run_s"], s["run_cpu_s"]) for s in demo["structures"] if s["publiee"]]
    n = len(points)
    mx = sum(p[0] for p in points) / n
    fits = {}
    for k, key in ((1, "wall"), (2, "cpu")):
        my = sum(p[k] for p in points) / n
        b = sum((p[0] - mx) * (p[k] - my) for p in points) / sum((p[0] - mx) ** 2 for p in points)
        fits[key] = (my - b * mx, b)
    sizes = network_sizes(*NATIONAL)
    runs = sum(fits["wall"][0] + fits["wall"][1] * s for s in sizes) / 2
    cpu = sum(fits["cpu"][0] + fits["cpu"][1] * s for s in sizes)
    return {"fit": fits, "runs": runs, "cpu": cpu, "total": runs + consolidation_440}


def mmss(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min ({seconds:.0f} s)"


def write_results(chains: list[dict], consolidations: list[dict], extra: dict, derived_total: int,
                  command: str) -> Path:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    load = open("/proc/loadavg").read().split()[:3]
    lines = [
        SECTION, "",
        f"Measured on {date.today().isoformat()}: {os.cpu_count()} cores ({cpu}), {platform.platform()}, Python "
        f"{platform.python_version()}; load average at the end {', '.join(load)}. Command: `{command}`. Method: "
        "the docstring of `benchmarks/reseau.py`.", "",
        "**(a) Whole chain** (`milo-pipeline demo --reseau`: exports generated, each structure run, 2 at a time, "
        "then the consolidation and the regional report):", "",
        "| network | structures | youths | wall | runs | consolidation | peak RSS | run wall per structure "
        "(min–max) | run CPU per structure (mean) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in chains:
        runs = [s["run_s"] for s in c["structures"]]
        cpus = [s["run_cpu_s"] for s in c["structures"]]
        youths = sum(s["jeunes"] for s in c["structures"])
        lines.append(f"| {c['name']} | {len(runs)} | {youths:,} | {mmss(c['wall'])} | {mmss(c['structures_s'])} | "
                     f"{c['consolidation_s']:.1f} s | {c['peak'] / 1024**3:.2f} GiB | "
                     f"{min(runs):.0f}–{max(runs):.0f} s | {sum(cpus) / len(cpus):.0f} s |")
    lines += ["", "**(b) Consolidation alone** (`milo-pipeline consolidate`, fresh MILO_HOME, regional report "
              "included). The 15 packages are real; the 110, 220 and 440 packages are DERIVED from them "
              f"(`synthetic/paquets.py`: the national sizes, {derived_total:,} youths for 440, approximated by a "
              "real package × an integer factor), not produced by 440 runs:", "",
              "| packages | wall | per package | peak RSS | report written |", "|---:|---:|---:|---:|:---:|"]
    for c in consolidations:
        lines.append(f"| {c['packages']} ({c['name']}) | {c['wall']:.1f} s | {c['wall'] / c['packages']:.2f} s | "
                     f"{c['peak'] / 1024**3:.2f} GiB | {'yes' if c['report'] else 'NO'} |")
    if extra:
        (a, b), (ca, cb) = extra["fit"]["wall"], extra["fit"]["cpu"]
        lines += ["", "**(c) Whole chain for 440 structures: EXTRAPOLATION, not a measurement.** Run wall of a "
                  f"structure (2 at a time) ≈ {a:.1f} s + {b * 1000:.2f} s per 1,000 youths (least squares on "
                  "« démo »); "
                  f"over the 440 national sizes, / 2 cores: {mmss(extra['runs'])}; plus the consolidation of 440 "
                  f"measured above: **{mmss(extra['total'])}** in all. CPU: {ca:.1f} s + {cb * 1000:.2f} s per "
                  f"1,000 youths, {extra['cpu'] / 3600:.1f} CPU-hours for the 440 runs."]
    path = HERE / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = "\n".join(lines) + "\n"
    if SECTION in text:
        start = text.index(SECTION)
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[end + 1:] if end != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sans-3500", action="store_true", help="without the chain of 15 × 3,500 youths")
    parser.add_argument("--paquets", type=int, nargs="+", default=[110, 220, 440],
                        help="numbers of derived packages consolidated (default 110 220 440)")
    args = parser.parse_args(argv)
    chains = [chain("démo", None)]
    print(f"chaîne démo : {chains[0]['wall']:.0f} s, pic {chains[0]['peak'] / 1024**3:.2f} GiB", flush=True)
    if not args.sans_3500:
        chains.append(chain("15 × 3 500", network_file(WORK / "15x3500.yaml", [3500] * 15)))
        print(f"chaîne 15 × 3 500 : {chains[1]['wall']:.0f} s, pic {chains[1]['peak'] / 1024**3:.2f} GiB", flush=True)
    demo = chains[0]
    consolidations = [consolidation("réels", demo["racine"] / "paquets", demo["racine"] / "reseau.yaml")]
    derived_total = 0
    for count in args.paquets:
        paquets, reseau, total = derived_packages(demo, count)
        derived_total = total
        consolidations.append(consolidation(f"dérivés, {count}", paquets, reseau))
        print(f"consolidation de {count} paquets : {consolidations[-1]['wall']:.1f} s", flush=True)
    last = consolidations[-1]
    extra = extrapolate(demo, last["wall"]) if last["packages"] == NATIONAL[0] else {}
    print(write_results(chains, consolidations, extra, derived_total,
                        "python benchmarks/reseau.py " + " ".join(argv if argv is not None else sys.argv[1:])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
