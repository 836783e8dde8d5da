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


class PublicationImpossible(Exception):
    """The outputs of a run could not all be published: nothing was (the previous outputs are as they were), or,
    if even restoring them failed, exactly which files are in which state."""


def _verifier_destination(dest: Path, out: Path) -> str | None:
    """Why `dest` cannot be replaced, found before anything is touched (None: nothing against it)."""
    dossier = dest.parent
    while not dossier.exists() and dossier != out.parent:
        dossier = dossier.parent
    if not dossier.is_dir():
        return f"{dossier} n'est pas un dossier"
    if not os.access(dossier, os.W_OK | os.X_OK):
        return f"dossier {dossier} non modifiable"
    if os.path.lexists(dest) and not dest.is_symlink() and not dest.is_file():
        return "un dossier (ou un fichier spécial) occupe ce nom"
    return None


def publish(staging: Path, out: Path) -> list[Path]:
    """Publish every file of a run's staging folder into `out` (same relative paths), all or nothing:

    1. every destination is checked (its folder writable, no folder in the way) before anything is touched;
    2. each file is copied beside its destination under a temporary name (a full disk fails here);
    3. each previous file is moved aside under a temporary name, then the new one renamed into place; if any
       rename fails (a file locked by a spreadsheet on a network share, an immutable file), the files already
       replaced are put back and the previous set is restored;
    4. the previous files set aside are removed.
    No temporary file stays in `out`, whatever happens. Raises PublicationImpossible with a French message."""
    staging, out = Path(staging), Path(out)
    sources = sorted(p for p in staging.rglob("*") if p.is_file())
    destinations = [out / p.relative_to(staging) for p in sources]
    if problemes := [f"{d} : {pb}" for d in destinations if (pb := _verifier_destination(d, out))]:
        raise PublicationImpossible("Publication impossible, rien n'a été publié (les sorties précédentes sont "
                                    "inchangées) :\n  " + "\n  ".join(problemes))
    prets: list[tuple[Path, Path]] = []
    try:
        for source, dest in zip(sources, destinations, strict=True):
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = temporaire(dest)
            prets.append((tmp, dest))
            with os.fdopen(fd, "wb") as copie, open(source, "rb") as src:
                shutil.copyfileobj(src, copie, 1 << 20)
    except OSError as exc:
        for tmp, _ in prets:
            tmp.unlink(missing_ok=True)
        raise PublicationImpossible(f"Publication impossible, rien n'a été publié (les sorties précédentes sont "
                                    f"inchangées) : écriture de {prets[-1][1] if prets else out} : "
                                    f"{exc.strerror or exc}") from None
    remplaces: list[tuple[Path, Path | None]] = []  # (destination, previous file set aside, or None)
    reserve = None  # the name reserved for the previous file being set aside
    try:
        for tmp, dest in prets:
            ancien = None
            if os.path.lexists(dest):
                fd, reserve = temporaire(dest)
                os.close(fd)
                os.replace(dest, reserve)
                ancien, reserve = reserve, None
            remplaces.append((dest, ancien))
            os.replace(tmp, dest)
    except OSError as exc:
        echec = f"{dest} : {exc.strerror or exc}"
        if reserve is not None:
            reserve.unlink(missing_ok=True)
        non_restaures = _restaurer(remplaces)
        for tmp, _ in prets:
            tmp.unlink(missing_ok=True)
        if non_restaures:
            raise PublicationImpossible(
                f"Publication interrompue ({echec}) et restauration incomplète : ces sorties ne sont pas celles "
                "d'avant le run :\n  " + "\n  ".join(non_restaures)) from None
        raise PublicationImpossible(f"Publication impossible, rien n'a été publié : {echec}. Les {len(remplaces)} "
                                    "fichier(s) déjà remplacé(s) ont été restaurés ; les sorties précédentes sont "
                                    "inchangées.") from None
    for _, ancien in remplaces:
        if ancien is not None:
            ancien.unlink(missing_ok=True)
    return destinations


def _restaurer(remplaces: list[tuple[Path, Path | None]]) -> list[str]:
    """Put back the previous files (in reverse order); what could not be put back."""
    echecs = []
    for dest, ancien in reversed(remplaces):
        try:
            if ancien is None:
                if os.path.lexists(dest):
                    dest.unlink()
            elif os.path.lexists(ancien):
                os.replace(ancien, dest)
        except OSError as exc:
            echecs.append(f"{dest} : {exc.strerror or exc} (ancienne version : {ancien})")
    return echecs
