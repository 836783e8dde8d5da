"""Funder extracts: one asset per file of config/financeurs/, each a selection of the table masked once by
`secret_statistique` (defs/secret.py), written into the run's staging folder (`extraits/<financeur>/<période>/`)
and published with the other outputs by `publication`, so only when every blocking check passed."""

from datetime import datetime

import dagster as dg

from ..lib import extraits, registre
from .partitions import monthly, periode_du_run
from .resources import MiloSettings
from .secret import FINANCEURS, SEUIL, secret_statistique


def qualite_du_run(context: dg.AssetExecutionContext, milo: MiloSettings) -> extraits.Qualite:
    """The quality status of this run: its checks evaluated so far (`asset · check`; a warning is one that failed
    without blocking it) and the ingestion's warnings of its Data Docs."""
    evaluations = context.instance.all_logs(context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    return extraits.qualite(((f"{e.asset_key.to_user_string()} · {e.check_name}", e.passed)
                             for e in (ev.dagster_event.event_specific_data for ev in evaluations)),
                            milo.run_dir(context.run_id))


def extrait_asset(financeur: extraits.Financeur) -> dg.AssetsDefinition:
    @dg.asset(
        name=financeur.code, key_prefix="extraits", group_name="extraits", deps=[secret_statistique],
        partitions_def=monthly, backfill_policy=dg.BackfillPolicy.single_run(), kinds=set(financeur.formats),
        description=f"Extrait pour {financeur.nom} ({financeur.fichier}) : indicateurs choisis dans la table "
                    "secrétisée, XLSX/CSV et manifest.json ; ses cellules entrent au registre des diffusions à la "
                    "publication.",
    )
    def _extrait(context: dg.AssetExecutionContext, milo: MiloSettings) -> dg.MaterializeResult:
        periode = periode_du_run(context)
        if (note := extraits.sans_periode(financeur, periode)) is not None:
            return dg.MaterializeResult(metadata={"lignes": 0, "note": note})
        try:
            extrait = registre.extrait_du_run(milo.warehouse, context.run_id, financeur, periode, SEUIL)
        except extraits.ConfigurationInvalide as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None
        fichiers = extraits.ecrire_extrait(
            extrait, extraits.lire_sources(milo.warehouse, qualite_du_run(context, milo), context.run_id),
            milo.staging(context.run_id) / "extraits" / financeur.code / periode.label,
            datetime.now().astimezone())
        for indicateur in extrait.absents:
            context.log.warning(f"{financeur.fichier} : {indicateur} n'est pas produit par cette exécution : sauté")
        return dg.MaterializeResult(metadata={
            "lignes": len(extrait.lignes),
            "cellules_masquees": extrait.masquees,
            "chemin": dg.MetadataValue.path(str(milo.out / "extraits" / financeur.code / periode.label)),
            "fichiers": dg.MetadataValue.md("\n".join(f"- `{nom}`" for nom in fichiers)),
            "indicateurs_non_produits": ", ".join(extrait.absents) or "aucun",
        })

    return _extrait


EXTRAITS = [extrait_asset(f) for f in FINANCEURS]
