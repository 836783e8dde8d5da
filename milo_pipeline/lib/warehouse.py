"""The warehouse engine: its limits (config/entrepot.yaml), and short read-only connections closed at once
(DuckDB has a single writer)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import yaml

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
