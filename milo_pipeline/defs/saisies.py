"""Manual inputs: the folder `saisies/` next to the exports → small `raw.saisie_*` tables (one asset per table).

Optional: without the folder (or one of its files) the tables are written empty, the run goes on with a
warning and the report says « non renseigné ». A bad value fails the run, naming file, line, field and value.
"""

import dagster as dg

from ..lib import saisies
from ..lib.errors import ExportsInvalides
from ..lib.ingestion import archive
from .ingestion import TABLES as TABLES_EXPORTS
from .partitions import monthly, periode_du_run
from .resources import MiloSettings


@dg.multi_asset(
    name="saisies_manuelles",
    specs=[
        dg.AssetSpec(["saisies", table], group_name="ingestion", kinds={"duckdb", "yaml"},
                     # after the ingestion: DuckDB has a single writer
                     deps=[dg.AssetKey(["imilo", t]) for t in TABLES_EXPORTS],
                     description=f"Table `raw.{saisies.TABLE_PREFIXE}{table}` : saisie manuelle de la Mission "
                                 "Locale (dossier `saisies/` des exports), validée.")
        for table in saisies.TABLES
    ],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    op_tags={"db": "duckdb"},
)
def saisies_manuelles(context: dg.AssetExecutionContext, milo: MiloSettings):
    """Reads and checks EXPORTS/saisies (effectifs, budget, satisfaction, événements, textes), keeps each file
    read-only in MILO_HOME/archive/<sha256>/ and writes the numbers in one transaction. The texts are only
    checked here: the report reads them from the folder."""
    dossier = milo.exports / saisies.DOSSIER
    try:
        resultat = saisies.lire_saisies(dossier)
    except ExportsInvalides as exc:
        raise dg.Failure(description=exc.texte(), allow_retries=False) from None
    avertissements = saisies.avertissements_du_run(resultat, periode_du_run(context))
    for avertissement in avertissements:
        context.log.warning(str(avertissement))
    for relatif, sha256 in resultat.fichiers.items():  # kept as received, like the exports
        archive(milo.exports / relatif, sha256, milo.home / "archive")
    lignes = saisies.ecrire_saisies(resultat, milo.warehouse)
    for table, n in lignes.items():
        yield dg.MaterializeResult(
            asset_key=["saisies", table],
            metadata={
                "lignes": dg.MetadataValue.int(n),
                "fichiers": dg.MetadataValue.md("\n".join(f"- `{f}` · sha256 `{h[:12]}…`"
                                                          for f, h in sorted(resultat.fichiers.items()))
                                                or "aucune saisie"),
                "textes": dg.MetadataValue.int(len(resultat.textes)),
                "avertissements": dg.MetadataValue.text("\n".join(str(a) for a in avertissements)),
            },
        )
