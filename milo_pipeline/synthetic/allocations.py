"""Table allocations: PACEA and CEJ allowance payments."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .assumptions import CEJ_ALLOWANCE
from .calibration import PACEA_EXTRA_PAYMENTS, PACEA_FULL_MONTH, PACEA_FULL_MONTH_SHARE, PACEA_PARTIAL, PACEA_YOUTHS
from .sampling import NO_DATE, age_at, as_dates, rank_in_group, uniform

if TYPE_CHECKING:
    from .chunk import Chunk


def table(chunk: Chunk) -> pd.DataFrame:
    """PACEA allowances (one to three payments to some participants a year) and the monthly CEJ
    allowance, paid on the 5th for the month before."""
    rng, cal, e = chunk.rng, chunk.cal, chunk.entries
    pacea = e[e["dispositif"] == "PACEA"]
    end = np.where(pacea["sortie"] == NO_DATE, cal.export, pacea["sortie"])
    frames = []
    for period in (cal.year - 1, cal.year, cal.year + 1):
        lo, hi = cal.bounds(period)
        k = chunk.count(PACEA_YOUTHS)
        if period > cal.year:
            hi, k = cal.export, round(k * 0.05)
        live = np.flatnonzero((pacea["entree"].to_numpy() <= hi) & (end >= lo))
        live = live[rng.permutation(live.size)]
        _, first = np.unique(pacea["youth"].to_numpy()[live], return_index=True)
        rows = live[np.sort(first)][:k]
        payments = 1 + rng.binomial(*PACEA_EXTRA_PAYMENTS, rows.size) if period <= cal.year else np.ones(
            rows.size, np.int64)
        row = rows.repeat(payments)
        amount = np.where(rng.random(row.size) < PACEA_FULL_MONTH_SHARE, PACEA_FULL_MONTH,
                          np.round(rng.uniform(*PACEA_PARTIAL, row.size), 2))
        day = uniform(rng, np.maximum(pacea["entree"].to_numpy()[row], lo), np.minimum(end[row], hi))
        frames.append(pd.DataFrame({"youth": pacea["youth"].to_numpy()[row], "dispositif": "PACEA",
                                    "day": day, "montant": amount}))
    cej = e[e["dispositif"] == "CEJ"]
    first_month = as_dates(cej["entree"]).astype("datetime64[M]").astype(np.int64) + 1
    last_day = np.where(cej["sortie"] == NO_DATE, cal.export, cej["sortie"])
    months = np.maximum(as_dates(last_day).astype("datetime64[M]").astype(np.int64) - first_month + 1, 0)
    row = np.arange(len(cej)).repeat(months)
    month = first_month[row] + rank_in_group(months)
    youth = cej["youth"].to_numpy()[row]
    minor = age_at(chunk.y["birth"][youth], cej["entree"].to_numpy()[row]) < 18
    full = np.where(minor, CEJ_ALLOWANCE[1], CEJ_ALLOWANCE[0])
    cut = rng.random(row.size) < 0.2  # absences, sanctions
    amount = np.round(np.where(cut, full * rng.uniform(0.3, 0.95, row.size), full), 2)
    day = month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + 4
    frames.append(pd.DataFrame({"youth": youth, "dispositif": "CEJ", "day": day, "montant": amount}))
    pay = pd.concat(frames, ignore_index=True).sort_values(["day", "youth"], kind="stable")
    return pd.DataFrame({
        "id_jeune": chunk.ids[pay["youth"]], "dispositif": pay["dispositif"].to_numpy(),
        "date_paiement": as_dates(pay["day"]), "montant": pay["montant"].to_numpy(),
    })
