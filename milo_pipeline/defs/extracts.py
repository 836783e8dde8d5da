"""Funder extracts: one asset per file of config/financeurs/, each a selection of the table masked once by
`secret_statistique` (defs/secret.py), written into the run's staging folder (`extraits/<financeur>/<période>/`)
and published with the other outputs by `publication`, so only when every blocking check passed."""

from datetime import datetime

import dagster as dg
import duckdb
import yaml

from ..lib import extraits, registre
from ..lib.periods import from_window, periods_to_compute
from ..lib.warehouse import read_rows
from .partitions import monthly
from .resources import MiloSettings
from .secret import CONFIG_DIR, FINANCEURS, SEUIL, secret_statistique

DATE_EXPORTS_SQL = r"select max(regexp_extract(fichier, '\d{4}-\d{2}-\d{2}')) as d from raw._fichiers"


def avertissements_qualite(context: dg.AssetExecutionContext) -> list[str]:
    """The checks of this run that failed without blocking it (warnings): `asset · check`."""
    evaluations = context.instance.all_logs(context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    return sorted({f"{e.asset_key.to_user_string()} · {e.check_name}"
                   for e in (ev.dagster_event.event_specific_data for ev in evaluations) if not e.passed})


def extrait_asset(financeur: extraits.Financeur) -> dg.AssetsDefinition:
    @dg.asset(
        name=financeur.code, key_prefix="extraits", group_name="extraits", deps=[secret_statistique],
        partitions_def=monthly, backfill_policy=dg.BackfillPolicy.single_run(), kinds=set(financeur.formats),
        description=f"Extrait pour {financeur.nom} ({financeur.fichier}) : indicateurs choisis dans la table "
                    "secrétisée, XLSX/CSV et manifest.json ; ses cellules entrent au registre des diffusions à la "
                    "publication.",
    )
    def _extrait(context: dg.AssetExecutionContext, milo: MiloSettings) -> dg.MaterializeResult:
        window = context.partition_time_window
        periode = from_window(window.start.date(), window.end.date())
        dictionnaire = read_rows(milo.warehouse, "select * from main.indicateurs_dictionnaire order by ordre")
        try:
            extraits.verifier_indicateurs(financeur, (d["indicateur"] for d in dictionnaire))
        except extraits.ConfigurationInvalide as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None
        if not any(extraits.natures(p) & set(financeur.periodes) for p in periods_to_compute(periode)):
            return dg.MaterializeResult(metadata={"lignes": 0, "note": f"aucune période {list(financeur.periodes)} "
                                                                      f"dans l'exécution {periode.label}"})
        unites = {d["indicateur"]: d["unite"] for d in dictionnaire}
        with duckdb.connect(str(milo.warehouse)) as con:
            table = registre.lire_table(con, unites)
            extrait = extraits.construire_extrait(table, dictionnaire, financeur, periode, SEUIL)
            registre.preparer_envoi(con, context.run_id, financeur.code, extrait.lignes)
        date_exports = read_rows(milo.warehouse, DATE_EXPORTS_SQL)[0]["d"]
        sources = extraits.Sources(
            mission_locale=yaml.safe_load((CONFIG_DIR / "mission_locale.yaml").read_text(encoding="utf-8"))["nom"],
            exports=tuple((r["fichier"], r["sha256"]) for r in read_rows(
                milo.warehouse, "select fichier, sha256 from raw._fichiers order by fichier")),
            date_exports=datetime.strptime(date_exports, "%Y-%m-%d").date() if date_exports else None,
        )
        fichiers = extraits.fichiers_extrait(extrait, sources)
        fichiers["manifest.json"] = extraits.manifeste(
            extrait, sources, fichiers, datetime.now().astimezone(), avertissements_qualite(context))
        dossier = milo.staging(context.run_id) / "extraits" / financeur.code / periode.label
        dossier.mkdir(parents=True, exist_ok=True)
        for nom, data in fichiers.items():
            (dossier / nom).write_bytes(data)
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
