"""Table situations: jobs, immersions (PMSMP), volunteering, training, school, job seeking."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .assumptions import APPRENTICESHIP_SHARE, CONTRACT_DAYS, EMPLOYMENT
from .calibration import (
    CIVIC_SERVICE,
    EMPLOYMENT_SHARE,
    IMMERSION_YOUTHS,
    OTHER_IMMERSIONS,
    OTHER_VOLUNTEERING,
    PMSMP,
    VOLUNTEERING_YOUTHS,
)
from .sampling import NO_DATE, age_at, as_dates, draw, pick, spread, uniform, working_day

if TYPE_CHECKING:
    from .chunk import Chunk


def table(chunk: Chunk) -> pd.DataFrame:
    rng, cal, y = chunk.rng, chunk.cal, chunk.y
    adult = age_at(y["birth"], cal.start) >= 18
    frames = []
    for offset in (-1, 0, 1):
        period = cal.year + offset
        if offset == 1:  # immersions already signed for January-February
            lo_p, hi_p = cal.next_start, cal.horizon
        else:
            lo_p, hi_p = cal.bounds(period)
        lo = np.maximum(lo_p, y["pa"])
        hi = np.minimum(hi_p, y["until"])
        pool = np.flatnonzero((y["pa"] != NO_DATE) & (lo <= hi))
        if offset == 0:
            pool = pool[chunk.accompanied[pool]]
        ratio = 59 / 365 if offset == 1 else 1.0
        signed = PMSMP.get(offset, PMSMP[0]) * ratio
        pmsmp = chunk.count(signed)
        immersions = pmsmp + chunk.count(OTHER_IMMERSIONS * ratio)
        youths = chunk.count(IMMERSION_YOUTHS * signed / PMSMP[0])
        rows = spread(rng, pool, youths, immersions)
        kinds = np.full(rows.size, "PMSMP", dtype=object)
        kinds[rng.permutation(rows.size)[pmsmp:]] = "Immersion en entreprise"
        frames.append(_rows(chunk, rows, kinds, None, lo, hi))
        if offset == 1:
            continue
        civic = chunk.count(CIVIC_SERVICE[offset])
        rows = spread(rng, pool, chunk.count(VOLUNTEERING_YOUTHS), civic + chunk.count(OTHER_VOLUNTEERING))
        contract = np.full(rows.size, "Autre mission", dtype=object)
        contract[rng.permutation(rows.size)[:civic]] = "Service civique"
        contract[(contract == "Autre mission") & (rng.random(rows.size) < 0.2)] = None
        frames.append(_rows(chunk, rows, "Contrat de volontariat - bénévolat", contract, lo, hi))
        workers = pool[pick(rng, np.where(adult[pool], 2.0, 1.0), round(EMPLOYMENT_SHARE * pool.size))]
        rows = workers.repeat(1 + rng.poisson(0.5, workers.size))
        apprentice = rng.random(rows.size) < APPRENTICESHIP_SHARE
        contract = np.where(apprentice, None, draw(rng, EMPLOYMENT, rows.size)).astype(object)
        frames.append(_rows(chunk,
            rows, np.where(apprentice, "Contrat en alternance", "Emploi"), contract, lo, hi))
        for categorie, share, who in (
            ("Formation", 0.22, pool), ("Scolarité", 0.10, pool[~adult[pool]]),
            ("Demandeur d'emploi", 0.20, pool[adult[pool]]),
        ):
            rows = who[rng.random(who.size) < share]
            frames.append(_rows(chunk, rows, categorie, None, lo, hi))
    s = pd.concat(frames, ignore_index=True).sort_values(["youth", "debut"], kind="stable")
    etat = np.where(s["debut"] > cal.export, "PREVU",
                    np.where((s["fin"] == NO_DATE) | (s["fin"] >= cal.export), "EN_COURS", "TERMINE"))
    return pd.DataFrame({
        "id_jeune": chunk.ids[s["youth"]], "categorie": s["categorie"].to_numpy(),
        "type_contrat": s["type_contrat"].to_numpy(), "date_debut": as_dates(s["debut"]),
        "date_fin": as_dates(s["fin"]), "etat": etat,
    })


def _rows(chunk: Chunk, rows, categorie, contract, lo, hi) -> pd.DataFrame:
    rng = chunk.rng
    categorie = np.broadcast_to(np.asarray(categorie, dtype=object), rows.shape)
    key = np.where(pd.isna(contract), categorie, contract) if contract is not None else categorie
    key = pd.Series(key, dtype=object)
    start = working_day(uniform(rng, lo[rows], hi[rows]), lo[rows])
    shortest, longest = ({k: v[i] for k, v in CONTRACT_DAYS.items()} for i in (0, 1))
    end = start + uniform(rng, key.map(shortest).to_numpy(np.int64), key.map(longest).to_numpy(np.int64))
    open_ended = (key == "CDI") & (rng.random(rows.size) < 0.85)
    return pd.DataFrame({
        "youth": rows, "categorie": categorie, "type_contrat": contract,
        "debut": start, "fin": np.where(open_ended, NO_DATE, end),
    })
