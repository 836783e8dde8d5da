"""The output contract of `indicateurs.csv`, and writing files so a reader never sees half of one."""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

COLONNES = ("periode_debut", "periode_fin", "indicateur", "modalite", "valeur", "unite")
DECIMALES = {"nb": 0, "pct": 1, "ratio": 1, "mois": 1, "eur": 2}


def format_valeur(valeur, unite: str) -> str:
    """Dot decimal; counts as integers, pct/ratio/mois with 1 decimal, eur with 2; NULL → empty."""
    if valeur is None:
        return ""
    places = DECIMALES[unite]
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(str(valeur)).quantize(quantum, rounding=ROUND_HALF_UP))


def indicateurs_csv(rows: Iterable[dict]) -> bytes:
    """`rows`: dicts with the contract's keys, already in output order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLONNES)
    for row in rows:
        writer.writerow([
            _iso(row["periode_debut"]), _iso(row["periode_fin"]), row["indicateur"], row["modalite"] or "",
            format_valeur(row["valeur"], row["unite"]), row["unite"],
        ])
    return buffer.getvalue().encode("utf-8")


def _iso(d) -> str:
    return d.isoformat() if isinstance(d, date) else str(d)


def temporaire(dest: Path) -> tuple[int, Path]:
    """A new empty file beside `dest` under an unpredictable name (`.<name>.<random>.tmp`, created with O_EXCL,
    mode 0600): a link planted under a name we would have used is never followed. (fd, path)."""
    fd, nom = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    return fd, Path(nom)


def write_atomic(path: Path, data: bytes) -> Path:
    """Write to a temporary sibling then rename: the previous file stays whole until the new one is."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temporaire(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def publish(staging: Path, out: Path) -> list[Path]:
    """Copy every file of a run's staging folder into `out` (same relative paths) in two phases: first each
    file beside its destination under a temporary name, then, once all are written, each renamed over the
    previous one. A failure while copying (a full disk) removes the temporary files and leaves every previous
    output as it was; only the renames, which do not write data, remain between two whole sets."""
    staging, out = Path(staging), Path(out)
    prets: list[tuple[Path, Path]] = []
    try:
        for source in sorted(p for p in staging.rglob("*") if p.is_file()):
            dest = out / source.relative_to(staging)
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = temporaire(dest)
            prets.append((tmp, dest))
            with os.fdopen(fd, "wb") as copie, open(source, "rb") as src:
                shutil.copyfileobj(src, copie, 1 << 20)
    except BaseException:
        for tmp, _ in prets:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, dest in prets:
        os.replace(tmp, dest)
    return [dest for _, dest in prets]
