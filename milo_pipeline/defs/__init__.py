"""Dagster definitions, one module per layer."""

import warnings

import dagster as dg

# BackfillPolicy.single_run() (one dbt build for a range of months) is flagged beta in this Dagster version.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
