"""The facts of the domain the indicators are built with, read from the dbt project (vars of dbt_project.yml):
the report names them as dbt does, never a copy of its own."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from milo_pipeline.lib.projet_dbt import dossier_projet


def var_dbt(nom: str) -> Any:
    """The var `nom` of the dbt project's dbt_project.yml."""
    return _vars(dossier_projet() / "dbt_project.yml")[nom]


def debut_cej() -> date:
    """The CEJ's launch, from which the `*_cumul` indicators count (var `cej_debut`)."""
    return date.fromisoformat(str(var_dbt("cej_debut")))


@cache
def _vars(chemin: Path) -> dict[str, Any]:
    with open(chemin, encoding="utf-8") as f:
        return yaml.safe_load(f)["vars"]
