"""Tables parrainages and parrains: mentors, and one pairing per PARRAINAGE entry."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .assumptions import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES
from .calibration import FORMER_MENTORS, MENTORS, NEW_MENTORS, PAIRING_END, PAIRING_MEETINGS, RETIRED_MENTORS
from .sampling import as_dates, day_of, draw, make_ids, uniform

if TYPE_CHECKING:
    from .chunk import Chunk


def tables(chunk: Chunk) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mentors, and one pairing per PARRAINAGE entry (same youth, same dates)."""
    rng, cal = chunk.rng, chunk.cal
    n_active = max(1, chunk.count(MENTORS))
    n_new = min(chunk.count(NEW_MENTORS), n_active - 1)
    n_former = chunk.count(FORMER_MENTORS)
    joined = np.sort(np.concatenate([
        uniform(rng, np.full(n_active - n_new, cal.start - 8 * 365), cal.start - 3 * 365),
        uniform(rng, np.full(n_new, cal.start), day_of(date(cal.year, 6, 30))),
    ]))
    retired = np.zeros(n_active, dtype=bool)
    retired[rng.permutation(n_active)[: round(n_active * RETIRED_MENTORS / MENTORS)]] = True
    former_joined = uniform(rng, np.full(n_former, cal.start - 10 * 365), cal.start - 6 * 365)
    names = (np.char.upper(np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n_active + n_former)])
             .astype(object) + " " + np.array(FIRST_NAMES_F + FIRST_NAMES_M)[
                 rng.integers(0, 2 * len(FIRST_NAMES_F), n_active + n_former)])
    mentor_ids = make_ids(700_000_000, chunk, n_active + n_former)
    mentors = pd.DataFrame({
        "id_parrain": mentor_ids, "nom": names,
        "statut": np.concatenate([np.where(retired, "Retraité", "En activité"),
                                  draw(rng, {"Retraité": 0.7, "En activité": 0.3}, n_former)]),
        "date_entree": as_dates(np.concatenate([joined, former_joined])),
    })
    pairs = chunk.entries[chunk.entries["dispositif"] == "PARRAINAGE"]
    start = pairs["entree"].to_numpy()
    eligible = np.maximum(np.searchsorted(joined, start, side="right"), 1)  # mentors already there
    mentor = (rng.random(start.size) * eligible).astype(np.int64)
    # every current mentor has a pairing in the year: some of those begun after the last arrival
    everyone = np.flatnonzero((start > joined[-1]) & (start <= cal.end))
    everyone = everyone[rng.permutation(everyone.size)][:n_active]
    mentor[everyone] = rng.permutation(n_active)[: everyone.size]
    motif = np.where(pairs["motif"].isna(), None, pairs["motif"].map(PAIRING_END).fillna("Autre"))
    pairings = pd.DataFrame({
        "id_parrainage": make_ids(800_000_000, chunk, start.size), "id_jeune": chunk.ids[pairs["youth"]],
        "id_parrain": mentor_ids[mentor], "date_debut": as_dates(start), "date_fin": as_dates(pairs["sortie"]),
        "motif_fin": motif, "nb_entretiens": rng.poisson(PAIRING_MEETINGS, start.size),
    })
    return pairings, mentors
