"""Jobs of the data team. Every asset shares the monthly partitioning and `BackfillPolicy.single_run()`:
a run covers one month or a range of months, and a range is always one run (one `dbt build`)."""

import dagster as dg

from .partitions import monthly

# every asset of a Mission Locale's run: the network's group (defs/reseau.py) has its own partitions and sensor
MISSION_LOCALE = dg.AssetSelection.all() - dg.AssetSelection.groups("reseau")

tout = dg.define_asset_job(
    "tout",
    selection=MISSION_LOCALE,
    partitions_def=monthly,
    description="Toute la chaîne (ingestion, dbt, contrôles, indicateurs, rapport, publication) pour un mois — "
                "calculé avec le cumul de l'année — ou pour une plage de mois. C'est le job du rafraîchissement "
                "mensuel, du capteur des exports déposés et de la ligne de commande.",
)

rapport_annuel = dg.define_asset_job(
    "rapport_annuel",
    selection=MISSION_LOCALE,
    partitions_def=monthly,
    description="Le rapport annuel d'une année : « Materialize all », partitions `[AAAA-01-01...AAAA-12-01]`, "
                "« Launch backfill ». Les 12 mois s'exécutent en un seul run, qui produit "
                "`rapport_activite_AAAA.pdf` et les indicateurs de l'année.",
)

JOBS = [tout, rapport_annuel]
