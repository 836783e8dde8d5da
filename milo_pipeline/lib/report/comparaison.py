"""Last year beside this year (N−1): where the annual report's N−1 figures come from, and the change.

Which indicators: the dictionary's column `comparaison` (`evolution`: the relative change in %, for counts, amounts,
means, ratios and durations, « +5,2 % »; `points`: the difference of two shares in percentage points, « +1,3 pt »;
empty: none, e.g. an indicator that is itself a change over a year). Where they show: the key-figure tiles of
every section and the programmes table (`Indicateurs.precedent`), for a calendar year only.

Where N−1 comes from, cell by cell, never typed by hand (`lignes_du_rapport`):
1. the same warehouse, when the exports cover the year before (it starts at or after the first month of the
   history, config/periodes.yaml): the run's dbt computes that year too (`periods.periodes_dbt`), with the same
   models, so the figures are those a run of that year gives; `indicateurs.csv` and the extracts keep the run's
   own periods (`periods.du_run`);
2. else the figures published for that year: the register of diffusion (`registre.publiees_de_la_periode`: the
   public report's cell first, else the latest sent), masked cells staying masked;
3. else « n.d. ».

Disclosure control: the N−1 rows of the warehouse are rows of the run's indicator table, so the public version
reads them masked by the same engine, against the same register (`secret_statistique`), and they enter the
register with the public report (`publication.preparer_rapport_public`: only the N−1 cells of the indicators the
dictionary compares); a figure of the register is what was sent. A change computed from a masked value (N or N−1)
is masked: « s » (N/(1 + change) would give the masked value back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from milo_pipeline.lib.dictionnaire import POINTS
from milo_pipeline.lib.formatting import (
    Masque,
    est_masque,
    fr_date,
    fr_ecart_points,
    fr_evolution,
    fr_valeur,
)
from milo_pipeline.lib.periods import Periode, annee_precedente, du_run, periode_comparee
from milo_pipeline.lib.registre import publiees_de_la_periode
from milo_pipeline.lib.warehouse import lire_dictionnaire, lire_indicateurs

ENTREPOT, REGISTRE, NON_DISPONIBLE = "entrepot", "registre", "n.d."
ND = "n.d."
NOTE_ENTREPOT = "{annee}\u00a0: calculé sur les mêmes exports."
NOTE_REGISTRE = "{annee}\u00a0: chiffres publiés le {date}."
NOTE_NON_DISPONIBLE = "n.d.\u00a0: non disponible."

Registre = Callable[[date, date, Iterable[str]], list[dict]]


def _jour(valeur: Any) -> date:
    return valeur.date() if isinstance(valeur, datetime) else valeur


def lignes_avec_precedent(lignes: Iterable[Mapping], dictionnaire: Iterable[Mapping], periode: Periode,
                          registre: Registre) -> list[dict]:
    """The rows the report of `periode` reads: the run's own periods, then for a year the N−1 cells of the indicators
    the dictionary compares, from the warehouse's rows when the exports cover N−1, completed by `registre(début,
    fin, ids)` (the figures published for N−1) for the cells the warehouse does not hold."""
    lignes = [dict(r) for r in lignes]
    du = du_run(lignes, periode)
    precedente = annee_precedente(periode)
    if precedente is None:
        return du
    dictionnaire = list(dictionnaire)
    unites = {d["indicateur"]: d["unite"] for d in dictionnaire}
    ids = [d["indicateur"] for d in dictionnaire if d.get("comparaison")]
    calculees = []
    if periode_comparee(periode) is not None:
        calculees = [r for r in lignes if r["indicateur"] in ids
                     and (_jour(r["periode_debut"]), _jour(r["periode_fin"])) == (precedente.debut, precedente.fin)]
    vues = {(r["indicateur"], r["modalite"]) for r in calculees}
    publiees = [{**r, "unite": unites[r["indicateur"]]} for r in registre(precedente.debut, precedente.fin, ids)
                if (r["indicateur"], r["modalite"]) not in vues]
    return du + calculees + publiees


def lignes_du_rapport(warehouse: Path, periode: Periode) -> list[dict]:
    """`lignes_avec_precedent` of the warehouse's table `indicateurs` and register."""
    return lignes_avec_precedent(lire_indicateurs(warehouse), lire_dictionnaire(warehouse), periode,
                                 partial(publiees_de_la_periode, warehouse))


def ecart(valeur: Any, precedent: Any, comparaison: str) -> Decimal | Masque | None:
    """The change from `precedent` (N−1) to `valeur` (N): in points (`points`), else in % of N−1 (`evolution`).
    None when either is missing or, for a change in %, N−1 is 0; masked when either is masked."""
    if valeur is None or precedent is None:
        return None
    if est_masque(valeur) or est_masque(precedent):
        return Masque()
    n, n1 = Decimal(str(valeur)), Decimal(str(precedent))
    if comparaison == POINTS:
        return n - n1
    if n1 == 0:
        return None
    return (n - n1) * 100 / n1


def texte_ecart(valeur: Decimal | Masque | None, comparaison: str) -> str:
    """« +5,2 % », « +1,3 pt », « s », « n.d. »."""
    if valeur is None:
        return ND
    return fr_ecart_points(valeur) if comparaison == POINTS else fr_evolution(valeur)


def precedent(annee: int, ligne: Mapping | None, valeur_precedente: Any, valeur: Any, unite: str,
              comparaison: str) -> dict[str, Any]:
    """A key figure's N−1: `ligne` the N−1 row (None: not available), `valeur_precedente` its value as the report
    shows it (a Masque when masked), `valeur` this year's. The texts are written here with the French filters."""
    if ligne is None:
        return {"annee": annee, "valeur": None, "ecart": None, "source": NON_DISPONIBLE,
                "valeur_texte": ND, "ecart_texte": "", "texte": f"{annee}\u00a0: {ND}", "note": NOTE_NON_DISPONIBLE}
    variation = ecart(valeur, valeur_precedente, comparaison)
    publie_le = ligne.get("publie_le")
    if publie_le is not None:
        source, note = REGISTRE, NOTE_REGISTRE.format(annee=annee, date=fr_date(_jour(publie_le)))
    else:
        source, note = ENTREPOT, NOTE_ENTREPOT.format(annee=annee)
    valeur_texte = fr_valeur(valeur_precedente, unite)  # an empty value (a share of nobody) « – », as this year's
    ecart_texte = texte_ecart(variation, comparaison)
    return {"annee": annee, "valeur": valeur_precedente, "ecart": variation, "source": source,
            "valeur_texte": valeur_texte, "ecart_texte": ecart_texte,
            "texte": f"{annee}\u00a0: {valeur_texte} · {ecart_texte}", "note": note}


def notes(precedents: Iterable[Mapping | None]) -> list[str]:
    """Where the N−1 figures shown come from, each source once, in order of appearance."""
    return list(dict.fromkeys(p["note"] for p in precedents if p))
