"""Sections of the Mission Locale itself, fed by its manual inputs: « Vie de la structure », « Organigramme »,
« Événements », « Budget », « Baromètre de satisfaction »."""

from __future__ import annotations

from milo_pipeline.lib import charts
from milo_pipeline.lib.formatting import est_masque
from milo_pipeline.lib.saisies import CONTRATS

from . import layout
from .blocs import Bloc, barres, chiffres, graphique, intertitre, tableau
from .indicateurs import decroissant
from .section import Rapport, Section, annuel


def section_structure(r: Rapport) -> list[Section]:
    if "structure" not in r.textes:
        return []
    return [r.section("structure", "Vie de la structure", [], texte="structure", imilo=False,
                      saisie="textes/structure.md", texte_obligatoire=True)]


def section_organigramme(r: Rapport) -> list[Section]:
    ind = r.ind
    par_contrat, par_contrat_sexe = layout.RH_CONTRAT, layout.RH_CONTRAT_SEXE
    contrats = sorted(ind.modalites_de(par_contrat),
                      key=lambda c: (CONTRATS.index(c) if c in CONTRATS else len(CONTRATS), c))
    sexes = ind.repartition(layout.RH_SEXE) if ind.a(layout.RH_SEXE) else []
    barres_contrats = [(c, [ind.nombre(par_contrat_sexe, f"{c}|{s['modalite']}") for s in sexes]) for c in contrats]
    graphique_contrats, note = None, ""
    if any(est_masque(v) for _, valeurs in barres_contrats for v in valeurs):
        # a bar without its masked part would not be the contract's headcount: the table alone shows them
        note = "Le graphique par type de contrat n'est pas repris : une partie des effectifs est masquée."
    elif contrats and ind.a(par_contrat_sexe):
        titre = "Salariés par type de contrat et sexe"
        graphique_contrats = graphique(titre, charts.stacked_bar_chart(
            barres_contrats, [s["libelle"] for s in sexes], title=titre, width=640, label_width=200),
            indicateurs=[par_contrat_sexe])
    tableau_contrats = tableau(
        None, [s["libelle"] for s in sexes] + [layout.ENSEMBLE],
        [{"libelle": c, "cellules": [ind.valeur(par_contrat_sexe, f"{c}|{s['modalite']}") for s in sexes]
          + [ind.valeur(par_contrat, c)]} for c in contrats], note, premiere_colonne="Type de contrat",
        indicateurs=[par_contrat_sexe, par_contrat])
    return [r.section("organigramme", "Organigramme", [
        chiffres(None, [ind.chiffre(layout.RH_SALARIES)]
                 + [ind.chiffre(layout.RH_SEXE, s["modalite"], s["libelle"]) for s in sexes]),
        graphique_contrats, tableau_contrats,
    ], definition="L'équipe de la Mission Locale au 31 décembre : salariés par sexe et par type de contrat.",
        texte="organigramme", saisie="effectifs.yaml", imilo=False)]


def section_evenements(r: Rapport) -> list[Section]:
    ind = r.ind
    par_rubrique = layout.EVENEMENTS_PAR_RUBRIQUE
    rubriques = sorted((m for m in ind.modalites_de(par_rubrique[0]) if ind.nombre(par_rubrique[0], m)),
                       key=lambda m: decroissant(ind.nombre(par_rubrique[0], m)))
    titre = f"Événements {ind.debut.year}" if annuel(ind) else "Événements"
    return [r.section("evenements", titre, [
        chiffres(None, [ind.chiffre(i) for i in layout.EVENEMENTS]),
        tableau("Par rubrique", [ind.libelle(i) for i in par_rubrique],
                [{"libelle": m, "cellules": [ind.valeur(i, m) for i in par_rubrique]} for m in rubriques],
                premiere_colonne="Rubrique", indicateurs=par_rubrique),
        r.liste_evenements(r.evenements, "Les événements de la période"),
    ], definition="Les événements organisés ou co-organisés par la Mission Locale pendant la période.",
        texte="evenements", saisie="evenements.yaml", imilo=False)]


def _budget(nom: str) -> str:
    """« Prévisionnel 2025 » → « Budget prévisionnel 2025 »."""
    return f"Budget {nom[:1].lower()}{nom[1:]}"


def section_budget(r: Rapport) -> list[Section]:
    ind = r.ind
    budgets: list[str] = []
    for total, _ in layout.BUDGET:
        budgets += [m for m in ind.modalites_de(total) if m not in budgets]
    blocs: list[Bloc | None] = []
    for budget in budgets:
        blocs += [intertitre(_budget(budget)),
                  chiffres(None, [ind.chiffre(total, budget) for total, _ in layout.BUDGET])]
        for _, par_poste in layout.BUDGET:
            postes = sorted(((p, c["valeur"]) for p, c in ind.sous_modalites(par_poste, budget)),
                            key=lambda pv: decroissant(pv[1] or 0))
            blocs.append(barres(ind.libelle(par_poste), postes, "eur", demi=False, indicateurs=[par_poste]))
    titre = "Budget"
    if len(budgets) == 1:
        titre = _budget(budgets[0])
        blocs = blocs[1:]
    return [r.section("budget", titre, blocs, definition="Charges et produits du budget de l'association.",
                      texte="budget", saisie="budget.yaml", imilo=False)]


def section_satisfaction(r: Rapport) -> list[Section]:
    ind = r.ind
    blocs: list[Bloc | None] = []
    for titre, parts, nb_repondants in layout.SATISFACTION:
        questions = sorted(((q, ind.nombre(parts, q)) for q in ind.modalites_de(parts)),
                           key=lambda qv: decroissant(qv[1] or 0))
        repondants = chiffres(None, [ind.chiffre(nb_repondants)])
        graphique_parts = barres(ind.libelle(parts), questions, "pct", ind.definition(parts), echelle_100=True,
                                 indicateurs=[parts])
        if repondants or graphique_parts:
            blocs += [intertitre(titre), repondants, graphique_parts]
    return [r.section("satisfaction", "Baromètre de satisfaction", blocs,
                      definition="Les résultats des enquêtes de satisfaction menées auprès des jeunes accompagnés "
                                 "et des employeurs partenaires.", texte="satisfaction", saisie="satisfaction.yaml",
                      imilo=False)]
