"""Outputs of a run: `indicateurs.csv` and the report (a tagged PDF and the same report as a web page beside it),
written into the run's staging folder from the checked marts, then published together into the output folder by
`publication`.

The PDF is written in the versions of config/diffusion.yaml: `interne` (the exact table) and `publique` (the table
masked once for every recipient by `secret_statistique`, defs/secret.py)."""

from datetime import date, datetime

import dagster as dg

from ..lib import report
from ..lib.apercu import apercu_markdown
from ..lib.errors import ExportsInvalides
from ..lib.outputs import PublicationImpossible, indicateurs_csv
from ..lib.periods import du_run
from ..lib.publication import preparer_rapport_public, publier
from ..lib.report.rendu import render_report
from ..lib.report.run import lire_sources
from ..lib.warehouse import lire_dictionnaire, lire_indicateurs
from .extraits import EXTRAITS, qualite_du_run
from .paquet import paquet_reseau
from .partitions import monthly, periode_du_run
from .resources import MiloSettings
from .secret import DIFFUSION, SEUIL, secret_statistique

OUTPUT_ASSET = {"group_name": "rapport", "partitions_def": monthly, "backfill_policy": dg.BackfillPolicy.single_run()}


@dg.asset(
    deps=[dg.AssetKey("indicateurs")], kinds={"csv"}, **OUTPUT_ASSET,
    description="`indicateurs.csv` : la table complète (non secrétisée) des indicateurs du run, au format du contrat.",
)
def indicateurs_fichier(context: dg.AssetExecutionContext, milo: MiloSettings) -> dg.MaterializeResult:
    rows = du_run(lire_indicateurs(milo.warehouse), periode_du_run(context))  # without the year before (comparisons)
    path = milo.staging(context.run_id) / "indicateurs.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(indicateurs_csv(rows))
    libelles = {r["indicateur"]: r["libelle"] for r in lire_dictionnaire(milo.warehouse)}
    return dg.MaterializeResult(metadata={
        "lignes": len(rows), "periode": periode_du_run(context).label,
        "apercu": dg.MetadataValue.md(apercu_markdown(rows, libelles)),
    })


@dg.asset(
    deps=[dg.AssetKey("indicateurs"), dg.AssetKey("stg_saisies__evenements"), secret_statistique], kinds={"pdf"},
    **OUTPUT_ASSET,
    description="Le PDF du run (A4, typographie française, PDF balisé PDF/UA-1) et la même page en HTML autonome à "
                "côté (`.html`) : pour une année, le rapport d'activité complet ; pour "
                "un mois, le tableau de bord mensuel (le mois et le cumul depuis le 1er janvier). Dans les versions "
                "de config/diffusion.yaml : interne (effectifs exacts, « Diffusion restreinte ») et publique (secret "
                "statistique des extraits financeurs, fichiers `…_public.pdf` et `…_public.html`).",
)
def rapport_activite(context: dg.AssetExecutionContext, milo: MiloSettings) -> dg.MaterializeResult:
    periode = periode_du_run(context)
    try:
        sources = lire_sources(milo.warehouse, milo.exports, periode, date.today(), qualite_du_run(context, milo),
                               context.run_id)
    except ExportsInvalides as exc:
        raise dg.Failure(description=exc.texte(), allow_retries=False) from None
    metadata: dict = {"periode": periode.label, "versions": ", ".join(DIFFUSION.versions)}
    for version in DIFFUSION.versions:
        lignes = (sources.lignes if version == report.INTERNE
                  else preparer_rapport_public(milo.warehouse, context.run_id, sources.lignes))
        contexte = sources.contexte(lignes, version, SEUIL)
        if version == DIFFUSION.versions[0]:  # the same warnings for both versions: said once
            for avertissement in sources.avertissements(contexte):
                context.log.warning(avertissement)
        pdf, page = render_report(contexte, milo.staging(context.run_id) / report.nom_fichier(periode, version))
        metadata[f"fichier_provisoire_{version}"] = dg.MetadataValue.path(str(pdf))
        metadata[f"page_web_provisoire_{version}"] = dg.MetadataValue.path(str(page))
    if report.PUBLIQUE in DIFFUSION.versions:
        metadata["seuil_public"] = SEUIL
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    deps=[indicateurs_fichier, rapport_activite, *EXTRAITS, paquet_reseau], kinds={"folder"}, **OUTPUT_ASSET,
    description="Publie ensemble les sorties du run dans le dossier de sortie, seulement si tout ce qui précède "
                "a réussi (contrôles bloquants compris), tout ou rien : chaque destination est vérifiée, chaque "
                "fichier écrit à côté sous un nom provisoire, puis renommé ; si un renommage échoue, les fichiers "
                "déjà remplacés sont restaurés. Les "
                "cellules envoyées (extraits, rapport public) entrent au registre des diffusions dans la même "
                "transaction : annulée si la publication échoue.",
)
def publication(context: dg.AssetExecutionContext, milo: MiloSettings) -> dg.MaterializeResult:
    try:
        enregistrees, published = publier(milo.warehouse, context.run_id, milo.staging(context.run_id), milo.out,
                                          datetime.now())
    except PublicationImpossible as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    return dg.MaterializeResult(metadata={
        "cellules_au_registre": enregistrees,
        "dossier": dg.MetadataValue.path(str(milo.out)),
        "fichiers": dg.MetadataValue.md("\n".join(f"- `{p.relative_to(milo.out)}`" for p in published)),
        **{str(p.relative_to(milo.out)): dg.MetadataValue.path(str(p)) for p in published},
    })
