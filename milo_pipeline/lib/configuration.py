"""Settings read by Python from milo_pipeline/config/ that several outputs share, each file read once per process."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml

DOSSIER = Path(__file__).resolve().parent.parent / "config"


@functools.cache
def _lire(nom: str) -> dict:
    return yaml.safe_load((DOSSIER / nom).read_text(encoding="utf-8")) or {}


def mission_locale() -> dict:
    """config/mission_locale.yaml: the structure that publishes (name, short name, territory names); a copy the
    caller may change."""
    return copy.deepcopy(_lire("mission_locale.yaml"))
