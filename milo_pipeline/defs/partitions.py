"""One monthly partitioning shared by every asset: a run covers a month or a range of months. It starts at the
first month of the history (config/periodes.yaml, read by lib/periods.py)."""

import dagster as dg

from ..lib.periods import FUSEAU, Periode, debut_historique, from_window

monthly = dg.MonthlyPartitionsDefinition(start_date=debut_historique().isoformat(), timezone=FUSEAU, end_offset=0)


def periode_du_run(context: dg.AssetExecutionContext) -> Periode:
    """The period a run covers: its partition window (one month or a range of months)."""
    window = context.partition_time_window
    return from_window(window.start.date(), window.end.date())
