"""One monthly partitioning shared by every asset: a run covers a month or a range of months."""

import dagster as dg

monthly = dg.MonthlyPartitionsDefinition(start_date="2022-01-01", timezone="Europe/Paris", end_offset=0)
