"""Table evenements: the events of the youths (interviews, workshops, calls...), around the year."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .assumptions import (
    BESANCON_SITES,
    BOUNDARY_YOUTHS,
    EVENTS_PER_YOUTH,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    LAST_NAMES,
    NATURES,
    QUALIFYING,
    REMOTE,
    STAFF_PER_SEED,
    STATUS_IN_PERSON,
    STATUS_MISSED,
    STATUS_REMOTE,
)
from .jeunes import NEXT, PAST, REGISTERED, RETURNING
from .sampling import draw, make_ids, uniform, working_day

if TYPE_CHECKING:
    from .jeunes import Chunk


def table(chunk: Chunk) -> pd.DataFrame:
    """Events of the year (at least one qualifying one for every accompanied youth, none for the
    others), of the year before (at the same rate, at least one qualifying one for every youth
    followed then: returning youths and older dossiers still active, so that year's figures are of
    the same order), and of January-February of the year after."""
    rng, cal, y, kind = chunk.rng, chunk.cal, chunk.y, chunk.y["kind"]
    pa = y["pa"]
    acc = np.flatnonzero(chunk.accompanied)
    exposure = (cal.end - np.maximum(cal.start, pa[acc]) + 1) / 365
    rate = (EVENTS_PER_YOUTH - 1) * acc.size / max(exposure.sum(), 1e-9)  # events a youth-year
    month = rate / 12
    returning = np.flatnonzero(kind == RETURNING)
    previous = cal.bounds(cal.year - 1)[0]  # the year before: returning youths, older dossiers still active
    before = np.flatnonzero(np.isin(kind, (RETURNING, PAST)) & (pa < cal.start) & (y["until"] >= previous))
    before_lo, before_hi = np.maximum(previous, pa[before]), np.minimum(cal.start - 1, y["until"][before])
    past = np.flatnonzero(kind == PAST)
    busy_past = past[rng.random(past.size) < 0.35]
    nxt = np.flatnonzero(kind == NEXT)
    registered = np.flatnonzero(kind == REGISTERED)
    no_show = registered[rng.random(registered.size) < 0.3]
    n_boundary = min(chunk.count(BOUNDARY_YOUTHS) or 1, returning.size, past.size)
    inside = rng.choice(returning, n_boundary, replace=False)  # accompanied at 23:30 on 31/12
    outside = rng.choice(past, n_boundary, replace=False)  # not accompanied: 31/12 of year-1 and 01/01

    def poisson(mean, size):
        return rng.poisson(mean * rng.gamma(2.0, 0.5, size))

    segments = [  # youths, first day, last day, counts, only non-qualifying, first row forced
        (acc, np.maximum(cal.start, pa[acc]), cal.end, 1 + poisson(rate * exposure, acc.size), False, True),
        (before, before_lo, before_hi, 1 + poisson(rate * (before_hi - before_lo + 1) / 365, before.size),
         False, True),
        (acc, cal.next_start, cal.horizon, poisson(month * 1.2, acc.size), False, False),
        (nxt, pa[nxt], cal.horizon, 1 + poisson(month * 1.5, nxt.size), False, True),
        (busy_past, cal.start, cal.end, 1 + rng.poisson(1.0, busy_past.size), True, False),
        (no_show, y["inscription"][no_show], y["inscription"][no_show] + 20, np.ones(no_show.size, np.int64),
         True, False),
    ]
    youth = np.concatenate([s[0].repeat(s[3]) for s in segments])
    lo = np.concatenate([np.broadcast_to(s[1], s[0].shape).repeat(s[3]) for s in segments])
    hi = np.concatenate([np.broadcast_to(s[2], s[0].shape).repeat(s[3]) for s in segments])
    missed = np.concatenate([np.full(s[3].sum(), s[4]) for s in segments])
    starts = np.cumsum([0] + [int(s[3].sum()) for s in segments])
    first_rows = np.concatenate([
        start + np.cumsum(s[3]) - s[3] for s, start in zip(segments, starts, strict=False)
        if s[5] and s[0].size
    ] or [np.empty(0, np.int64)]).astype(np.int64)
    missed |= np.isin(youth, inside) & (np.arange(youth.size) < starts[1])
    day = working_day(uniform(rng, lo, hi), lo)
    minute = 510 + 15 * rng.integers(0, 38, youth.size)  # 08:30 to 17:45

    nature = draw(rng, NATURES, youth.size)
    status = np.where(np.isin(nature, REMOTE), draw(rng, STATUS_REMOTE, youth.size),
                      draw(rng, STATUS_IN_PERSON, youth.size)).astype(object)
    fix = missed & np.isin(nature, QUALIFYING) & (status == "Présent")
    status[fix] = draw(rng, STATUS_MISSED, int(fix.sum()))
    status[day > cal.export] = "Planifié"
    # the forced rows: first welcomes on their day (first row of a segment starting on it), one
    # qualifying event for the other youths
    welcomed = pa[youth[first_rows]] == lo[first_rows]
    day[first_rows[welcomed]] = pa[youth[first_rows[welcomed]]]
    nature[first_rows] = "Entretien individuel"
    status[first_rows] = "Présent"
    edge = first_rows[np.isin(youth[first_rows], inside)]
    day[edge], minute[edge] = cal.end, 23 * 60 + 30
    # boundary rows of youths not accompanied in the year
    youth = np.concatenate([youth, outside, outside])
    day = np.concatenate([day, np.full(n_boundary, cal.start - 1), np.full(n_boundary, cal.next_start)])
    minute = np.concatenate([minute, np.full(n_boundary, 23 * 60 + 30), np.full(n_boundary, 15)])
    nature = np.concatenate([nature, np.full(2 * n_boundary, "Entretien individuel")])
    status = np.concatenate([status, np.full(2 * n_boundary, "Présent", dtype=object)])

    staff = _staff(chunk)
    referent = rng.integers(0, staff.size, chunk.n)
    counsellor = np.where(rng.random(youth.size) < 0.85, referent[youth], rng.integers(0, staff.size, youth.size))
    sites = np.array([*BESANCON_SITES, "Baume-les-Dames", "Ornans"], dtype=object)
    site = np.where(rng.random(youth.size) < 0.9, y["site"][youth], sites[rng.integers(0, sites.size, youth.size)])
    stamp = day * 86_400 + minute * 60
    order = np.lexsort((youth, stamp))
    chunk.event_youth, chunk.event_day = youth[order], day[order]
    chunk.event_qualifying = (np.isin(nature, QUALIFYING) & (status == "Présent"))[order]
    return pd.DataFrame({
        "id_evenement": make_ids(100_000_000, chunk, youth.size), "id_jeune": chunk.ids[youth[order]],
        "date_evenement": stamp[order].astype("datetime64[s]"), "nature": nature[order],
        "statut": status[order], "conseiller": staff[counsellor[order]], "site": site[order],
    })


def _staff(chunk: Chunk) -> np.ndarray:
    n = max(3, chunk.count(STAFF_PER_SEED))
    first = np.array(FIRST_NAMES_F + FIRST_NAMES_M)[chunk.rng.integers(0, 2 * len(FIRST_NAMES_F), n)]
    return (np.char.upper(np.array(LAST_NAMES)[chunk.rng.integers(0, len(LAST_NAMES), n)]).astype(object)
            + " " + first)
