"""Network packages derived from a real one, for the consolidation's benchmark at national scale (440 structures):
running 440 structures takes hours, so a handful of sizes are run for real and the others derived from them.

`derive_package(source, target, identity, factor)` writes the package of a structure `factor` times the source's
(an integer, ≥ 1), under another identity: in `agregats.csv` (design §2) every `somme` row's valeur and numerateur,
and every numerateur and denominateur of the `rapport` and `evolution` rows, multiplied by `factor` (exactly, as
decimals keeping their number of decimals). An integer factor keeps every equation of the source: a total is still
the sum of its parts, a share's numerator and denominator its denominator indicator's value, and every share, mean
and evolution (valeur of `rapport` and `evolution` rows) is unchanged to the byte. `non_agregeable` rows (each
structure's territories) are kept as they are. The manifest is the source's with the new identity, a new run id
and the file's sha256, size and line count recomputed. Such a package is synthetic twice over: say so wherever its
figures are shown.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path

AGREGATS = "agregats.csv"
MANIFEST = "manifest.json"
MULTIPLIED = {"somme": ("valeur", "numerateur"), "rapport": ("numerateur", "denominateur"),
              "evolution": ("numerateur", "denominateur")}


def _times(cell: str, factor: int) -> str:
    if cell == "":
        return cell
    return format(Decimal(cell) * factor, "f")  # same exponent: "12.50" × 3 = "37.50", "7" × 3 = "21"


def derive_package(source: Path, target: Path, identity: dict, factor: int) -> Path:
    """The package of `source` (a folder: manifest.json, agregats.csv) for the structure `identity` (code, nom,
    nom_court, departement, region), `factor` times as large, written into `target` (created). Returns target."""
    if not isinstance(factor, int) or factor < 1:
        raise ValueError(f"facteur {factor!r} : attendu un entier ≥ 1")
    source, target = Path(source), Path(target)
    manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    with open(source / AGREGATS, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        columns = reader.fieldnames
        rows = list(reader)
    for row in rows:
        for column in MULTIPLIED.get(row["agregation"], ()):
            row[column] = _times(row[column], factor)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    target.mkdir(parents=True, exist_ok=True)
    (target / AGREGATS).write_bytes(data)
    manifest["structure"] = {**manifest.get("structure", {}), **identity}
    manifest["run_id"] = f"derive-{identity['code']}-x{factor}-{manifest.get('run_id', '')}"
    # lines counted as the source's manifest counts them (with or without the header)
    lines = data.count(b"\n") + manifest["fichiers"][AGREGATS]["lignes"] - (source / AGREGATS).read_bytes().count(b"\n")
    manifest["fichiers"] = {AGREGATS: {"sha256": hashlib.sha256(data).hexdigest(), "octets": len(data),
                                       "lignes": lines}}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    return target


def plan_sizes(targets: list[int], sources: dict[str, int]) -> list[tuple[str, int]]:
    """For each target size, the source package (the largest source not above it, else the smallest) and the
    integer factor (≥ 1) whose product is nearest to it: the national distribution approximated from a handful of
    real sizes, each derived package a real structure's shape."""
    ordered = sorted(sources.items(), key=lambda item: (item[1], item[0]))
    plan = []
    for size in targets:
        name, youths = next((s for s in reversed(ordered) if s[1] <= size), ordered[0])
        plan.append((name, max(1, round(size / youths))))
    return plan
