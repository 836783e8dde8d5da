"""Disclosure control of everything a run sends: the run's indicator table masked once, for every recipient (the
funders' extracts, the public report), against the register of what was ever sent (lib/registre.py)."""

from pathlib import Path

import dagster as dg
import duckdb

from ..lib import extraits, registre, report
from ..lib.dictionnaire import DictionnaireInvalide
from ..lib.warehouse import lire_dictionnaire, read_rows
from .partitions import monthly
from .resources import MiloSettings

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
FINANCEURS = extraits.charger_financeurs(CONFIG_DIR / "financeurs")
DIFFUSION = report.lire_diffusion(CONFIG_DIR / "diffusion.yaml")
SEUIL = extraits.seuil_commun(FINANCEURS, DIFFUSION.seuil if report.PUBLIQUE in DIFFUSION.versions else None)
"""One k for everything sent: the largest of the funders' and the public report's, so that two recipients never
hold two versions of a cell."""
INDICATEURS_SQL = "select * from main.indicateurs order by periode_debut, periode_fin, ordre, modalite_ordre, modalite"


MOTIFS = {"primaire": "masquees_primaire", "population": "masquees_population", "secondaire": "masquees_secondaire",
          "écart": "masquees_ecart_entre_periodes", "déjà masqué": "masquees_deja_envoyees_masquees"}


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
    lignes = read_rows(milo.warehouse, INDICATEURS_SQL)
    try:
        structure = extraits.structure_du_dictionnaire(lire_dictionnaire(milo.warehouse))
    except DictionnaireInvalide as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    with duckdb.connect(str(milo.warehouse)) as con:
        publiees = registre.publiees(con, dict.fromkeys((r["periode_debut"], r["periode_fin"]) for r in lignes))
        table = extraits.secretiser_indicateurs(lignes, structure, SEUIL, publiees)
        registre.ecrire_table(con, context.run_id, table)
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
    deja = {p.cle for p in publiees} & {extraits.cle(r) for r in lignes}
    return dg.MaterializeResult(metadata={
        "seuil": SEUIL,
        "cellules": len(table.lignes),
        **{nom: sum(m == motif for m in table.motifs.values()) for motif, nom in MOTIFS.items()},
        "cellules_deja_envoyees": len(deja),
        "deja_envoyees_differentes": len(table.figees_differentes),
    })
