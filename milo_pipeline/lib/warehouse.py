"""The warehouse engine: its limits (config/entrepot.yaml), and short read-only connections closed at once
(DuckDB has a single writer)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from .periods import MOTIF_DATE

CONFIG = Path(__file__).resolve().parent.parent / "config" / "entrepot.yaml"


@dataclass(frozen=True)
class Limites:
    memoire_max: str  # a DuckDB size, e.g. "3GB"
    threads: int  # 0: DuckDB's default (one per core)

    def settings(self) -> dict[str, str | int]:
        """DuckDB settings (`SET name = value`, or a dbt-duckdb profile's `settings`)."""
        return {"memory_limit": self.memoire_max, **({"threads": self.threads} if self.threads else {})}

    def environ(self) -> dict[str, str]:
        """The same, as the environment dbt_project/profiles.yml reads."""
        return {"MILO_DUCKDB_MEMORY_LIMIT": self.memoire_max,
                "MILO_DUCKDB_THREADS": str(self.threads or os.cpu_count() or 1)}


@cache
def limites(path: Path = CONFIG) -> Limites:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return Limites(memoire_max=str(data.get("memoire_max", "3GB")).replace(" ", ""),
                   threads=int(data.get("threads", 0)))


def appliquer_limites(con: duckdb.DuckDBPyConnection) -> None:
    for name, value in limites().settings().items():
        con.execute(f"SET {name} = '{value}'")


def read_frame(warehouse: Path, sql: str, params: dict | None = None) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or {}).df()


def read_rows(warehouse: Path, sql: str, params: dict | None = None) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql, params or {})
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# Reads of a built warehouse that several outputs share (the one place for their SQL).

def lire_indicateurs(warehouse: Path) -> list[dict]:
    """The mart `indicateurs` (every period of the run), in output order."""
    return read_rows(warehouse, "select * from main.indicateurs "
                                "order by periode_debut, periode_fin, ordre, modalite_ordre, modalite")


def lire_dictionnaire(warehouse: Path) -> list[dict]:
    """The indicator dictionary the warehouse was built with (seed `indicateurs_dictionnaire`), in display order."""
    return read_rows(warehouse, "select * from main.indicateurs_dictionnaire order by ordre")


def lire_programmes(warehouse: Path) -> list[dict]:
    """The programme catalogue (seed `programmes`), in display order."""
    return read_rows(warehouse, "select * from main.programmes order by ordre")


def lire_vocabulaires(warehouse: Path) -> list[dict]:
    """Every modality of every breakdown (`int_vocabulaires`)."""
    return read_rows(warehouse, "select * from main.int_vocabulaires")


def lire_evenements_saisis(warehouse: Path) -> list[dict]:
    """The events the Mission Locale entered by hand (`stg_saisies__evenements`)."""
    return read_rows(warehouse, "select * from main.stg_saisies__evenements")


def date_exports(warehouse: Path) -> date | None:
    """The exports' date: the latest AAAA-MM-JJ in the names of the files loaded (raw._fichiers)."""
    valeur = read_rows(warehouse, "select max(regexp_extract(fichier, $motif)) as d from raw._fichiers",
                       {"motif": MOTIF_DATE})[0]["d"]
    return date.fromisoformat(valeur) if valeur else None


def fichiers_exports(warehouse: Path) -> tuple[tuple[str, str], ...]:
    """(file name, SHA-256) of every export file loaded, by name."""
    return tuple((r["fichier"], r["sha256"])
                 for r in read_rows(warehouse, "select fichier, sha256 from raw._fichiers order by fichier"))
