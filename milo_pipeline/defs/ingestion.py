"""Ingestion: the folder of i-milo exports → typed, pseudonymised `raw.*` tables (one asset per table)."""


import dagster as dg
from pydantic import Field

from ..lib import quality
from ..lib.contract import load_contract
from ..lib.errors import ExportsInvalides
from ..lib.ingestion import CONTRACT, RAPPORT_REJETS, entree_data_docs_refus, ingest_exports
from ..lib.pseudonymisation import CleInvalide
from .partitions import monthly
from .resources import MiloSettings

TABLES = list(load_contract(CONTRACT))


class ConfigIngestion(dg.Config):
    """Run configuration of the ingestion (launchpad of the UI): `ops: {exports_imilo: {config: {confirmer_baisse:
    true}}}`."""

    confirmer_baisse: bool = Field(
        default=False,
        description="Confirme une forte baisse du volume d'une table par rapport à l'export précédent (ou un premier "
                    "export au nombre d'événements par jeune hors des bornes de config/qualite.yaml) : l'export est "
                    "alors chargé au lieu d'être refusé. À n'utiliser qu'après avoir vérifié les fichiers.")


@dg.multi_asset(
    name="exports_imilo",
    specs=[
        dg.AssetSpec(["imilo", table], group_name="ingestion", kinds={"duckdb", "csv"},
                     description=f"Table `raw.{table}` : export i-milo typé, identifiants pseudonymisés, "
                                 "données personnelles retirées (date de naissance remplacée par les âges utiles), "
                                 "lignes non conformes écartées (rejets.csv).")
        for table in TABLES
    ],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    op_tags={"db": "duckdb"},
)
def exports_imilo(context: dg.AssetExecutionContext, config: ConfigIngestion, milo: MiloSettings):
    """Reads the exports folder, checks every file against the input contract, quarantines the rows that
    break its rules (MILO_HOME/runs/<run_id>/rejets.csv), checks the volumes against the previous export, then
    archives the files and loads them in one transaction. A bad export — too many rejected rows, a drop of volume
    not confirmed (`confirmer_baisse`) — fails here, writes nothing and archives nothing."""
    run_dir = milo.run_dir(context.run_id)
    try:
        resultat = ingest_exports(milo.exports, milo.warehouse, milo.home, rapport_rejets=run_dir / RAPPORT_REJETS,
                                  confirmer_baisse=config.confirmer_baisse)
    except ExportsInvalides as exc:
        quality.ecrire_data_docs(run_dir, entree_data_docs_refus(exc))
        raise dg.Failure(description=exc.texte(), allow_retries=False) from None
    except CleInvalide as exc:  # a key too short, or lost while the warehouse holds pseudonyms: nothing read
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    quality.ecrire_data_docs(run_dir, resultat.entree_data_docs())
    for avertissement in [*resultat.confirmes, *resultat.avertissements]:
        context.log.warning(str(avertissement))
    for rejet in resultat.rejets:
        context.log.warning(f"ligne écartée : {rejet}")
    for fichier in resultat.fichiers:
        table = fichier.table
        yield dg.MaterializeResult(
            asset_key=["imilo", table],
            metadata={
                "lignes": dg.MetadataValue.int(resultat.lignes[table]),
                "lignes_lues": dg.MetadataValue.int(resultat.lues[table]),
                "lignes_rejetees": dg.MetadataValue.int(resultat.rejetees[table]),
                "part_rejetee": resultat.part_rejetee(table),
                "rapport_rejets": dg.MetadataValue.path(str(run_dir / RAPPORT_REJETS)),
                "colonnes_ignorees": resultat.colonnes_ignorees(fichier.path.name),
                "volume_confirme": resultat.volume_confirme(fichier.path.name),
                "fichier": fichier.path.name,
                "sha256": fichier.sha256,
                "format": fichier.format,
                "encodage": fichier.encodage or "xlsx",
                "date_export": resultat.date_export or "inconnue",
            },
        )
