"""One monthly partitioning shared by every asset: a run covers a month or a range of months. It starts at the
first month of the history (config/periodes.yaml, read by lib/periods.py)."""

import dagster as dg

from ..lib.periods import debut_historique

monthly = dg.MonthlyPartitionsDefinition(start_date=debut_historique().isoformat(), timezone="Europe/Paris",
                                         end_offset=0)
