"""The report's context on small hand-made rows: sections in the seed report's order, only the period's rows,
placeholders for what is missing, new dictionary ids shown without template change, safe Markdown, French
formatting; and one small PDF."""

import csv
import re
import shutil
import subprocess
from datetime import date
from html import unescape
from pathlib import Path

import pytest

from milo_pipeline.lib.report import (
    NON_DISPONIBLE,
    NON_RENSEIGNE,
    TEXTE_ABSENT,
    build_dashboard_context,
    build_report_context,
    markdown_html,
    render_html,
    render_pdf,
)
from milo_pipeline.lib.suppression import MASQUE, PRIMAIRE, SECONDAIRE

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"
D2024, F2024 = date(2024, 1, 1), date(2024, 12, 31)
DEC_D, DEC_F = date(2024, 12, 1), date(2024, 12, 31)
TITRES = ["Synthèse 2024", "Jeunes reçus pour la première fois", "Jeunes accompagnés", "Présentation de parcours",
          "Dispositifs et formations", "Contrat d'Engagement Jeune", "Parrainage", "Accès à l'emploi",
          "Intervention dans les quartiers prioritaires de la ville", "Intervention sur les territoires",
          "CTAI – L'insertion des jeunes primo-arrivants", "Action santé", "Repérage et remobilisation",
          "Égalité filles-garçons", "Organigramme", "Événements 2024", "Budget", "Baromètre de satisfaction",
          "Définitions et sources"]


def _seed(name: str) -> list[dict]:
    with open(SEEDS / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _row(indicateur, valeur, unite, modalite=None, debut=D2024, fin=F2024):
    return {"periode_debut": debut, "periode_fin": fin, "indicateur": indicateur, "modalite": modalite,
            "valeur": valeur, "unite": unite}


def _disp(programme, nb, presents, pct=50.0):
    return [_row("disp_nb_beneficiaires", nb, "nb", programme),
            *[_row(f"disp_{c}_pct", pct, "pct", programme)
              for c in ("femmes", "mineurs", "sans_qualification", "qpv", "zrr")],
            _row("disp_nb_presents_fin", presents, "nb", programme)]


@pytest.fixture
def rows():
    hebergement = [("Non communiqué", 0.8), ("Chez les parents", 51.25), ("Logement autonome", 19.5),
                   ("Chez un membre de la famille", 10.9), ("Foyer, CHRS, hôtel", 8.5), ("Chez des amis", 6.0),
                   ("Sans hébergement", 3.1)]
    return [
        _row("pa_nb_jeunes", 1571.0, "nb"),
        *[_row("pa_hebergement_pct", v, "pct", m) for m, v in hebergement],
        _row("pa_sexe_pct", 52.1, "pct", "H"),
        _row("pa_sexe_pct", 47.9, "pct", "F"),
        _row("pa_tranche_age_pct", 45.3, "pct", "18-21 ans"),
        _row("pa_tranche_age_pct", 2.1, "pct", "Moins de 16 ans"),
        _row("pa_qpv_pct", 24.6, "pct"),
        _row("pa_zrr_pct", None, "pct"),
        _row("acc_nb_jeunes", 3484.0, "nb"),
        _row("acc_nb_entretiens_individuels", 21457.0, "nb"),
        _row("pacea_montant_eur", 110406.0, "eur"),
        _row("pacea_nb_jeunes", 217.0, "nb"),
        _row("pacea_moyenne_eur", 508.78, "eur"),
        *_disp("PACEA", 854.0, 702.0, 49.1),
        *_disp("CEJ", 531.0, 332.0),
        *_disp("Psychologue ML", 152.0, 81.0),
        *_disp("CUI-CIE", 0.0, 0.0, None),
        *_disp("Atelier hors catalogue", 4.0, 1.0),
        *_disp("CTAI - Jeunes primo-arrivants", 22.0, 11.0, 54.5),
        _row("disp_sorties_motif_nb", 5.0, "nb", "CTAI - Jeunes primo-arrivants|Emploi durable"),
        _row("disp_sorties_motif_nb", 4.0, "nb", "CTAI - Jeunes primo-arrivants|Formation qualifiante"),
        *_disp("Ensemble", 1713.0, 1736.0, 46.2),
        _row("pmsmp_nb", 486.0, "nb"),
        _row("pmsmp_evolution_pct", -8.0, "pct"),
        _row("service_civique_evolution_pct", 16.7, "pct"),
        _row("rh_nb_salaries", 59.0, "nb"),
        _row("rh_sexe_nb", 47.0, "nb", "F"),
        _row("rh_sexe_nb", 12.0, "nb", "H"),
        _row("evenements_nb", 2.0, "nb"),
        # Another period in the same table: never shown.
        _row("pa_nb_jeunes", 98765.0, "nb", debut=DEC_D, fin=DEC_F),
        _row("disp_nb_beneficiaires", 4321.0, "nb", "PPAE", DEC_D, DEC_F),
    ]


@pytest.fixture
def meta():
    return {"mission_locale": {"nom": "Mission Locale du Bassin d'Emploi de Besançon",
                               "nom_court": "Mission Locale de Besançon"},
            "periode_debut": D2024, "periode_fin": F2024,
            "date_exports": date(2025, 1, 15), "genere_le": date(2025, 4, 30)}


TEXTES = {"parcours": "# Le parcours de A.\n\nUn **premier** contrat, *enfin*.\n\n- un\n- deux\n",
          "territoires/cc-loue-lison": "Une permanence.", "territoires/cc-inconnue": "Personne."}
EVENEMENTS = [
    {"evenement_ordre": 2, "debut_date": date(2024, 3, 26), "fin_date": date(2024, 3, 26), "titre": "Forum santé",
     "description": "Dépistages : stands", "rubrique": "Santé", "visiteurs": 256},
    {"evenement_ordre": 1, "debut_date": date(2024, 1, 24), "fin_date": date(2024, 1, 26), "titre": "Vœux",
     "description": None, "rubrique": "Vie de la structure", "visiteurs": None},
    {"evenement_ordre": 3, "debut_date": date(2025, 1, 2), "fin_date": date(2025, 1, 2), "titre": "Après",
     "description": None, "rubrique": "Santé", "visiteurs": 10},
]


@pytest.fixture
def context(rows, meta):
    return build_report_context(rows, _seed("indicateurs_dictionnaire.csv"), _seed("programmes.csv"), meta,
                                _seed("vocabulaires.csv"), textes=TEXTES, evenements=EVENEMENTS)


def _section(context, section_id):
    return next(s for s in context["sections"] if s["id"] == section_id)


def _blocs(section, type_):
    return [b for b in section["blocs"] if b["type"] == type_]


def test_sections_in_the_order_of_the_seed_report(context):
    assert [s["titre"] for s in context["sections"]] == TITRES
    assert all(s["sources"] for s in context["sections"])


def test_absent_indicators_give_a_placeholder_not_an_error(context):
    absents = {s["id"]: s["absent"] for s in context["sections"] if s["absent"]}
    assert absents == {
        "cej": NON_DISPONIBLE, "parrainage": NON_DISPONIBLE, "territoires": NON_DISPONIBLE,
        "reperage": NON_DISPONIBLE, "budget": NON_RENSEIGNE, "satisfaction": NON_RENSEIGNE,
    }
    html = render_html(context)
    assert html.count("Données non disponibles pour la période.") == 4
    assert html.count("Non renseigné pour la période.") == 2


def test_a_section_fed_by_one_indicator_shows_it(context):
    egalite = _section(context, "egalite")
    titres = [b["titre"] for b in egalite["blocs"]]
    assert titres == ["Part des jeunes femmes selon le public", "Part des jeunes femmes par dispositif",
                      "L'équipe de la Mission Locale"]
    assert "Jeunes entrés en CEJ" not in egalite["blocs"][0]["graphique"]  # no CEJ row: no bar
    emploi = _section(context, "emploi")
    assert [c["libelle"] for b in _blocs(emploi, "chiffres") for c in b["chiffres"]] == [
        "PMSMP signées", "Évolution des PMSMP sur un an", "Évolution des services civiques sur un an"]


def test_only_the_rows_of_the_period_are_used(context):
    synthese = _blocs(_section(context, "synthese"), "chiffres")[0]["chiffres"]
    assert synthese[0] == {"indicateur": "pa_nb_jeunes", "modalite": None,
                           "libelle": "Jeunes reçus pour la première fois", "valeur": 1571.0, "unite": "nb",
                           "signe": False, "present": True, "precedent": synthese[0]["precedent"]}
    assert synthese[0]["precedent"]["texte"] == "2023\u00a0: n.d."  # no 2023 row (tests/test_comparaison.py)
    lignes = _blocs(_section(context, "dispositifs"), "tableau_dispositifs")[0]["lignes"]
    assert "PPAE" not in [ligne["libelle"] for ligne in lignes]


def test_values_are_passed_through_unchanged(context):
    pacea = _blocs(_section(context, "accompagnes"), "chiffres")[-1]["chiffres"]
    assert [c["valeur"] for c in pacea] == [21457.0, 110406.0, 217.0, 508.78]
    profil = _blocs(_section(context, "premier_accueil"), "chiffres")[0]["chiffres"]
    # a NULL value is kept (shown « – »); an indicator without a row is left out
    assert [c["valeur"] for c in profil] == [1571.0, 24.6, None]


def test_breakdowns_follow_the_vocabulary_and_list_every_modality(context):
    hebergement, sexe, age = _blocs(_section(context, "premier_accueil"), "repartition")
    assert [ligne["modalite"] for ligne in hebergement["lignes"]][:2] == ["Chez les parents", "Logement autonome"]
    assert hebergement["lignes"][-1]["modalite"] == "Non communiqué"
    assert [(ligne["libelle"], ligne["valeur"]) for ligne in sexe["lignes"]] == [("Femmes", 47.9), ("Hommes", 52.1)]
    assert [ligne["valeur"] for ligne in age["lignes"]] == [2.1, None, 45.3, None, None]
    assert hebergement["graphique"].startswith("<svg")


def test_breakdowns_without_vocabulary_keep_the_order_of_the_rows(rows, meta):
    context = build_report_context(rows, _seed("indicateurs_dictionnaire.csv"), _seed("programmes.csv"), meta)
    sexe = _blocs(_section(context, "premier_accueil"), "repartition")[1]
    assert [ligne["modalite"] for ligne in sexe["lignes"]] == ["H", "F"]
    # no breakdown row for the accompanied youths: no chart at all
    assert _blocs(_section(context, "accompagnes"), "repartition") == []


def test_dispositifs_table(context):
    bloc = _blocs(_section(context, "dispositifs"), "tableau_dispositifs")[0]
    assert [c["libelle"] for c in bloc["colonnes"]][0] == "Nombre de jeunes bénéficiaires"
    lignes = bloc["lignes"]
    assert [(ligne["echelon"], ligne["libelle"]) for ligne in lignes] == [
        ("National", "Contrat d'Engagement Jeune"),
        ("National", "PACEA"),
        ("Régional", "Psychologue ML"),
        ("Local", "CTAI - Jeunes primo-arrivants"),
        ("Non classé", "Atelier hors catalogue"),
        ("", "Ensemble"),
    ]
    assert [ligne["debut_groupe"] for ligne in lignes] == [True, False, True, True, True, True]
    assert lignes[-1]["ensemble"] and not any(ligne["ensemble"] for ligne in lignes[:-1])
    assert [v["valeur"] for v in lignes[1]["valeurs"]] == [854.0, 49.1, 49.1, 49.1, 49.1, 49.1, 702.0]


def test_thematic_sections_take_their_programmes_rows(context):
    ctai = _section(context, "ctai")
    assert ctai["blocs"][0] == {"type": "intertitre", "titre": "CTAI - Jeunes primo-arrivants"}
    assert [c["valeur"] for c in ctai["blocs"][1]["chiffres"]][:2] == [22.0, 11.0]
    assert "Emploi durable" in ctai["blocs"][2]["graphique"]
    sante = _section(context, "sante")  # Psychologue ML is a health programme; the 2025 event is not listed
    assert [ligne["libelle"] for ligne in _blocs(sante, "tableau_dispositifs")[0]["lignes"]] == ["Psychologue ML"]
    assert [e["titre"] for e in _blocs(sante, "evenements")[0]["evenements"]] == ["Forum santé"]


def test_events_of_the_period_in_date_order(context):
    liste = _blocs(_section(context, "evenements"), "evenements")[0]["evenements"]
    assert [(e["jours"], e["titre"], e["visiteurs"]) for e in liste] == [
        ("24/01 – 26/01/2024", "Vœux", None), ("26/03/2024", "Forum santé", 256)]


def test_a_new_dictionary_id_shows_without_template_change(rows, meta):
    dictionnaire = _seed("indicateurs_dictionnaire.csv") + [
        {"indicateur": "parr_nb_binomes_inedits", "ordre": "99999", "section": "parrainage",
         "libelle": "Binômes d'un genre nouveau", "unite": "nb", "vocabulaire": "", "definition": "Test."},
        {"indicateur": "rep_nb_jeunes_quartier", "ordre": "99998", "section": "reperage",
         "libelle": "Repérés par quartier", "unite": "nb", "vocabulaire": "", "definition": "Test."}]
    rows = rows + [_row("parr_nb_binomes_inedits", 7.0, "nb"), _row("rep_nb_jeunes_quartier", 3.0, "nb", "Nord"),
                   _row("rep_nb_jeunes_quartier", 5.0, "nb", "Sud")]
    context = build_report_context(rows, dictionnaire, _seed("programmes.csv"), meta)
    parrainage = _section(context, "parrainage")
    assert parrainage["absent"] is None
    assert parrainage["blocs"][-1]["titre"] == "Autres indicateurs"
    assert [c["valeur"] for c in parrainage["blocs"][-1]["chiffres"]] == [7.0]
    tableau = _section(context, "reperage")["blocs"][-1]
    assert tableau["titre"] == "Repérés par quartier"
    assert [(ligne["libelle"], ligne["cellules"][0]["valeur"]) for ligne in tableau["lignes"]] == [
        ("Nord", 3.0), ("Sud", 5.0)]


def test_territory_pages_and_their_texts(rows, meta):
    rows = rows + [_row("terr_nb_jeunes", 90.0, "nb", "CC Loue-Lison"), _row("terr_nb_jeunes", 4.0, "nb",
                                                                           "Hors territoire")]
    context = build_report_context(rows, _seed("indicateurs_dictionnaire.csv"), _seed("programmes.csv"), meta,
                                   textes=TEXTES)
    ids = [s["id"] for s in context["sections"]]
    assert ids[ids.index("territoires") + 1] == "territoire-cc-loue-lison"  # no page for « Hors territoire »
    page = _section(context, "territoire-cc-loue-lison")
    assert page["niveau"] == 2 and "Une permanence." in page["texte"]
    assert context["textes_ignores"] == ["territoires/cc-inconnue"]


def test_texts_of_the_mission_locale(context):
    parcours = _section(context, "parcours")
    assert parcours["absent"] is None
    assert parcours["texte"] == ("<h3>Le parcours de A.</h3>\n"
                                 "<p>Un <strong>premier</strong> contrat, <em>enfin</em>.</p>\n"
                                 "<ul>\n<li>un</li>\n<li>deux</li>\n</ul>\n")


def test_a_missing_portrait_says_so(rows, meta):
    context = build_report_context(rows, _seed("indicateurs_dictionnaire.csv"), _seed("programmes.csv"), meta)
    assert _section(context, "parcours")["absent"] == TEXTE_ABSENT
    assert "structure" not in [s["id"] for s in context["sections"]]  # optional narrative page


def test_markdown_is_rendered_safely():
    html = markdown_html("<!-- en-tête du fichier -->\n## Titre <b>\n\n[lien](javascript:alert(1)) "
                         "<script>alert(1)</script> ![img](x.png) « oui » : 5 %")
    assert "<script>" not in html and "<b>" not in html and "href" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "en-tête" not in html
    assert html.startswith("<h4>Titre &lt;b&gt;</h4>")
    assert "«\u00a0oui\u00a0»\u00a0: 5\u202f%" in html
    assert markdown_html(None) is None and markdown_html("<!-- vide -->") is None


def test_duplicate_rows_are_an_error(rows, meta):
    with pytest.raises(ValueError, match="en double.*pa_nb_jeunes"):
        build_report_context(rows + [_row("pa_nb_jeunes", 1.0, "nb")], [], [], meta)


def test_the_mission_locale_name_is_required(rows, meta):
    meta["mission_locale"] = {}
    with pytest.raises(ValueError, match="mission_locale.yaml"):
        build_report_context(rows, [], [], meta)


def test_html_escapes_and_formats(context):
    context["mission_locale"]["nom"] = "ML <Test> & Cie"
    html = render_html(context)
    assert "ML &lt;Test&gt; &amp; Cie" in html
    assert "1\u202f571" in html and "51,3\u202f%" in html
    assert "-8,0\u202f%" in html and "+16,7\u202f%" in html  # changes are signed
    assert "Sources : exports i-milo du 15 janvier 2025, année 2024." in html
    assert "Sources : saisie de la Mission Locale (effectifs.yaml), année 2024." in html


def test_dashboard_puts_the_month_beside_the_year_to_date(meta):
    mars, cumul = (date(2024, 3, 1), date(2024, 3, 31)), (date(2024, 1, 1), date(2024, 3, 31))
    rows = [_row("acc_nb_jeunes", 290.0, "nb", None, *mars), _row("acc_nb_jeunes", 871.0, "nb", None, *cumul),
            _row("pmsmp_evolution_pct", 4.0, "pct", None, *mars),
            _row("disp_nb_beneficiaires", 3.0, "nb", "PACEA", *mars),
            _row("disp_nb_beneficiaires", 9.0, "nb", "PACEA", *cumul),
            _row("disp_nb_beneficiaires", 9.0, "nb", "Ensemble", *cumul)]
    context = build_dashboard_context(rows, _seed("indicateurs_dictionnaire.csv"), _seed("programmes.csv"),
                                      {**meta, "periode_debut": mars[0], "periode_fin": mars[1]})
    accueil = context["groupes"][0]
    assert [(ligne["libelle"], ligne["mois"]["valeur"], ligne["cumul"]["valeur"]) for ligne in accueil["lignes"]] \
        == [("Jeunes accompagnés", 290.0, 871.0)]
    emploi = next(g for g in context["groupes"] if g["titre"] == "Emploi et immersions")
    assert emploi["lignes"][0]["signe"] and emploi["lignes"][0]["cumul"]["valeur"] is None
    assert [(e["libelle"], e["mois"]["valeur"], e["cumul"]["valeur"]) for e in context["entrees"]] == [
        ("PACEA", 3.0, 9.0), ("Ensemble", None, 9.0)]
    html = render_html(context)
    assert "Cumul du 1er janvier au 31 mars 2024" in html and "+4,0\u202f%" in html
    assert html.count("Données non disponibles pour la période.") == 3  # parrainage, repérage, événements


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_pdf(context, tmp_path):
    path = render_pdf(context, tmp_path / "sortie" / "rapport.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    text = text.replace("\u202f", " ").replace("\u00a0", " ")
    assert "1 571" in text and "51,3 %" in text and "110 406 €" in text and "508,78 €" in text
    assert "98 765" not in text and "4 321" not in text
    assert "Année 2024" in text
    pages = [page for page in text.split("\f") if page.strip()]
    # the internal version (the default): « Diffusion restreinte » heads every page but the cover, which has its mark
    assert all(page.split("\n", 1)[0].strip() == "Diffusion restreinte" for page in pages[1:])
    assert "Diffusion restreinte" in pages[0]
    pages = [page.strip().removeprefix("Diffusion restreinte") for page in pages]
    debuts = [" ".join(page.split()) for page in pages]
    # each section opens a page, in order
    assert [t for d in debuts for t in TITRES if d.startswith(t)] == TITRES
    tableau = next(page for page in pages if page.strip().startswith("Dispositifs et formations"))
    assert "Ensemble" in tableau and "1 713" in tableau and "Atelier hors catalogue" in tableau
    assert "CUI-CIE" not in tableau
    assert "Page 2 / " in text


def test_programmes_without_a_name_are_listed_unclassified(rows, meta):
    rows = rows + _disp(None, 0.0, 3.0)
    context = build_report_context(rows, [], _seed("programmes.csv"), meta)
    lignes = _blocs(_section(context, "dispositifs"), "tableau_dispositifs")[0]["lignes"]
    assert (lignes[-2]["echelon"], lignes[-2]["libelle"]) == ("Non classé", "(dispositif non renseigné)")


def _texte_section(html: str, section_id: str) -> str:
    """The text of one section of the rendered HTML, tags removed, white space (also U+00A0, U+202F) collapsed."""
    debut = html.index(f'id="{section_id}"')
    fin = html.index("</section>", debut)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html[html.index(">", debut) + 1:fin])).split())


def test_autres_indicateurs_show_every_id_not_laid_out_with_its_label_and_values(meta):
    """A new id of an existing section closes that section; ids of a new section, or outside the dictionary, close
    the report in « Autres indicateurs »; the public version masks them like any other cell."""
    dictionnaire = [
        {"indicateur": "acc_nb_jeunes", "ordre": "200", "section": "accompagnes", "libelle": "Jeunes accompagnés",
         "unite": "nb", "vocabulaire": "", "definition": "Jeunes en contact."},
        {"indicateur": "acc_nb_ateliers", "ordre": "299", "section": "accompagnes", "libelle": "Ateliers collectifs",
         "unite": "nb", "vocabulaire": "", "definition": "Ateliers tenus."},
        {"indicateur": "sport_nb_seances", "ordre": "9900", "section": "sport", "libelle": "Séances de sport",
         "unite": "nb", "vocabulaire": "", "definition": "Séances encadrées."},
        {"indicateur": "sport_discipline_nb", "ordre": "9910", "section": "sport", "libelle": "Jeunes par discipline",
         "unite": "nb", "vocabulaire": "", "definition": "Jeunes inscrits, par discipline."},
    ]
    interne = [_row("acc_nb_jeunes", 40.0, "nb"), _row("acc_nb_ateliers", 2.0, "nb"),
               _row("sport_nb_seances", 42.0, "nb"), _row("sport_discipline_nb", 3.0, "nb", "Football"),
               _row("sport_discipline_nb", 9.0, "nb", "Natation"), _row("hors_dictionnaire_nb", 7.0, "nb")]
    masques = {("acc_nb_ateliers", None): PRIMAIRE, ("sport_discipline_nb", "Football"): PRIMAIRE,
               ("sport_discipline_nb", "Natation"): SECONDAIRE}
    publique = [{**r, "valeur": MASQUE, "secret": masques[(r["indicateur"], r["modalite"])]}
                if (r["indicateur"], r["modalite"]) in masques else {**r, "secret": None} for r in interne]

    contexte = build_report_context(interne, dictionnaire, [], meta)
    assert [s["id"] for s in contexte["sections"]][-2:] == ["autres-indicateurs", "definitions-sources"]
    assert contexte["indicateurs_non_montres"] == []
    html = render_html(contexte)
    assert _texte_section(html, "accompagnes").startswith(
        "Jeunes accompagnés Jeunes en contact. 40 jeunes Définition : 1 Autres indicateurs 2 Ateliers collectifs "
        "Définition : 2 Sources :")
    assert _texte_section(html, "autres-indicateurs") == (
        "Autres indicateurs Les indicateurs qu'aucune section de ce rapport ne présente encore, sous leur libellé du "
        "dictionnaire des indicateurs. Autres indicateurs 42 Séances de sport 7 "
        "hors_dictionnaire_nb Définitions : 3 , 5 Jeunes par discipline Jeunes par discipline Football 3 Natation 9 "
        "Jeunes inscrits, par discipline. Définition : 4 Sources : exports i-milo du 15 janvier 2025, année 2024.")

    html = render_html(build_report_context(publique, dictionnaire, [], meta, version="publique", seuil=5))
    assert _texte_section(html, "accompagnes").startswith(
        "Jeunes accompagnés Jeunes en contact. 40 jeunes Définition : 1 Autres indicateurs < 5 Ateliers collectifs "
        "Définition : 2 < 5 : effectif de 1 à 4, masqué (secret statistique). Sources :")
    assert _texte_section(html, "autres-indicateurs") == (
        "Autres indicateurs Les indicateurs qu'aucune section de ce rapport ne présente encore, sous leur libellé du "
        "dictionnaire des indicateurs. Autres indicateurs 42 Séances de sport 7 "
        "hors_dictionnaire_nb Définitions : 3 , 5 Jeunes par discipline Jeunes par discipline Football < 5 Natation s "
        "Jeunes inscrits, par discipline. Définition : 4 < 5 : effectif de 1 à 4, masqué (secret statistique). s : "
        "secret statistique (valeur masquée). Sources : exports i-milo du 15 janvier 2025, année 2024.")
