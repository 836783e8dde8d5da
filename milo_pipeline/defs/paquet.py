"""The network package of the run (lib/reseau/paquet.py): written like a funder extract into the run's staging folder
(`reseau/<code>_<période>/`) and published with the other outputs by `publication`, so only when every blocking
check passed."""

from datetime import datetime

import dagster as dg

from ..lib.reseau import paquet
from .extraits import qualite_du_run
from .partitions import monthly, periode_du_run
from .resources import MiloSettings


@dg.asset(
    deps=[dg.AssetKey("indicateurs"), dg.AssetKey("agregats_reseau")], group_name="extraits",
    partitions_def=monthly, backfill_policy=dg.BackfillPolicy.single_run(), kinds={"csv", "json"},
    description="Le paquet réseau de la Mission Locale (`reseau/<code>_<période>/`) : `agregats.csv`, chaque ligne "
                "d'indicateurs.csv avec son agrégation, son numérateur et son dénominateur (non secrétisés, sans "
                "donnée individuelle, pour la consolidation du réseau), et `manifest.json` (structure, période, "
                "version du dictionnaire, qualité, SHA-256 des fichiers).",
)
def paquet_reseau(context: dg.AssetExecutionContext, milo: MiloSettings) -> dg.MaterializeResult:
    periode = periode_du_run(context)
    try:
        ecrit = paquet.ecrire_paquet(milo.warehouse, periode, qualite_du_run(context, milo), context.run_id,
                                     milo.staging(context.run_id), datetime.now().astimezone())
    except paquet.PaquetImpossible as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    chemin = milo.out / paquet.DOSSIER / ecrit.dossier.name
    return dg.MaterializeResult(metadata={
        "chemin": dg.MetadataValue.path(str(chemin)),
        "lignes": ecrit.lignes,
        "fichiers": dg.MetadataValue.md("\n".join(f"- `{nom}`" for nom in ecrit.fichiers)),
        "donnees_personnelles": "aucune : agrégats par période, indicateur et modalité",
    })
