"""Shared random draws and day arithmetic of the generator, vectorised with numpy (days are int64 day
numbers since 1970-01-01; NO_DATE is a missing day)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .assumptions import MONTH_WEIGHTS

NO_DATE = np.iinfo(np.int64).min  # a missing day number: NaT once cast to datetime64
OPEN = np.iinfo(np.int64).max  # "still in the programme" when comparing exit days
EPOCH = date(1970, 1, 1)


def day_of(d: date) -> int:
    return (d - EPOCH).days


def as_dates(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]")


def draw(rng: np.random.Generator, weights: dict, n: int) -> np.ndarray:
    """n values drawn from the keys of `weights` with probability proportional to the values."""
    p = np.array(list(weights.values()), dtype=float)
    return np.array(list(weights))[rng.choice(p.size, size=n, p=p / p.sum())]


def uniform(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A day drawn uniformly in [lo, hi] (element-wise)."""
    lo = np.asarray(lo, dtype=np.int64)
    return lo + (rng.random(lo.shape) * (np.asarray(hi) - lo + 1)).astype(np.int64)


def working_day(days: np.ndarray, lo: np.ndarray | int) -> np.ndarray:
    """Moves Saturdays and Sundays back to the Friday, never before lo."""
    weekday = (days + 3) % 7  # 0 = Monday: 1970-01-01 was a Thursday
    return np.maximum(days - np.maximum(weekday - 4, 0), lo)


def year_start(years: np.ndarray) -> np.ndarray:
    return (np.asarray(years) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def seasonal(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    """A working day of each given year, months weighted by the Mission Locale's seasonality."""
    months = rng.choice(12, size=years.size, p=MONTH_WEIGHTS / MONTH_WEIGHTS.sum())
    first = ((years - 1970) * 12 + months).astype("datetime64[M]")
    start = first.astype("datetime64[D]").astype(np.int64)
    length = (first + 1).astype("datetime64[D]").astype(np.int64) - start
    return working_day(start + (rng.random(years.size) * length).astype(np.int64), year_start(years))


def age_at(birth: np.ndarray, day: np.ndarray | int) -> np.ndarray:
    return ((np.asarray(day) - birth) / 365.2425).astype(np.int64)


def pick(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Indices of k items drawn without replacement, probability proportional to the weights."""
    positive = np.flatnonzero(weights > 0)
    k = min(int(k), positive.size)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    keys = np.log(weights[positive]) + rng.gumbel(size=positive.size)  # Gumbel top-k
    return np.sort(positive[np.argpartition(-keys, k - 1)[:k]])


def cell_weights(traits: np.ndarray, target: tuple[float, ...]) -> np.ndarray:
    """Sampling weights that give a sample with the target share of each boolean trait.

    Youths are grouped by their combination of traits; each group is weighted by its target
    probability (traits taken as independent) over its frequency.
    """
    m = traits.shape[1]
    cells = traits.astype(np.int64) @ (1 << np.arange(m))
    counts = np.bincount(cells, minlength=1 << m)
    bits = (np.arange(1 << m)[:, None] >> np.arange(m)) & 1
    wanted = np.prod(np.where(bits == 1, target, 1 - np.asarray(target)), axis=1)
    ratio = np.divide(wanted, counts, out=np.zeros(1 << m), where=counts > 0)
    return ratio[cells]


def split(total: int, weights) -> np.ndarray:
    """`total` split in proportion to the weights, rounded by largest remainder."""
    w = np.asarray(weights, dtype=float)
    raw = total * w / w.sum()
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(out - raw, kind="stable")[: total - out.sum()]] += 1
    return out


def pool_size(distinct: float, volumes: np.ndarray) -> int:
    """Pool from which programmes draw their entrants independently so as to reach `distinct` youths."""
    if distinct <= 0 or volumes.sum() <= 0:
        return 0
    pool = max(distinct, volumes.max())
    for _ in range(50):
        missed = np.prod(1 - np.minimum(1, volumes / pool))
        pool = distinct / (1 - missed)
    return round(pool)


def rank_in_group(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... within each group of rows made by `x.repeat(counts)`."""
    return np.arange(counts.sum()) - (np.cumsum(counts) - counts).repeat(counts)


def strings(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype=object)


def oui_non(flags: np.ndarray) -> np.ndarray:
    return np.where(flags, "Oui", "Non").astype(object)


def make_ids(base: int, chunk, n: int) -> np.ndarray:
    """Ids unique across chunks and structures: each chunk owns a block of 10^7 of the table's range (`base`),
    each structure a block of 10^10 (`chunk.id_offset`, 0 without a structure: structures.py)."""
    return (base + chunk.id_offset + chunk.index * 10_000_000 + np.arange(n)).astype(str).astype(object)


def spread(rng: np.random.Generator, pool: np.ndarray, youths: int, rows: int) -> np.ndarray:
    """`rows` rows over `youths` youths of the pool, each at least one."""
    who = pool[pick(rng, np.ones(pool.size), youths)]
    if who.size == 0:
        return who
    extra = np.bincount(rng.integers(0, who.size, max(rows - who.size, 0)), minlength=who.size)
    return who.repeat(1 + extra)
