"""Disclosure control of everything a run sends: the run's indicator table masked once, for every recipient (the
funders' extracts, the public report), against the register of what was ever sent (lib/registre.py)."""

import dagster as dg

from ..lib import extraits, registre, report
from ..lib.configuration import DOSSIER as CONFIG
from ..lib.dictionnaire import DictionnaireInvalide
from .partitions import monthly
from .resources import MiloSettings

FINANCEURS = extraits.charger_financeurs()
DIFFUSION = report.lire_diffusion(CONFIG / "diffusion.yaml")
SEUIL = extraits.seuil_commun(FINANCEURS, DIFFUSION.seuil if report.PUBLIQUE in DIFFUSION.versions else None)
"""One k for everything sent: the largest of the funders' and the public report's, so that two recipients never
hold two versions of a cell."""


@dg.asset(
    deps=[dg.AssetKey("indicateurs")], group_name="extraits", partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(), kinds={"duckdb"},
    description="La table des indicateurs du run secrétisée une fois pour tous les destinataires (seuil k : le plus "
                "grand des financeurs et du rapport public), contre le registre des diffusions : une cellule déjà "
                "envoyée garde ce qui a été envoyé, et l'écart avec une cellule d'une période emboîtée (mois, "
                "cumul, année) envoyée avant ou dans ce run vaut 0 ou au moins k. Écrite dans "
                "`diffusion.table_secretisee`, lue par les extraits et le rapport public.",
)
def secret_statistique(context: dg.AssetExecutionContext, milo: MiloSettings) -> dg.MaterializeResult:
    try:
        lignes, table, publiees = registre.secretiser_run(milo.warehouse, context.run_id, SEUIL)
    except DictionnaireInvalide as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    if table.non_declares:
        context.log.warning("secret statistique : valeurs sans population déclarée (colonne population du "
                            f"dictionnaire des indicateurs), toujours masquées : {', '.join(table.non_declares)}")
    if table.figees_differentes:
        chemin = milo.run_dir(context.run_id) / "valeurs_deja_envoyees.csv"
        chemin.parent.mkdir(parents=True, exist_ok=True)
        chemin.write_bytes(extraits.valeurs_conservees_csv(lignes, table))
        context.log.warning(f"secret statistique : {len(table.figees_differentes)} cellule(s) déjà envoyée(s) "
                            "diffèrent des exports de ce run : la valeur envoyée est conservée, liste dans "
                            f"{chemin} (README, « Corriger un chiffre déjà envoyé »)")
    return dg.MaterializeResult(metadata=extraits.bilan(lignes, table, publiees, SEUIL))
