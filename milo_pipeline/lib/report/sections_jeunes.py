"""Sections « Synthèse », « Jeunes reçus pour la première fois », « Jeunes accompagnés », « Présentation de
parcours »."""

from __future__ import annotations

from . import layout
from .blocs import BARRE_PARTAGEE, BARRES_HORIZONTALES, BARRES_VERTICALES, Bloc, chiffres, repartition
from .indicateurs import Indicateurs
from .section import Rapport, Section, annuel


def section_synthese(r: Rapport) -> list[Section]:
    ind = r.ind
    titre = f"Synthèse {ind.debut.year}" if annuel(ind) else "Synthèse"
    return [r.section("synthese", titre, [chiffres(groupe, ind.tuiles(tuiles)) for groupe, tuiles in layout.SYNTHESE],
                      definition="Les chiffres clés de la période. Chacun est détaillé et défini dans les pages "
                                 "suivantes.", texte="synthese")]


def _blocs_cohorte(ind: Indicateurs, cohorte: str) -> list[Bloc | None]:
    """The blocks shared by the two cohorts (premier accueil, jeunes accompagnés)."""
    c = layout.COHORTES[cohorte]
    return [
        chiffres(None, [ind.chiffre(c["effectif"], libelle="jeunes")] + [ind.chiffre(i) for i in c["parts"]]),
        repartition(ind, c["hebergement"], BARRES_HORIZONTALES, tableau=True, demi=False),
        repartition(ind, c["sexe"], BARRE_PARTAGEE, tableau=False, demi=True),
        repartition(ind, c["age"], BARRES_VERTICALES, tableau=False, demi=True),
        chiffres("Mobilité", [ind.chiffre(i) for i in c["mobilite"]]),
    ]


def section_premier_accueil(r: Rapport) -> list[Section]:
    return [r.section(
        "premier_accueil", "Jeunes reçus pour la première fois", _blocs_cohorte(r.ind, "premier_accueil"),
        definition="Jeunes venus pour leur premier entretien individuel avec un conseiller au cours de la "
                   "période. Leur profil (logement, âge, lieu de résidence, niveau, mobilité) est celui "
                   "enregistré dans i-milo à la date des exports.",
        texte="premier_accueil")]


def section_accompagnes(r: Rapport) -> list[Section]:
    ind = r.ind
    return [r.section("accompagnes", "Jeunes accompagnés", _blocs_cohorte(ind, "accompagnes") + [
        chiffres("Entretiens et allocations PACEA", [ind.chiffre(i) for i in layout.ACCOMPAGNES_ENTRETIENS_PACEA]),
    ], definition=ind.definition(layout.COHORTES["accompagnes"]["effectif"]), texte="accompagnes")]


def section_parcours(r: Rapport) -> list[Section]:
    return [r.section("parcours", "Présentation de parcours", [], texte="parcours", imilo=False,
                      saisie="textes/parcours.md", texte_obligatoire=True)]
