"""Table dispositifs: programme entries and exits, drawn period by period from a pool of youths."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from .assumptions import ENTRY_DELAY_DAYS, LONGEST_STAY, REENTRY_WEIGHT
from .calibration import CEJ_START, ENSEMBLE_DISTINCT, ENSEMBLE_TARGET, EXIT_MOTIFS, PROGRAMMES, Programme
from .sampling import NO_DATE, OPEN, age_at, as_dates, cell_weights, day_of, draw, pick, pool_size, uniform

if TYPE_CHECKING:
    from .chunk import Chunk


class _Window(NamedTuple):
    """Entries of a programme over one period (a year, or the first days of the year after)."""

    code: str
    first: int  # first and last possible entry day
    last: int
    latest_exit: int
    entries: float  # for SEED_ACCOMPANIED accompanied youths
    period: int
    programme: Programme


def table(chunk: Chunk) -> pd.DataFrame:
    """Programme entries by period: each period draws a pool of youths (the distinct
    beneficiaries, "Ensemble"), then each programme its entrants from the pool."""
    rng, cal, y = chunk.rng, chunk.cal, chunk.y
    windows = [w for p in PROGRAMMES for w in _windows(chunk, p)]
    report_entries = sum(w.entries for w in windows if w.period == cal.year)
    busy = {w.code: np.full(chunk.n, NO_DATE) for w in windows}  # last exit day, per programme and youth
    rows = []
    for period in sorted({w.period for w in windows}):
        in_period = [w for w in windows if w.period == period]
        if period > cal.year:  # January of the year after, up to the export
            p_lo, p_hi, distinct = cal.next_start, cal.export, 0.0
        else:
            p_lo, p_hi = cal.bounds(period)
            distinct = ENSEMBLE_DISTINCT * chunk.scale * sum(w.entries for w in in_period) / max(report_entries, 1)
        lo = np.maximum(p_lo, y["pa"])
        hi = np.minimum(p_hi, y["until"])
        candidates = np.flatnonzero((y["pa"] != NO_DATE) & (lo <= hi))
        traits = _traits(chunk, np.where(lo > p_lo, lo, (lo + hi) // 2))  # ~ the day of entry
        if distinct:
            size = pool_size(distinct, np.array([chunk.count(w.entries) for w in in_period], dtype=float))
            candidates = candidates[pick(rng, cell_weights(traits[candidates], ENSEMBLE_TARGET), size)]
        for w in in_period:
            left = busy[w.code][candidates]
            first = np.maximum.reduce([lo[candidates], np.full(candidates.size, w.first), left + 1])
            last = np.minimum(hi[candidates], w.last)
            again = np.where(left == NO_DATE, 1.0, REENTRY_WEIGHT)
            weights = cell_weights(traits[candidates], w.programme.target) * (first <= last) * again
            chosen = pick(rng, weights, chunk.count(w.entries))
            who = candidates[chosen]
            first, last = first[chosen], last[chosen]
            soon = np.minimum(first + rng.exponential(ENTRY_DELAY_DAYS, who.size).astype(np.int64), last)
            entry = np.where(first > max(p_lo, w.first), soon, uniform(rng, first, last))
            mean = w.programme.months * 30.44
            stay = np.ceil(np.minimum(rng.gamma(2.5, mean / 2.5, who.size), LONGEST_STAY * mean)).astype(np.int64)
            exit_day = np.minimum(entry + stay, w.latest_exit)
            still_in = exit_day > cal.export
            busy[w.code][who] = np.where(still_in, OPEN - 1, exit_day)
            motifs = EXIT_MOTIFS.get(w.code, EXIT_MOTIFS[""])
            rows.append(pd.DataFrame({
                "youth": who, "dispositif": w.code, "entree": entry,
                "sortie": np.where(still_in, NO_DATE, exit_day),
                "motif": np.where(still_in, None, draw(rng, motifs, who.size)).astype(object),
            }))
    entries = pd.concat(rows, ignore_index=True).sort_values(["youth", "entree"], kind="stable")
    chunk.entries = entries.reset_index(drop=True)
    return pd.DataFrame({
        "id_jeune": chunk.ids[chunk.entries["youth"]], "dispositif": chunk.entries["dispositif"],
        "date_entree": as_dates(chunk.entries["entree"]), "date_sortie": as_dates(chunk.entries["sortie"]),
        "motif_sortie": chunk.entries["motif"],
    })


def _windows(chunk: Chunk, p: Programme) -> list[_Window]:
    cal, year = chunk.cal, chunk.cal.year
    never = OPEN - 1
    if p.span == "autumn":
        last = day_of(date(year, 12, 20))
        return [_Window(p.code.format(year=year), day_of(date(year, 10, 1)), last, last, p.entries, year, p)]
    if p.span == "year":
        return [_Window(p.code.format(year=year), cal.start, cal.end, never, p.entries, year, p)]
    if p.span == "previous":  # last year's project: its year, then a few late entries
        lo, hi = cal.bounds(year - 1)
        code, gone = p.code.format(year=year - 1), day_of(date(year, 3, 31))
        main = next(q for q in PROGRAMMES if q.span == "year")
        return [_Window(code, lo, hi, gone, main.entries, year - 1, main),
                _Window(code, cal.start, day_of(date(year, 2, 28)), gone, p.entries, year, p)]
    cej = p.code == "CEJ"
    windows = []
    for period in range(min(year - 2, CEJ_START.year) if cej else year - 2, year + 2):
        lo, hi = cal.bounds(period) if period <= year else (cal.next_start, cal.export)
        lo = max(lo, day_of(CEJ_START)) if cej else lo
        if lo <= hi:  # the year after: its first days, up to the export
            volume = p.entries * (hi - lo + 1) / 365 * (p.earlier if period < year else 1.0)
            windows.append(_Window(p.code, lo, hi, never, volume, period, p))
    return windows


def _traits(chunk: Chunk, day: np.ndarray) -> np.ndarray:
    """Women, minors (at `day`), QPV, unqualified, ZRR, RQTH: the traits programmes are calibrated on."""
    y = chunk.y
    unqualified = np.isin(y["level"], ("VI", "V bis")) | ((y["level"] == "V") & ~y["diploma"])
    return np.column_stack([
        y["female"], age_at(y["birth"], day) < 18, pd.notna(y["qpv"]), unqualified, y["zrr"], y["rqth"] == "Oui",
    ])
