"""What the packages folder holds, read cheaply for the Dagster `reseau` group (its partitions and its sensor): each
candidate's structure code, period and manifest SHA-256, without verifying the package (lib/reseau/verification.py
does that, whole, before any row is used). A candidate whose manifest cannot say its code is left out here; the
consolidation refuses it by name."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..configuration import CODE_STRUCTURE
from ..periods import parse_period
from .consolidation import candidats
from .verification import MANIFEST

ENV_PAQUETS = "MILO_PAQUETS"


@dataclass(frozen=True)
class EntreePaquet:
    dossier: Path
    code: str
    periode: str
    manifest_sha256: str


def dossier_paquets(milo_home: Path) -> Path:
    """The packages folder of an installation: $MILO_PAQUETS, else MILO_HOME/paquets."""
    return Path(os.environ.get(ENV_PAQUETS) or Path(milo_home) / "paquets").absolute()


def inventaire(dossier: Path) -> list[EntreePaquet]:
    """Every candidate package whose manifest names a structure code and a period, by (code, period, folder)."""
    dossier = Path(dossier)
    if not dossier.is_dir():
        return []
    entrees = []
    for candidat in candidats(dossier):
        try:
            fd = os.open(candidat / MANIFEST, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            with os.fdopen(fd, "rb") as f:
                octets = f.read()
            manifest = json.loads(octets.decode("utf-8"))
            code, periode = manifest["structure"]["code"], manifest["periode"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(code, str) and CODE_STRUCTURE.fullmatch(code) and isinstance(periode, str):
            entrees.append(EntreePaquet(candidat, code, periode, hashlib.sha256(octets).hexdigest()))
    return sorted(entrees, key=lambda e: (e.code, e.periode, str(e.dossier)))


def derniere_periode(entrees: list[EntreePaquet]) -> str | None:
    """The latest period the packages are for (AAAA or AAAA-MM; the one ending last, the longer if two end
    together), None when there is none."""
    periodes = {}
    for e in entrees:
        try:
            periodes[e.periode] = parse_period(e.periode)
        except ValueError:
            continue
    if not periodes:
        return None
    return max(periodes, key=lambda label: (periodes[label].fin, -periodes[label].debut.toordinal()))
