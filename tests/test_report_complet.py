"""The whole report and the monthly dashboard on a full, hand-made row set (the seed report's 2024 figures):
every section in the seed report's order, the PDF laid out without text outside the page's box.

`jeu_complet()` builds one row for every indicator of spec/indicateurs.md and of the manual inputs, as the
marts would; the dictionary is the project's seed, completed with plain labels for ids it does not hold yet.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from milo_pipeline.lib.periods import Periode
from milo_pipeline.lib.report import (
    build_dashboard_context,
    build_report_context,
    nom_fichier,
    render_pdf,
)
from milo_pipeline.lib.saisies import lire_saisies

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "dbt_project" / "seeds"
DEMO = ROOT / "milo_pipeline" / "synthetic" / "saisies_demo"
ANNEE = (date(2024, 1, 1), date(2024, 12, 31))
MARS, CUMUL_MARS = (date(2024, 3, 1), date(2024, 3, 31)), (date(2024, 1, 1), date(2024, 3, 31))
MM = 72 / 25.4  # PDF points per millimetre

# Section titles of the seed report, in order, and the title of ours that stands for each.
ORDRE_DU_RAPPORT_MODELE = [
    ("Synthèse 2024", "Synthèse 2024"),
    ("Jeunes reçus pour la première fois", "Jeunes reçus pour la première fois"),
    ("Jeunes accompagnés", "Jeunes accompagnés"),
    ("Présentation de parcours", "Présentation de parcours"),
    ("Dispositifs et formations", "Dispositifs et formations"),
    ("Contrat d'Engagement Jeune", "Contrat d'Engagement Jeune"),
    ("Parrainage", "Parrainage"),
    ("Accès à l'emploi", "Accès à l'emploi"),
    ("Intervention sur les Quartiers Prioritaires de la Ville",
     "Intervention dans les quartiers prioritaires de la ville"),
    ("Intervention sur la COM COM Doubs Baumois + Loue Lison", "Intervention sur les territoires"),
    ("CTAI / Mon projet en France", "CTAI – L'insertion des jeunes primo-arrivants"),
    ("Action santé", "Action santé"),
    ("Repérage – Chiffres et autres", "Repérage et remobilisation"),
    ("Égalité filles garçons", "Égalité filles-garçons"),
    ("Projet associatif de structure 2025-2028", "Vie de la structure"),
    ("Organigramme", "Organigramme"),
    ("Évènements 2024", "Événements 2024"),
    ("Budget Prévisionnel 2025", "Budget prévisionnel 2025"),
    ("Baromètre de satisfaction", "Baromètre de satisfaction"),
]
EPCI = ["CU Grand Besançon Métropole", "CC Loue-Lison", "CC du Doubs Baumois", "CC du Pays de Sancey-Belleherbe",
        "CC des Deux Vallées Vertes", "CC du Val Marnaysien"]


def _seed(name: str) -> list[dict]:
    with open(SEEDS / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _dictionnaire() -> list[dict]:
    """The project's dictionary, with a plain label for the ids of the spec it does not hold (yet)."""
    dictionnaire = _seed("indicateurs_dictionnaire.csv")
    connus = {d["indicateur"] for d in dictionnaire}
    ordre = 5000
    for indicateur, (libelle, unite) in LIBELLES_SPEC.items():
        if indicateur not in connus:
            ordre += 1
            dictionnaire.append({"indicateur": indicateur, "ordre": str(ordre), "section": "", "libelle": libelle,
                                 "unite": unite, "vocabulaire": "", "somme_100": "false",
                                 "definition": f"{libelle} (définition de test)."})
    return dictionnaire


LIBELLES_SPEC = {
    "cej_nb_entrees": ("Jeunes entrés en CEJ", "nb"), "cej_nb_entrees_cumul": ("Jeunes entrés en CEJ", "nb"),
    "cej_femmes_pct": ("Part des femmes parmi les entrants", "pct"),
    "cej_femmes_pct_cumul": ("Part des femmes parmi les entrants", "pct"),
    "cej_nb_sorties": ("Jeunes sortis du CEJ", "nb"), "cej_nb_sorties_cumul": ("Jeunes sortis du CEJ", "nb"),
    "cej_sorties_positives_pct": ("Part des sorties positives", "pct"),
    "cej_sorties_positives_pct_cumul": ("Part des sorties positives", "pct"),
    "cej_nb_mineurs": ("Mineurs à l'entrée", "nb"), "cej_nb_mineurs_cumul": ("Mineurs à l'entrée", "nb"),
    "cej_nb_rqth": ("Jeunes ayant une RQTH", "nb"), "cej_nb_rqth_cumul": ("Jeunes ayant une RQTH", "nb"),
    "parr_nb_jeunes": ("Jeunes parrainés", "nb"), "parr_nb_jeunes_qpv": ("Jeunes parrainés résidant en QPV", "nb"),
    "parr_nb_jeunes_zrr": ("Jeunes parrainés résidant en ZRR", "nb"),
    "parr_mineurs_pct": ("Part des mineurs parmi les jeunes parrainés", "pct"),
    "parr_nb_sorties": ("Parrainages terminés", "nb"),
    "parr_nb_sorties_solution": ("Parrainages terminés avec une solution", "nb"),
    "parr_nb_abandons": ("Abandons", "nb"), "parr_nb_parrains": ("Parrains et marraines actifs", "nb"),
    "parr_nb_parrains_retraites": ("Parrains et marraines retraités", "nb"),
    "parr_nb_parrains_actifs": ("Parrains et marraines en activité", "nb"),
    "parr_nb_nouveaux_parrains": ("Nouveaux parrains et marraines", "nb"),
    "parr_jeunes_par_parrain": ("Jeunes par parrain ou marraine", "ratio"),
    "parr_entretiens_par_parrain": ("Entretiens par parrain ou marraine", "ratio"),
    "parr_duree_moyenne_mois": ("Durée moyenne d'un parrainage", "mois"),
    "emploi_nb_jeunes": ("Jeunes accompagnés ayant accédé à l'emploi", "nb"),
    "emploi_acces_pct": ("Part des jeunes accompagnés ayant accédé à l'emploi", "pct"),
    "pmsmp_nb": ("PMSMP signées", "nb"), "pmsmp_evolution_pct": ("Évolution des PMSMP", "pct"),
    "immersion_autres_nb": ("Autres immersions en entreprise", "nb"),
    "immersion_nb_jeunes": ("Jeunes en immersion", "nb"),
    "service_civique_nb": ("Contrats de service civique", "nb"),
    "service_civique_evolution_pct": ("Évolution des services civiques", "pct"),
    "volontariat_autres_nb": ("Autres missions de volontariat", "nb"),
    "volontariat_nb_jeunes": ("Jeunes volontaires", "nb"),
    "entreprises_nb_contacts": ("Employeurs contactés", "nb"),
    "entreprises_nb_nouveaux_contacts": ("Nouveaux employeurs contactés", "nb"),
    "terr_nb_jeunes": ("Jeunes accompagnés", "nb"), "terr_emploi_pct": ("Part des jeunes en emploi", "pct"),
    "terr_zrr_pct": ("Part des jeunes en ZRR", "pct"), "terr_sans_locomotion_nb": ("Sans moyen de locomotion", "nb"),
    "terr_permis_b_nb": ("Titulaires du permis B", "nb"), "terr_voiture_nb": ("Possédant une voiture", "nb"),
    "terr_nb_jeunes_dispositif": ("Jeunes entrés dans un dispositif", "nb"),
    "terr_nb_entretiens_individuels": ("Entretiens individuels", "nb"),
    "qpv_nb_jeunes": ("Jeunes accompagnés par QPV", "nb"),
    "rep_nb_contacts": ("Jeunes contactés", "nb"), "rep_nb_reperes": ("Jeunes repérés", "nb"),
    "rep_nb_remobilises": ("Jeunes remobilisés", "nb"), "rep_nb_contacts_canal": ("Contactés", "nb"),
    "rep_nb_reperes_canal": ("Repérés", "nb"), "rep_nb_remobilises_canal": ("Remobilisés", "nb"),
}


def _ligne(indicateur, valeur, unite, modalite=None, periode=ANNEE):
    return {"periode_debut": periode[0], "periode_fin": periode[1], "indicateur": indicateur,
            "modalite": modalite, "valeur": valeur, "unite": unite}


def _lignes_annee(periode=ANNEE, echelle: float = 1.0) -> list[dict]:
    """The seed report's figures (chiffres_cles_2024.csv, dispositifs_2024.csv), counts × `echelle`."""
    def n(v):
        return float(round(v * echelle))

    rows = []
    add = rows.append
    hebergement = {"Chez les parents": 51.3, "Logement autonome": 19.5, "Chez un membre de la famille": 10.9,
                   "Foyer, CHRS, hôtel": 8.5, "Chez des amis": 6.0, "Sans hébergement": 3.1, "Non communiqué": 0.8}
    ages = {"Moins de 16 ans": 0.5, "16-17 ans": 20.8, "18-21 ans": 47.9, "22-25 ans": 28.9, "26 ans et plus": 1.9}
    for prefixe, nb in (("pa", 1571), ("acc", 3484)):
        add(_ligne(f"{prefixe}_nb_jeunes", n(nb), "nb", periode=periode))
        for m, v in hebergement.items():
            add(_ligne(f"{prefixe}_hebergement_pct", v, "pct", m, periode))
        for m, v in ages.items():
            add(_ligne(f"{prefixe}_tranche_age_pct", v, "pct", m, periode))
        add(_ligne(f"{prefixe}_sexe_pct", 47.8, "pct", "F", periode))
        add(_ligne(f"{prefixe}_sexe_pct", 52.2, "pct", "H", periode))
        for c, v in (("qpv", 24.6), ("zrr", 3.0), ("sans_qualification", 38.1)):
            add(_ligne(f"{prefixe}_{c}_pct", v, "pct", periode=periode))
        for c, v in (("sans_locomotion", 1325), ("permis_b", 327), ("voiture", 229)):
            add(_ligne(f"{prefixe}_{c}_nb", n(v), "nb", periode=periode))
    add(_ligne("acc_nb_entretiens_individuels", n(21457), "nb", periode=periode))
    add(_ligne("pacea_montant_eur", n(110406), "eur", periode=periode))
    add(_ligne("pacea_nb_jeunes", n(217), "nb", periode=periode))
    add(_ligne("pacea_moyenne_eur", 508.78, "eur", periode=periode))
    for d in _seed_dispositifs():
        nom = "CEJ" if d["dispositif"] == "Contrat d'Engagement Jeune" else (d["dispositif"] or "Ensemble")
        if not d["dispositif"] and d["echelon"]:
            continue
        add(_ligne("disp_nb_beneficiaires", n(float(d["nb_beneficiaires"])), "nb", nom, periode))
        for c in ("femmes", "mineurs", "sans_qualification", "qpv", "zrr"):
            add(_ligne(f"disp_{c}_pct", float(d[f"{c}_pct"]), "pct", nom, periode))
        add(_ligne("disp_nb_presents_fin", n(float(d["nb_presents_fin"])), "nb", nom, periode))
        add(_ligne("disp_nb_sorties", n(float(d["nb_beneficiaires"]) / 2), "nb", nom, periode))
        if nom != "Ensemble":
            for motif, part in (("Emploi durable", 0.2), ("Formation qualifiante", 0.15), ("Abandon", 0.1),
                                ("Accès à l'autonomie", 0.05)):
                add(_ligne("disp_sorties_motif_nb", n(float(d["nb_beneficiaires"]) * part), "nb", f"{nom}|{motif}",
                           periode))
    cej = {"nb_entrees": (531, 1507), "femmes_pct": (46.7, 48.4), "nb_sorties": (410, 1196),
           "sorties_positives_pct": (27.3, 26.3), "nb_mineurs": (62, 209), "nb_rqth": (31, 92)}
    for c, (p, cumul) in cej.items():
        unite = "pct" if c.endswith("pct") else "nb"
        add(_ligne(f"cej_{c}", p if unite == "pct" else n(p), unite, periode=periode))
        add(_ligne(f"cej_{c}_cumul", cumul if unite == "pct" else n(cumul), unite, periode=periode))
    parr = {"parr_nb_jeunes": 125, "parr_nb_jeunes_qpv": 44, "parr_nb_jeunes_zrr": 8, "parr_mineurs_pct": 9.0,
            "parr_nb_sorties": 104, "parr_nb_sorties_solution": 62, "parr_nb_abandons": 5, "parr_nb_parrains": 24,
            "parr_nb_parrains_retraites": 17, "parr_nb_parrains_actifs": 7, "parr_nb_nouveaux_parrains": 4,
            "parr_jeunes_par_parrain": 5.2, "parr_entretiens_par_parrain": 2.1, "parr_duree_moyenne_mois": 5.3}
    emploi = {"emploi_nb_jeunes": 1108, "emploi_acces_pct": 31.8, "pmsmp_nb": 486, "pmsmp_evolution_pct": -8.0,
              "immersion_autres_nb": 11, "immersion_nb_jeunes": 338, "service_civique_nb": 48,
              "service_civique_evolution_pct": 17.1, "volontariat_autres_nb": 114, "volontariat_nb_jeunes": 105,
              "entreprises_nb_contacts": 353, "entreprises_nb_nouveaux_contacts": 204,
              "rep_nb_contacts": 1000, "rep_nb_reperes": 172, "rep_nb_remobilises": 57}
    for indicateur, v in {**parr, **emploi}.items():
        unite = LIBELLES_SPEC[indicateur][1]
        add(_ligne(indicateur, n(v) if unite == "nb" else v, unite, periode=periode))
    for canal, (contacts, reperes, remobilises) in {"Kaf'Truck": (230, 30, 9), "Maraude": (500, 29, 8),
                                                    "Événement": (750, 38, 12), "En ligne": (40, 11, 9),
                                                    "Liste": (750, 36, 19)}.items():
        add(_ligne("rep_nb_contacts_canal", n(contacts), "nb", canal, periode))
        add(_ligne("rep_nb_reperes_canal", n(reperes), "nb", canal, periode))
        add(_ligne("rep_nb_remobilises_canal", n(remobilises), "nb", canal, periode))
    for i, epci in enumerate([*EPCI, "Hors territoire"]):
        valeurs = {"terr_nb_jeunes": 2700 // (i + 1), "terr_emploi_pct": 31.0 + i, "terr_zrr_pct": 4.1 * i,
                   "terr_sans_locomotion_nb": 900 // (i + 1), "terr_permis_b_nb": 300 // (i + 1),
                   "terr_voiture_nb": 200 // (i + 1), "terr_nb_jeunes_dispositif": 1300 // (i + 1),
                   "terr_nb_entretiens_individuels": 16000 // (i + 1)}
        for indicateur, v in valeurs.items():
            unite = LIBELLES_SPEC[indicateur][1]
            add(_ligne(indicateur, n(v) if unite == "nb" else v, unite, epci, periode))
    for i, qpv in enumerate(["QN02501M", "QN02502M", "QN02503M", "QN02504M", "QN02505M", "QN02506M"]):
        add(_ligne("qpv_nb_jeunes", n(420 / (i + 1)), "nb", qpv, periode))
    return rows


def _seed_dispositifs() -> list[dict]:
    with open(ROOT / "tests" / "fixtures" / "seed_2024" / "dispositifs_2024.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _lignes_saisies(periode=ANNEE) -> list[dict]:
    """The demo's manual inputs as mart_saisies would pass them (the figures of the seed report)."""
    saisies = lire_saisies(DEMO)
    rows = []
    effectifs = saisies.lignes["effectifs"]
    rows.append(_ligne("rh_nb_salaries", float(sum(e["effectif"] for e in effectifs)), "nb", periode=periode))
    for sexe in ("F", "H"):
        rows.append(_ligne("rh_sexe_nb", float(sum(e["effectif"] for e in effectifs if e["sexe"] == sexe)), "nb",
                           sexe, periode))
    for contrat in dict.fromkeys(e["contrat"] for e in effectifs):
        lignes = [e for e in effectifs if e["contrat"] == contrat]
        rows.append(_ligne("rh_contrat_nb", float(sum(e["effectif"] for e in lignes)), "nb", contrat, periode))
        rows += [_ligne("rh_contrat_sexe_nb", float(e["effectif"]), "nb", f"{contrat}|{e['sexe']}", periode)
                 for e in lignes]
    for sens in ("charges", "produits"):
        lignes = [b for b in saisies.lignes["budget"] if b["sens"] == sens]
        rows.append(_ligne(f"budget_{sens}_eur", float(sum(b["montant"] for b in lignes)), "eur",
                           "Prévisionnel 2025", periode))
        rows += [_ligne(f"budget_{sens}_poste_eur", float(b["montant"]), "eur", f"Prévisionnel 2025|{b['poste']}",
                        periode) for b in lignes]
    for s in saisies.lignes["satisfaction"]:
        rows.append(_ligne(f"satisfaction_repondants_{s['public']}_nb", float(s["repondants"]), "nb", periode=periode))
    for q in saisies.lignes["satisfaction_questions"]:
        rows.append(_ligne(f"satisfaction_{q['public']}_pct", float(q["satisfaits_pct"]), "pct", q["question"],
                           periode))
    evenements = saisies.lignes["evenements"]
    rows.append(_ligne("evenements_nb", float(len(evenements)), "nb", periode=periode))
    rows.append(_ligne("evenements_visiteurs_nb", float(sum(e["visiteurs"] or 0 for e in evenements)), "nb",
                       periode=periode))
    for rubrique in dict.fromkeys(e["rubrique"] for e in evenements):
        lignes = [e for e in evenements if e["rubrique"] == rubrique]
        rows.append(_ligne("evenements_rubrique_nb", float(len(lignes)), "nb", rubrique, periode))
        rows.append(_ligne("evenements_rubrique_visiteurs_nb", float(sum(e["visiteurs"] or 0 for e in lignes)),
                           "nb", rubrique, periode))
    return rows


def _evenements() -> list[dict]:
    return [{"evenement_ordre": e["ordre"], "debut_date": e["date_debut"], "fin_date": e["date_fin"],
             "titre": e["titre"], "description": e["description"], "rubrique": e["rubrique"],
             "visiteurs": e["visiteurs"]} for e in lire_saisies(DEMO).lignes["evenements"]]


META = {"mission_locale": {"nom": "Mission Locale du Bassin d'Emploi de Besançon",
                           "nom_court": "Mission Locale de Besançon"},
        "periode_debut": ANNEE[0], "periode_fin": ANNEE[1], "date_exports": date(2025, 1, 15),
        "genere_le": date(2025, 4, 30)}


def contexte_complet() -> dict:
    return build_report_context(_lignes_annee() + _lignes_saisies(), _dictionnaire(), _seed("programmes.csv"), META,
                                _seed("vocabulaires.csv"), textes=lire_saisies(DEMO).textes,
                                evenements=_evenements())


def contexte_mensuel() -> dict:
    rows = _lignes_annee(MARS, 1 / 12) + _lignes_annee(CUMUL_MARS, 3 / 12)
    return build_dashboard_context(rows, _dictionnaire(), _seed("programmes.csv"),
                                   {**META, "periode_debut": MARS[0], "periode_fin": MARS[1]},
                                   _seed("vocabulaires.csv"))


# --------------------------------------------------------------------------------------------
# The context
# --------------------------------------------------------------------------------------------
def test_every_section_of_the_seed_report_in_its_order():
    titres = [s["titre"] for s in contexte_complet()["sections"] if s["niveau"] == 1]
    assert titres == [notre for _, notre in ORDRE_DU_RAPPORT_MODELE] + ["Définitions et sources"]  # then our annex


def test_one_page_per_territory_after_the_comparison():
    sections = contexte_complet()["sections"]
    i = [s["id"] for s in sections].index("territoires")
    assert [s["titre"] for s in sections[i + 1:i + 1 + len(EPCI)]] == EPCI
    assert all(s["niveau"] == 2 for s in sections[i + 1:i + 1 + len(EPCI)])
    baumois = next(s for s in sections if s["titre"] == "CC du Doubs Baumois")
    assert baumois["texte"] and "journée de découverte" in baumois["texte"]


def test_every_section_has_data_and_no_placeholder():
    contexte = contexte_complet()
    assert [s["id"] for s in contexte["sections"] if s["absent"]] == []
    assert contexte["textes_ignores"] == []


def test_every_indicator_of_the_rows_is_shown_somewhere():
    """No id of the period is left out: each is laid out by a section or listed in its « Autres indicateurs »."""
    contexte = contexte_complet()
    assert contexte["indicateurs_non_montres"] == []
    assert not [b for s in contexte["sections"] for b in s["blocs"] if b.get("titre") == "Autres indicateurs"]


# --------------------------------------------------------------------------------------------
# The PDF
# --------------------------------------------------------------------------------------------
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def pages_et_mots(pdf: Path) -> list[tuple[float, float, list[tuple[float, float, float, float, str]]]]:
    """Each page's size and words with their boxes (points), by `pdftotext -bbox`."""
    sortie = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                            text=True).stdout
    sortie = re.sub(r"<!DOCTYPE[^>]*>", "", sortie)
    racine = ET.fromstring(sortie)
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    pages = []
    for page in racine.iter("{http://www.w3.org/1999/xhtml}page"):
        mots = [(float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")), float(w.get("yMax")), w.text or "")
                for w in page.findall("h:word", ns)]
        pages.append((float(page.get("width")), float(page.get("height")), mots))
    return pages


def hors_cadre(pdf: Path, marge_gauche_mm: float = 17, marge_droite_mm: float = 17) -> list[str]:
    """Words outside the text column (17 mm margins, 1 pt of tolerance) or outside the page, cover excepted."""
    problemes = []
    for numero, (largeur, hauteur, mots) in enumerate(pages_et_mots(pdf), start=1):
        gauche, droite = marge_gauche_mm * MM - 1, largeur - marge_droite_mm * MM + 1
        for x0, y0, x1, y1, mot in mots:
            dehors_page = x0 < 0 or y0 < 0 or x1 > largeur or y1 > hauteur
            dehors_colonne = numero > 1 and (x0 < gauche or x1 > droite)
            if dehors_page or dehors_colonne:
                problemes.append(f"page {numero} : « {mot} » en x {x0:.0f}–{x1:.0f}, y {y0:.0f}–{y1:.0f}")
    return problemes


@pytest.fixture(scope="module")
def rapport_pdf(tmp_path_factory) -> Path:
    return render_pdf(contexte_complet(), tmp_path_factory.mktemp("rapport") / "rapport_activite_2024.pdf")


@needs_poppler
@pytest.mark.slow
def test_report_text_stays_inside_the_pages(rapport_pdf):
    assert hors_cadre(rapport_pdf) == []


@needs_poppler
@pytest.mark.slow
def test_report_sections_open_pages_in_order_with_a_table_of_contents(rapport_pdf):
    texte = subprocess.run(["pdftotext", "-layout", str(rapport_pdf), "-"], check=True, capture_output=True,
                           text=True).stdout.replace("\u202f", " ").replace("\xa0", " ")
    pages = [page.strip().removeprefix("Diffusion restreinte") for page in texte.split("\f")]
    titres = [notre for _, notre in ORDRE_DU_RAPPORT_MODELE]
    debuts = [" ".join(page.split()) for page in pages]
    assert [t for d in debuts for t in titres if d.startswith(t)] == titres
    sommaire = next(p for p in pages if p.strip().startswith("Sommaire"))
    # every entry with the page its section opens on
    for titre in titres:
        ligne = next(ligne for ligne in sommaire.splitlines() if ligne.strip().startswith(titre[:30]))
        page = int(ligne.split()[-1])
        assert debuts[page - 1].startswith(titre), titre
    assert "Sources : exports i-milo du 15 janvier 2025, année 2024." in texte
    assert "1 571" in texte and "3 179 157 €" in texte and "-8,0 %" in texte and "+17,1 %" in texte
    assert len(pages) - 1 <= 40


@needs_poppler
def test_monthly_dashboard_is_short_and_side_by_side(tmp_path):
    pdf = render_pdf(contexte_mensuel(), tmp_path / "tableau_de_bord_2024-03.pdf")
    texte = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout.replace("\u202f", " ").replace("\xa0", " ")
    assert 1 <= texte.count("\f") <= 2
    brut = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "Mars 2024" in texte and "Cumul du 1er janvier au 31 mars 2024" in " ".join(brut.split())
    ligne = next(ligne for ligne in texte.splitlines() if ligne.strip().startswith("Jeunes accompagnés"))
    assert ligne.split()[-2:] == ["290", "871"]
    assert hors_cadre(pdf) == []


def test_the_run_writes_the_dashboard_for_a_month_and_the_report_otherwise():
    assert nom_fichier(Periode(*MARS)) == "tableau_de_bord_2024-03.pdf"
    assert nom_fichier(Periode(*ANNEE)) == "rapport_activite_2024.pdf"
    assert nom_fichier(Periode(*CUMUL_MARS)) == "rapport_activite_2024-01-01_2024-03-31.pdf"


@needs_poppler
def test_the_page_box_check_sees_an_overflow(tmp_path):
    """The check above is not vacuous: a line that cannot wrap runs out of the text column and is reported."""
    from markupsafe import Markup

    contexte = contexte_complet()
    contexte["sections"] = contexte["sections"][:4]
    contexte["sections"][3]["texte"] = Markup('<p style="white-space: nowrap">' + "Un texte sans retour. " * 20
                                              + "</p>")
    problemes = hors_cadre(render_pdf(contexte, tmp_path / "debordement.pdf"))
    # all on the page of that text (its number moves with the blocks before it: the N−1 lines of the tiles…)
    assert problemes and len({p.split(" : ")[0] for p in problemes}) == 1
    assert any("« retour. »" in p for p in problemes)


@needs_poppler
@pytest.mark.slow
def test_public_report_of_a_small_mission_locale_stays_inside_the_pages(tmp_path):
    """The public version of the whole report, counts ÷ 100 (so that many are from 1 to 4) and masked by the
    extracts' disclosure control: « < 5 », « s », charts without masked values, the notes on the marks; every
    section still opens its page in order and no text leaves the page's box."""
    from milo_pipeline.lib.extraits import table_publique

    lignes = table_publique(_lignes_annee(echelle=0.01) + _lignes_saisies(), 5)
    contexte = build_report_context(lignes, _dictionnaire(), _seed("programmes.csv"), META, _seed("vocabulaires.csv"),
                                    textes=lire_saisies(DEMO).textes, evenements=_evenements(), version="publique")
    pdf = render_pdf(contexte, tmp_path / nom_fichier(Periode(*ANNEE), "publique"))
    assert hors_cadre(pdf) == []
    texte = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout.replace("\u202f", " ").replace("\xa0", " ")
    entete = "Version publique · « < 5 » : effectif de 1 à 4 · « s » : secret statistique"
    pages = [" ".join(page.split()).removeprefix(entete).strip() for page in texte.split("\f")]
    titres = [notre for _, notre in ORDRE_DU_RAPPORT_MODELE]
    assert [t for d in pages for t in titres if d.startswith(t)] == titres
    assert "valeur masquée" in texte and "Note de lecture : le secret statistique" in texte
