"""Table reperage: outreach contacts, spotted and remobilised youths."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .assumptions import OUTREACH_CANALS
from .calibration import OUTREACH_CONTACTS, OUTREACH_REMOBILISED, OUTREACH_SPOTTED, OUTREACH_SPOTTED_CANALS
from .jeunes import NEW, NEXT, REGISTERED
from .sampling import as_dates, draw, make_ids, oui_non, pick, split, uniform

if TYPE_CHECKING:
    from .jeunes import Chunk


def table(chunk: Chunk) -> pd.DataFrame:
    """Outreach contacts: the spotted youths who then registered and came to at least three
    qualifying events are the remobilised ones."""
    rng, cal, y = chunk.rng, chunk.cal, chunk.y
    n = chunk.count(OUTREACH_CONTACTS)
    spotted = chunk.count(OUTREACH_SPOTTED)
    canal = np.concatenate([
        np.repeat(list(OUTREACH_SPOTTED_CANALS), split(spotted, list(OUTREACH_SPOTTED_CANALS.values()))),
        draw(rng, OUTREACH_CANALS, n - spotted),
    ]).astype(object)
    is_spotted = np.arange(n) < spotted
    day = uniform(rng, np.full(n, cal.start), cal.end)
    youth = np.full(n, -1)
    # remobilised: first welcomed in the year, >= 3 qualifying events from the first welcome on
    in_year = (chunk.event_day >= cal.start) & (chunk.event_day <= cal.end) & chunk.event_qualifying
    attended = np.bincount(chunk.event_youth[in_year], minlength=chunk.n)
    new = (y["kind"] == NEW) & (y["pa"] > cal.start + 45)
    able = np.flatnonzero(new & (attended >= 3))
    remobilised = able[pick(rng, np.ones(able.size), chunk.count(OUTREACH_REMOBILISED))]
    rows = rng.permutation(spotted)[: remobilised.size]
    youth[rows] = remobilised
    day[rows] = y["pa"][remobilised] - rng.integers(1, 45, remobilised.size)
    # spotted, registered but not (yet) remobilised: welcomed in January, or never
    later = np.flatnonzero(np.isin(y["kind"], (NEXT, REGISTERED)))
    later = later[pick(rng, np.ones(later.size), round(spotted * 0.15))]
    rows = np.setdiff1d(np.arange(spotted), rows)[rng.permutation(spotted - remobilised.size)][: later.size]
    youth[rows] = later
    day[rows] = np.clip(y["inscription"][later] - rng.integers(1, 30, later.size), cal.start, cal.end)
    # already known, registered after the contact
    known = np.flatnonzero(new & ~np.isin(np.arange(chunk.n), remobilised))
    known = known[pick(rng, np.ones(known.size), round((n - spotted) * 0.05))]
    rows = spotted + rng.permutation(n - spotted)[: known.size]
    youth[rows] = known
    day[rows] = y["pa"][known] - rng.integers(1, 30, known.size)
    # the year before, and the first days of the year after
    before, after = chunk.count(OUTREACH_CONTACTS * 0.9), chunk.count(OUTREACH_CONTACTS * 15 / 365)
    extra = before + after
    previous = cal.bounds(cal.year - 1)[0]
    canal = np.concatenate([canal, draw(rng, OUTREACH_CANALS, extra)])
    spotted_before = rng.random(extra) < OUTREACH_SPOTTED / OUTREACH_CONTACTS
    extra_day = np.concatenate([uniform(rng, np.full(before, previous), cal.start - 1),
                                uniform(rng, np.full(after, cal.next_start), cal.export)])
    extra_youth = np.full(extra, -1)
    # remobilised the year before: first welcomed then, >= 3 qualifying events that year
    in_before = (chunk.event_day >= previous) & (chunk.event_day < cal.start) & chunk.event_qualifying
    attended = np.bincount(chunk.event_youth[in_before], minlength=chunk.n)
    able = np.flatnonzero((y["pa"] > previous + 45) & (y["pa"] < cal.start) & (attended >= 3))
    remobilised = able[pick(rng, np.ones(able.size), chunk.count(OUTREACH_REMOBILISED))]
    rows = rng.permutation(np.flatnonzero(spotted_before[:before]))[: remobilised.size]
    remobilised = remobilised[: rows.size]
    extra_youth[rows] = remobilised
    extra_day[rows] = y["pa"][remobilised] - rng.integers(1, 45, remobilised.size)
    is_spotted = np.concatenate([is_spotted, spotted_before])
    day = np.concatenate([day, extra_day])
    youth = np.concatenate([youth, extra_youth])
    order = np.argsort(day, kind="stable")
    return pd.DataFrame({
        "id_contact": make_ids(300_000_000, chunk, day.size), "date_contact": as_dates(day[order]),
        "canal": canal[order], "repere": oui_non(is_spotted[order]),
        "id_jeune": np.where(youth[order] >= 0, chunk.ids[np.maximum(youth[order], 0)], None),
    })
