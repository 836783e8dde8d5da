"""The monthly dashboard: the key figures of a month beside those of the year to date, and the programme entries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from . import layout
from .diffusion import INTERNE, SEUIL_PUBLIC, legende_secret, options_diffusion
from .indicateurs import Indicateurs, Row, as_date
from .rapport import mission_locale_de
from .rendu import TEMPLATE_TABLEAU_DE_BORD
from .sections_dispositifs import lignes_dispositifs


def build_dashboard_context(rows: Iterable[Row], dictionnaire: Iterable[Row], programmes: Iterable[Row],
                            meta: Mapping[str, Any], vocabulaires: Iterable[Row] | None = None, *,
                            version: str = INTERNE, seuil: int = SEUIL_PUBLIC) -> dict[str, Any]:
    """The monthly dashboard: key figures of the month meta['periode_debut']..meta['periode_fin'] beside
    those of the year to date (1 January → end of the month), and the programme entries of both.
    Rows missing in both periods are left out; a group without rows says « Données non disponibles ».
    `version`, `seuil`: as for the report."""
    mission_locale = mission_locale_de(meta)
    diffusion = options_diffusion(version, seuil)
    rows = list(rows)
    dictionnaire = list(dictionnaire)
    debut, fin = as_date(meta["periode_debut"]), as_date(meta["periode_fin"])
    cumul_debut = date(debut.year, 1, 1)
    mois = Indicateurs(rows, dictionnaire, debut, fin, vocabulaires, diffusion["seuil"])
    cumul = Indicateurs(rows, dictionnaire, cumul_debut, fin, vocabulaires, diffusion["seuil"])
    groupes = []
    for titre, tuiles in layout.TABLEAU_DE_BORD:
        lignes = []
        for indicateur, modalite, libelle in tuiles:
            m, c = mois.valeur(indicateur, modalite), cumul.valeur(indicateur, modalite)
            if m["present"] or c["present"]:
                lignes.append({"libelle": libelle or mois.libelle(indicateur), "mois": m, "cumul": c,
                               "signe": mois.est_evolution(indicateur)})
        groupes.append({"titre": titre, "lignes": lignes})
    programmes = list(programmes)
    entrees = []
    for ligne in lignes_dispositifs(cumul, programmes) if cumul.a(layout.DISPOSITIFS_ENTREES) else []:
        entrees.append({"libelle": ligne["libelle"], "ensemble": ligne["ensemble"],
                        "mois": mois.valeur(layout.DISPOSITIFS_ENTREES, ligne["dispositif"]),
                        "cumul": ligne["valeurs"][0]})
    return {
        "gabarit": TEMPLATE_TABLEAU_DE_BORD,
        "titre": "Tableau de bord mensuel",
        "mission_locale": mission_locale,
        "periode_debut": debut,
        "periode_fin": fin,
        "cumul_debut": cumul_debut,
        "date_exports": meta.get("date_exports"),
        "genere_le": meta.get("genere_le"),
        "groupes": groupes,
        "entrees": entrees,
        "definition_entrees": mois.definition(layout.DISPOSITIFS_ENTREES),
        "diffusion": diffusion,
        "legende": legende_secret(mois.masques | cumul.masques),
    }
