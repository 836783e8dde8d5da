"""What a run sends, recorded in the register of diffusion (lib/registre.py) together with its publication."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

import duckdb

from . import registre
from .outputs import publish


def preparer_rapport_public(warehouse: Path, run_id: str, lignes: Iterable[Mapping]) -> list[dict]:
    """The rows of `indicateurs` as the masked table has them, every cell of which the public report shows (its PDF
    and its web page, rendered from the same context: the page adds no cell): they enter the register when the run
    publishes (`publier`)."""
    with duckdb.connect(str(warehouse)) as con:
        masquees = registre.lignes_secretisees(con, lignes)
        registre.preparer_envoi(con, run_id, "rapport_public", masquees)
    return masquees


def publier(warehouse: Path, run_id: str, staging: Path, out: Path, publie_le: datetime) -> tuple[int, list[Path]]:
    """Publishes the run's staged outputs (the CSV, each report's PDF and web page, the extracts) into `out`
    (`outputs.publish`, all or nothing) and records the cells they
    send in the register, in one transaction rolled back if the publication fails. Returns the number of cells
    recorded and the files published; PublicationImpossible (French message) when nothing could be published."""
    with duckdb.connect(str(warehouse)) as con:
        con.begin()
        try:
            enregistrees = registre.enregistrer(con, run_id, publie_le)
            publiees = publish(staging, out)
        except BaseException:
            con.rollback()
            raise
        con.commit()
    return enregistrees, publiees
