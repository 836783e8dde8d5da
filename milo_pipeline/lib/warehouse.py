"""Reading the warehouse: short read-only connections, closed at once (DuckDB has a single writer)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def read_frame(warehouse: Path, sql: str, params: dict | None = None) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or {}).df()


def read_rows(warehouse: Path, sql: str, params: dict | None = None) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql, params or {})
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
