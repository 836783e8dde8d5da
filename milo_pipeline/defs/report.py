"""Outputs of a run: `indicateurs.csv` and the PDF report, written into the run's staging folder from the
checked marts, then published together into the output folder by `publication`."""

from datetime import date
from pathlib import Path

import dagster as dg
import yaml

from ..lib import report
from ..lib.outputs import indicateurs_csv, publish
from ..lib.periods import Periode, from_window
from ..lib.warehouse import read_rows
from .partitions import monthly
from .resources import MiloSettings

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
INDICATEURS_SQL = "select * from main.indicateurs order by periode_debut, periode_fin, ordre, modalite_ordre, modalite"
OUTPUT_ASSET = {"group_name": "rapport", "partitions_def": monthly, "backfill_policy": dg.BackfillPolicy.single_run()}


def run_periode(context: dg.AssetExecutionContext) -> Periode:
    window = context.partition_time_window
    return from_window(window.start.date(), window.end.date())


@dg.asset(
    deps=[dg.AssetKey("indicateurs")], kinds={"csv"}, **OUTPUT_ASSET,
    description="`indicateurs.csv` : la table complète (non secrétisée) des indicateurs du run, au format du contrat.",
)
def indicateurs_fichier(context: dg.AssetExecutionContext, milo: MiloSettings) -> dg.MaterializeResult:
    rows = read_rows(milo.warehouse, INDICATEURS_SQL)
    path = milo.staging(context.run_id) / "indicateurs.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(indicateurs_csv(rows))
    return dg.MaterializeResult(metadata={"lignes": len(rows), "periode": run_periode(context).label})


@dg.asset(
    deps=[dg.AssetKey("indicateurs")], kinds={"pdf"}, **OUTPUT_ASSET,
    description="Le rapport d'activité en PDF (A4, typographie française), pour la période du run.",
)
def rapport_activite(context: dg.AssetExecutionContext, milo: MiloSettings) -> dg.MaterializeResult:
    periode = run_periode(context)
    rows = read_rows(milo.warehouse, INDICATEURS_SQL)
    dictionnaire = read_rows(milo.warehouse, "select * from main.indicateurs_dictionnaire order by ordre")
    programmes = read_rows(milo.warehouse, "select * from main.programmes order by ordre")
    date_export = read_rows(
        milo.warehouse,
        r"select max(regexp_extract(fichier, '\d{4}-\d{2}-\d{2}')) as d from raw._fichiers")[0]["d"]
    meta = {
        "mission_locale": yaml.safe_load((CONFIG_DIR / "mission_locale.yaml").read_text(encoding="utf-8")),
        "periode_debut": periode.debut,
        "periode_fin": periode.fin,
        "date_exports": date.fromisoformat(date_export) if date_export else None,
        "genere_le": date.today(),
    }
    path = milo.staging(context.run_id) / f"rapport_activite_{periode.label}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    report.render_pdf(report.build_report_context(rows, dictionnaire, programmes, meta), path)
    return dg.MaterializeResult(
        metadata={"periode": periode.label, "fichier_provisoire": dg.MetadataValue.path(str(path))})


@dg.asset(
    deps=[indicateurs_fichier, rapport_activite], kinds={"folder"}, **OUTPUT_ASSET,
    description="Publie ensemble les sorties du run dans le dossier de sortie, seulement si tout ce qui précède "
                "a réussi (contrôles bloquants compris). Chaque fichier est remplacé de façon atomique.",
)
def publication(context: dg.AssetExecutionContext, milo: MiloSettings) -> dg.MaterializeResult:
    published = publish(milo.staging(context.run_id), milo.out)
    return dg.MaterializeResult(metadata={
        "dossier": dg.MetadataValue.path(str(milo.out)),
        "fichiers": dg.MetadataValue.md("\n".join(f"- `{p.relative_to(milo.out)}`" for p in published)),
    })
