"""Quality gate: Great Expectations suites run as blocking asset checks on the indicator marts."""


import dagster as dg

from ..lib import quality
from ..lib.warehouse import read_frame
from .resources import MiloSettings

INDICATEURS = dg.AssetKey("indicateurs")

SOMMES_REPARTITIONS = """
select i.periode_debut, i.periode_fin, i.indicateur, sum(i.valeur) as somme
from main.indicateurs as i
join main.indicateurs_dictionnaire as d using (indicateur)
where d.somme_100
group by all
having count(i.valeur) > 0
order by all
"""


def _check_result(resultat: quality.ResultatSuite, lignes: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=resultat.succes,
        severity=dg.AssetCheckSeverity.ERROR,
        description=resultat.texte(),
        metadata={
            "suite": resultat.suite,
            "controles": resultat.nb_expectations,
            "echecs": len(resultat.echecs),
            "lignes_controlees": lignes,
        },
    )


@dg.asset_check(asset=INDICATEURS, name="gx_indicateurs", blocking=True,
                description="Suite GX `indicateurs` : parts entre 0 et 100, effectifs ≥ 0, unicité.")
def gx_indicateurs(milo: MiloSettings) -> dg.AssetCheckResult:
    frame = read_frame(milo.warehouse, "select * from main.indicateurs")
    return _check_result(quality.validate(frame, "indicateurs"), len(frame))


@dg.asset_check(asset=INDICATEURS, name="gx_repartitions", blocking=True,
                description="Suite GX `repartitions` : les parts d'une répartition somment à 100 (±0,2).")
def gx_repartitions(milo: MiloSettings) -> dg.AssetCheckResult:
    frame = read_frame(milo.warehouse, SOMMES_REPARTITIONS)
    return _check_result(quality.validate(frame, "repartitions"), len(frame))
