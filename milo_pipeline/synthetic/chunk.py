"""One chunk of youths: its random stream, its calendar and the youths' drawn traits, which every
table of the chunk reads (jeunes.population draws them). The tables are drawn in the order of
generator.generate, from the same stream: evenements before reperage, dispositifs before
allocations and parrainages."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import jeunes
from .assumptions import export_date
from .calibration import SEED_ACCOMPANIED
from .sampling import day_of

if TYPE_CHECKING:
    from .structures import Structure


class Calendar:
    def __init__(self, year: int) -> None:
        self.year = year
        self.start = day_of(date(year, 1, 1))
        self.end = day_of(date(year, 12, 31))
        self.export = day_of(export_date(year))
        self.next_start = self.end + 1
        self.horizon = day_of(date(year + 1, 2, 28))  # last appointment already planned

    def bounds(self, year: int) -> tuple[int, int]:
        return day_of(date(year, 1, 1)), day_of(date(year, 12, 31))


class Chunk:
    """The rows of every table for one chunk of youths, drawn from one random stream."""

    def __init__(self, seed: int, index: int, accompanied: int, year: int, structure: Structure | None = None) -> None:
        self.rng = np.random.default_rng([seed, index])
        self.index = index
        self.structure = structure  # None: the default exports; else its ranges of ids and SIRET (structures.py)
        self.id_offset = structure.id_offset if structure else 0
        self.cal = Calendar(year)
        self.scale = accompanied / SEED_ACCOMPANIED
        # set by the tables that draw them, read by the tables drawn after
        self.event_youth = self.event_day = self.event_qualifying = None  # evenements -> reperage
        self.entries: pd.DataFrame | None = None  # dispositifs -> allocations, parrainages
        jeunes.population(self, accompanied)  # self.y, self.n, self.ids, self.accompanied

    def count(self, seed_count: float) -> int:
        return round(seed_count * self.scale)
