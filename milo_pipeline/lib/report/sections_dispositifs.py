"""Sections « Dispositifs et formations », « Contrat d'Engagement Jeune », « CTAI », « Action santé »; the
programmes table (also in the monthly dashboard)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from milo_pipeline.lib.configuration import programmes_thematiques
from milo_pipeline.lib.formatting import fr_date, fr_nombre, fr_periode

from ..dbt_project import debut_cej
from . import comparaison, layout
from .blocs import Bloc, barres, chiffres, intertitre, tableau, texte
from .indicateurs import Indicateurs, Row, commence, decroissant
from .section import Rapport, Section

ECHELONS = ("National", "Régional", "Local")
NON_CLASSE = "Non classé"
SANS_NOM = "(dispositif non renseigné)"


def lignes_dispositifs(ind: Indicateurs, programmes: list[Row],
                       filtre: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Catalogue programmes, then programmes found only in the rows ("Non classé"), ordered by
    échelon then `ordre`; programmes whose counts are all 0 (or absent) are left out. With `filtre`
    (name prefixes), only those programmes and no « Ensemble » row."""
    catalogue = {p["dispositif"]: p for p in programmes}
    trouves = {m for c in layout.COLONNES_DISPOSITIFS for m in ind.modalites.get(c, []) if m != layout.ENSEMBLE}
    candidats = [(nom, p.get("libelle") or nom, p.get("echelon") or NON_CLASSE,
                  float(p.get("ordre") or math.inf)) for nom, p in catalogue.items()]
    hors_catalogue = sorted(trouves - catalogue.keys(), key=lambda nom: (nom is None, nom or ""))
    candidats += [(nom, nom or SANS_NOM, NON_CLASSE, math.inf) for nom in hors_catalogue]

    def rang(echelon: str) -> int:
        return ECHELONS.index(echelon) if echelon in ECHELONS else len(ECHELONS) + (echelon == NON_CLASSE)

    candidats.sort(key=lambda c: (rang(c[2]), c[2], c[3]))
    lignes = []
    for nom, libelle, echelon, _ in candidats:
        if filtre is not None and not commence(nom, filtre):
            continue
        valeurs = [ind.valeur(c, nom) for c in layout.COLONNES_DISPOSITIFS]
        if not any(v["valeur"] for v in valeurs if v["unite"] == "nb"):
            continue
        debut_groupe = not lignes or lignes[-1]["echelon"] != echelon
        lignes.append({"echelon": echelon, "libelle": libelle, "dispositif": nom, "valeurs": valeurs,
                       "debut_groupe": debut_groupe, "ensemble": False})
    if filtre is None:
        lignes.append({"echelon": "", "libelle": layout.ENSEMBLE, "dispositif": layout.ENSEMBLE,
                       "debut_groupe": True, "ensemble": True,
                       "valeurs": [ind.valeur(c, layout.ENSEMBLE) for c in layout.COLONNES_DISPOSITIFS]})
    return lignes


def _tableau_dispositifs(ind: Indicateurs, programmes: list[Row], filtre: Sequence[str] | None = None
                         ) -> Bloc | None:
    if not ind.a(layout.DISPOSITIFS_ENTREES):
        return None
    lignes = lignes_dispositifs(ind, programmes, filtre)
    if not lignes:
        return None
    # last year under each programme's row (lib/report/comparaison.py), for the columns the dictionary compares
    for ligne in lignes:
        ligne["precedents"] = [ind.precedent(c, ligne["dispositif"]) for c in layout.COLONNES_DISPOSITIFS]
    return {
        "type": "tableau_dispositifs",
        "colonnes": [{"indicateur": c, "libelle": ind.libelle(c)} for c in layout.COLONNES_DISPOSITIFS],
        "lignes": lignes,
        "notes": [{"libelle": ind.libelle(c), "definition": ind.definition(c)}
                  for c in layout.COLONNES_DISPOSITIFS] if filtre is None else [],
        "annee_precedente": ind.annee_precedente if any(any(ligne["precedents"]) for ligne in lignes) else None,
        "notes_precedent": comparaison.notes(p for ligne in lignes for p in ligne["precedents"]),
    }


def _motifs(ind: Indicateurs, dispositif: str) -> str:
    """« Emploi durable 12 · Abandon 3 · … », largest first (the rows as they are, only ordered)."""
    motifs = [(m, c["valeur"]) for m, c in ind.sous_modalites(layout.DISPOSITIFS_SORTIES_MOTIF, dispositif)
              if c["valeur"]]
    motifs.sort(key=lambda mv: (decroissant(mv[1]), mv[0]))
    return " · ".join(f"{m} {fr_nombre(v)}" for m, v in motifs)


def section_dispositifs(r: Rapport) -> list[Section]:
    ind = r.ind
    entrees, sorties = layout.DISPOSITIFS_ENTREES, layout.DISPOSITIFS_SORTIES
    lignes = lignes_dispositifs(ind, r.programmes) if ind.a(entrees) else []
    programmes = [ligne for ligne in lignes if not ligne["ensemble"]]
    beneficiaires = barres(ind.libelle(entrees) + " par dispositif",
                           [(ligne["libelle"], ligne["valeurs"][0]["valeur"]) for ligne in programmes], "nb",
                           indicateurs=[entrees])
    par_motif = tableau(
        "Sorties de la période", [ind.libelle(sorties), ind.libelle(layout.DISPOSITIFS_SORTIES_MOTIF)],
        [{"libelle": ligne["libelle"],
          "cellules": [ind.valeur(sorties, ligne["dispositif"]), texte(_motifs(ind, ligne["dispositif"]))]}
         for ligne in programmes if ind.nombre(sorties, ligne["dispositif"])],
        ind.definition(sorties), "Dispositif", [sorties, layout.DISPOSITIFS_SORTIES_MOTIF]) if ind.a(sorties) else None
    return [r.section("dispositifs", "Dispositifs et formations", [
        _tableau_dispositifs(ind, r.programmes), beneficiaires, par_motif,
    ], definition="Jeunes entrés dans chaque dispositif au cours de la période, avec leur profil, et jeunes "
                  "encore présents à la fin de la période. Un jeune entré dans plusieurs dispositifs compte une "
                  "fois par dispositif, et une seule fois dans la ligne « Ensemble ».", texte="dispositifs")]


def section_cej(r: Rapport) -> list[Section]:
    ind = r.ind
    paires = layout.CEJ_PERIODE_ET_CUMUL
    depuis = f"Depuis le {fr_date(debut_cej())}"
    periode_et_cumul = tableau(
        "La période et le cumul depuis le lancement", [fr_periode(ind.debut, ind.fin).capitalize(), depuis],
        [{"libelle": ind.libelle(p), "cellules": [ind.valeur(p), ind.valeur(c)]} for p, c in paires],
        premiere_colonne="Indicateur", indicateurs=[i for paire in paires for i in paire])
    return [r.section("cej", "Contrat d'Engagement Jeune", [
        chiffres(depuis, [ind.chiffre(c) for _, c in paires]),
        periode_et_cumul,
    ], definition=f"Le Contrat d'Engagement Jeune (CEJ), lancé le {fr_date(debut_cej())} : entrées, sorties et "
                  "profil des jeunes, sur la période et en cumul depuis son lancement.", texte="cej")]


def _dispositifs_nommes(ind: Indicateurs, prefixes: Sequence[str]) -> list[str]:
    return [m for m in ind.modalites.get(layout.DISPOSITIFS_ENTREES, []) if commence(m, prefixes)]


def section_ctai(r: Rapport) -> list[Section]:
    ind = r.ind
    motif = layout.DISPOSITIFS_SORTIES_MOTIF
    blocs: list[Bloc | None] = []
    for dispositif in _dispositifs_nommes(ind, programmes_thematiques()["ctai"]):
        blocs += [
            intertitre(dispositif),
            chiffres(None, [ind.chiffre(i, dispositif) for i in layout.CTAI]),
            barres("Sorties par motif", [(m, c["valeur"]) for m, c in ind.sous_modalites(motif, dispositif)], "nb",
                   ind.definition(motif), indicateurs=[motif]),
        ]
    return [r.section("ctai", "CTAI – L'insertion des jeunes primo-arrivants", blocs,
                      definition="Jeunes accompagnés dans le cadre du contrat territorial d'accueil et d'intégration "
                                 "(dispositif « " + " », « ".join(programmes_thematiques()["ctai"]) + " … » d'i-milo).",
                      texte="ctai")]


def section_sante(r: Rapport) -> list[Section]:
    ind = r.ind
    evenements = [e for e in r.evenements if e.get("rubrique") == layout.RUBRIQUE_SANTE]
    return [r.section("sante", "Action santé", [
        _tableau_dispositifs(ind, r.programmes, programmes_thematiques()["sante"]),
        chiffres("Événements santé", ind.tuiles(layout.SANTE_EVENEMENTS)),
        r.liste_evenements(evenements),
    ], definition="Les dispositifs de santé (psychologue, projets santé, actions sport et santé) et les "
                  "événements de la rubrique « Santé ».", texte="sante", saisie="evenements.yaml")]
