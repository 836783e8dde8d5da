"""Funder extracts: the run's indicator table masked once (`secret_statistique`, against the register of what was
ever sent), then one asset per file of config/financeurs/, written into the run's staging folder
(`extraits/<financeur>/<période>/`) and published with the other outputs by `publication`, so only when every
blocking check passed."""

from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import yaml

from ..lib import extraits, registre
from ..lib.periods import from_window, periods_to_compute
from ..lib.warehouse import read_rows
from .partitions import monthly
from .resources import MiloSettings

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
FINANCEURS = extraits.charger_financeurs(CONFIG_DIR / "financeurs")
INDICATEURS_SQL = "select * from main.indicateurs order by periode_debut, periode_fin, ordre, modalite_ordre, modalite"
DATE_EXPORTS_SQL = r"select max(regexp_extract(fichier, '\d{4}-\d{2}-\d{2}')) as d from raw._fichiers"


def avertissements_qualite(context: dg.AssetExecutionContext) -> list[str]:
    """The checks of this run that failed without blocking it (warnings): `asset · check`."""
    evaluations = context.instance.all_logs(context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    return sorted({f"{e.asset_key.to_user_string()} · {e.check_name}"
                   for e in (ev.dagster_event.event_specific_data for ev in evaluations) if not e.passed})


def seuil_diffusion() -> int:
    """One threshold for everything sent: the largest k of the funders, so that two recipients never hold two
    versions of a cell."""
    return max((f.seuil for f in FINANCEURS), default=extraits.SEUIL_DEFAUT)


@dg.asset(
    deps=[dg.AssetKey("indicateurs")], group_name="extraits", partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(), kinds={"duckdb"},
    description="La table des indicateurs du run secrétisée une fois pour tous les destinataires (seuil k : le plus "
                "grand des financeurs), contre le registre des diffusions : une cellule déjà envoyée garde ce qui a "
                "été envoyé, et l'écart avec une cellule d'une période emboîtée (mois, cumul, année) envoyée ou "
                "envoyée en même temps vaut 0 ou au moins k. Écrite dans `diffusion.table_secretisee`.",
)
def secret_statistique(context: dg.AssetExecutionContext, milo: MiloSettings) -> dg.MaterializeResult:
    lignes = read_rows(milo.warehouse, INDICATEURS_SQL)
    structure = extraits.charger_structure(CONFIG_DIR / "secret_statistique.yaml")
    seuil = seuil_diffusion()
    with duckdb.connect(str(milo.warehouse)) as con:
        publiees = registre.publiees(con, dict.fromkeys((r["periode_debut"], r["periode_fin"]) for r in lignes))
        table = extraits.secretiser_indicateurs(lignes, structure, seuil, publiees)
        registre.ecrire_table(con, context.run_id, table)
    if table.non_declares:
        context.log.warning("secret statistique : valeurs sans population déclarée (config/secret_statistique."
                            f"yaml), toujours masquées : {', '.join(table.non_declares)}")
    if table.figees_differentes:
        chemin = milo.run_dir(context.run_id) / "valeurs_deja_envoyees.csv"
        chemin.write_bytes(extraits.valeurs_conservees_csv(lignes, table))
        context.log.warning(f"secret statistique : {len(table.figees_differentes)} cellule(s) déjà envoyée(s) "
                            "diffèrent des exports de ce run : la valeur envoyée est conservée, liste dans "
                            f"{chemin} (README, « Corriger un chiffre déjà envoyé »)")
    motifs = sorted(set(table.motifs.values()))
    return dg.MaterializeResult(metadata={
        "seuil": seuil,
        "cellules": len(table.lignes),
        **{f"masquees_{m.replace(' ', '_').replace('é', 'e')}": sum(v == m for v in table.motifs.values())
           for m in motifs},
        "masquees_par_ecart_entre_periodes": table.differences,
        "cellules_deja_envoyees": len({p.cle for p in publiees} & {extraits.cle(r) for r in lignes}),
        "deja_envoyees_differentes": len(table.figees_differentes),
    })


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
            extrait = extraits.construire_extrait(table, dictionnaire, financeur, periode, seuil_diffusion())
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


EXTRAITS = [secret_statistique, *(extrait_asset(f) for f in FINANCEURS)]
