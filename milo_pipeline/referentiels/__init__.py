"""Reference data built from official sources and shipped as dbt seeds (one script per referential)."""
