"""Table contacts_entreprises: employers contacted, with valid (Luhn) SIRET numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .assumptions import CONTACT_TYPES, LAST_NAMES, LEGAL_FORMS, SIREN_SPREAD, TRADES
from .calibration import EMPLOYERS_CONTACTED, EMPLOYERS_DORMANT, EMPLOYERS_NEW
from .sampling import as_dates, draw, make_ids, uniform

if TYPE_CHECKING:
    from .chunk import Chunk


def table(chunk: Chunk) -> pd.DataFrame:
    """Employers first contacted before the year (some again in it), in it, or in January after."""
    rng, cal = chunk.rng, chunk.cal
    sizes = (chunk.count(EMPLOYERS_CONTACTED - EMPLOYERS_NEW), chunk.count(EMPLOYERS_DORMANT),
             chunk.count(EMPLOYERS_NEW), chunk.count(EMPLOYERS_NEW * 10 / 365))
    group = np.repeat(np.arange(4), sizes)  # old and active, old only, new in the year, new after
    m = group.size
    old = group < 2
    first = np.select(
        [old, group == 2],
        [uniform(rng, np.full(m, cal.start - 3 * 365), cal.start - 1), uniform(rng, np.full(m, cal.start),
                                                                                  cal.end)],
        uniform(rng, np.full(m, cal.next_start), cal.export),
    )
    more = np.where(group == 3, 0, rng.poisson(0.8, m))
    again = np.where(group == 0, 1 + rng.poisson(0.8, m), 0)  # contacts in the year of old employers
    previous = cal.bounds(cal.year - 1)[0]  # the year before: about as many employers contacted
    recall = np.where(old & (first < previous) & (rng.random(m) < 0.45), 1 + rng.poisson(0.5, m), 0)
    employer = np.concatenate([np.arange(m), np.arange(m).repeat(more), np.arange(m).repeat(again),
                               np.arange(m).repeat(recall)])
    last = np.where(old, cal.start - 1, cal.end)
    day = np.concatenate([
        first, uniform(rng, first.repeat(more), last.repeat(more)),
        uniform(rng, np.full(again.sum(), cal.start), cal.end),
        uniform(rng, np.full(recall.sum(), previous), cal.start - 1),
    ])
    # unique 8-digit numbers (a block per chunk) spread over the whole range, leading zeros included
    drawn = rng.permutation(100_000)[:m]
    if chunk.structure is None:
        serial = (chunk.index * 100_000 + drawn) * SIREN_SPREAD % 10**8
    else:  # its own block (structures.py); its employers in the order drawn
        serial = (chunk.structure.siren_block(chunk.index) + np.argsort(np.argsort(drawn))) * SIREN_SPREAD % 10**8
    siren = np.column_stack([_digits(serial, 8), _luhn_digit(_digits(serial, 8))])
    body = np.column_stack([siren, _digits(rng.integers(1, 100, m), 4)])
    siret = pd.Series(_join(np.column_stack([body, _luhn_digit(body)]))).astype(str).str.zfill(14)
    names = (pd.Series(np.array(LEGAL_FORMS)[rng.integers(0, len(LEGAL_FORMS), m)]) + " "
             + np.array(TRADES)[rng.integers(0, len(TRADES), m)] + " "
             + np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), m)]).str.strip()
    order = np.argsort(day, kind="stable")
    return pd.DataFrame({
        "id_contact": make_ids(500_000_000, chunk, day.size), "siret": siret.to_numpy()[employer[order]],
        "raison_sociale": names.to_numpy(dtype=object)[employer[order]], "date_contact": as_dates(day[order]),
        "type_contact": draw(rng, CONTACT_TYPES, day.size),
    })


def _luhn_digit(body: np.ndarray) -> np.ndarray:
    """The check digit completing each row of digits into a Luhn-valid number (SIREN, SIRET)."""
    doubled = body[:, ::-1][:, ::2] * 2
    total = (doubled - 9 * (doubled > 9)).sum(axis=1) + body[:, ::-1][:, 1::2].sum(axis=1)
    return (10 - total % 10) % 10


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    return (values[:, None] // 10 ** np.arange(width - 1, -1, -1)) % 10


def _join(digits: np.ndarray) -> np.ndarray:
    return (digits * 10 ** np.arange(digits.shape[1] - 1, -1, -1)).sum(axis=1)
