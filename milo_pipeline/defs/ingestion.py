"""Ingestion: the folder of i-milo exports → typed, pseudonymised `raw.*` tables (one asset per table)."""


import dagster as dg

from ..lib.contract import load_contract
from ..lib.errors import ExportsInvalides
from ..lib.ingestion import CONTRACT, ingest_exports
from .partitions import monthly
from .resources import MiloSettings

TABLES = list(load_contract(CONTRACT))


@dg.multi_asset(
    name="exports_imilo",
    specs=[
        dg.AssetSpec(["imilo", table], group_name="ingestion", kinds={"duckdb", "csv"},
                     description=f"Table `raw.{table}` : export i-milo typé, identifiants pseudonymisés, "
                                 "données personnelles retirées.")
        for table in TABLES
    ],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    op_tags={"db": "duckdb"},
)
def exports_imilo(context: dg.AssetExecutionContext, milo: MiloSettings):
    """Reads the exports folder, checks every file against the input contract, archives the files and
    loads them in one transaction. A bad export fails here and writes nothing."""
    try:
        resultat = ingest_exports(milo.exports, milo.warehouse, milo.home)
    except ExportsInvalides as exc:
        raise dg.Failure(description=exc.texte(), allow_retries=False) from None
    for avertissement in resultat.avertissements:
        context.log.warning(str(avertissement))
    for fichier in resultat.fichiers:
        yield dg.MaterializeResult(
            asset_key=["imilo", fichier.table],
            metadata={
                "lignes": dg.MetadataValue.int(resultat.lignes[fichier.table]),
                "fichier": fichier.path.name,
                "sha256": fichier.sha256,
                "format": fichier.format,
                "encodage": fichier.encodage or "xlsx",
                "date_export": resultat.date_export or "inconnue",
            },
        )
