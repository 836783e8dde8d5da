"""Publication: `indicateurs.csv` (output contract) and the PDF activity report, from the checked marts."""


import os
from datetime import date
from pathlib import Path

import dagster as dg
import yaml

from ..lib import report
from ..lib.outputs import indicateurs_csv, write_atomic
from ..lib.periods import from_window
from ..lib.warehouse import read_rows
from .partitions import monthly
from .resources import MiloSettings

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
INDICATEURS_SQL = "select * from main.indicateurs order by periode_debut, periode_fin, ordre, modalite_ordre, modalite"


def _periode(context: dg.AssetExecutionContext):
    window = context.partition_time_window
    return from_window(window.start.date(), window.end.date())


@dg.asset(
    group_name="rapport",
    deps=[dg.AssetKey("indicateurs")],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"csv"},
    description="`indicateurs.csv` : la table complète (non secrétisée) des indicateurs du run, au format du contrat.",
)
def indicateurs_fichier(context: dg.AssetExecutionContext, milo: MiloSettings) -> dg.MaterializeResult:
    rows = read_rows(milo.warehouse, INDICATEURS_SQL)
    path = write_atomic(milo.out / "indicateurs.csv", indicateurs_csv(rows))
    return dg.MaterializeResult(metadata={
        "chemin": dg.MetadataValue.path(str(path)),
        "lignes": len(rows),
        "periode": _periode(context).label,
    })


@dg.asset(
    group_name="rapport",
    deps=[dg.AssetKey("indicateurs")],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"pdf"},
    description="Le rapport d'activité en PDF (A4, typographie française), pour la période du run.",
)
def rapport_activite(context: dg.AssetExecutionContext, milo: MiloSettings) -> dg.MaterializeResult:
    periode = _periode(context)
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
    context_rapport = report.build_report_context(rows, dictionnaire, programmes, meta)
    path = milo.out / f"rapport_activite_{periode.label}.pdf"
    milo.out.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    report.render_pdf(context_rapport, tmp)
    os.replace(tmp, path)
    return dg.MaterializeResult(metadata={"chemin": dg.MetadataValue.path(str(path)), "periode": periode.label})
