"""Periods: what `--period 2024` or `--period 2024-03` and a Dagster partition window mean."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Periode:
    debut: date
    fin: date

    @property
    def is_annee(self) -> bool:
        return self.debut == date(self.debut.year, 1, 1) and self.fin == date(self.debut.year, 12, 31)

    @property
    def is_mois(self) -> bool:
        dernier = calendar.monthrange(self.debut.year, self.debut.month)[1]
        return self.debut.day == 1 and self.fin == self.debut.replace(day=dernier)

    @property
    def label(self) -> str:
        """`2024`, `2024-03`, or `2024-01-01_2024-03-31`: used in output file names."""
        if self.is_annee:
            return str(self.debut.year)
        if self.is_mois:
            return self.debut.strftime("%Y-%m")
        return f"{self.debut.isoformat()}_{self.fin.isoformat()}"

    def as_var(self) -> dict[str, str]:
        return {"debut": self.debut.isoformat(), "fin": self.fin.isoformat()}


def parse_period(text: str) -> Periode:
    """`2024` → the calendar year; `2024-03` → the month."""
    if m := re.fullmatch(r"(\d{4})", text.strip()):
        year = int(m.group(1))
        return Periode(date(year, 1, 1), date(year, 12, 31))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text.strip()):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return Periode(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))
    raise ValueError(f"période invalide : « {text} » (attendu AAAA pour une année ou AAAA-MM pour un mois)")


def from_window(start: date, end_exclusive: date) -> Periode:
    """The period covered by a partition window [start, end)."""
    return Periode(start, end_exclusive - timedelta(days=1))


def periods_to_compute(periode: Periode) -> list[Periode]:
    """A month is computed with its year to date (the monthly refresh); anything else alone."""
    if periode.is_mois and periode.debut.month > 1:
        return [periode, Periode(date(periode.debut.year, 1, 1), periode.fin)]
    return [periode]


def partition_keys(periode: Periode) -> tuple[str, str]:
    """First and last monthly partition keys (YYYY-MM-01) covering the period."""
    last = periode.fin.replace(day=1)
    return periode.debut.replace(day=1).isoformat(), last.isoformat()
