import csv
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from milo_pipeline.lib.report import build_report_context, render_html, render_pdf

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"
D2024, F2024 = date(2024, 1, 1), date(2024, 12, 31)
DEC_D, DEC_F = date(2024, 12, 1), date(2024, 12, 31)
TITRES = ["Synthèse", "Jeunes reçus pour la première fois", "Jeunes accompagnés", "Dispositifs et formations"]


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
        *_disp("Ensemble", 1713.0, 1736.0, 46.2),
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


@pytest.fixture
def context(rows, meta):
    return build_report_context(rows, _seed("indicateurs_dictionnaire.csv"), _seed("programmes.csv"), meta,
                                _seed("vocabulaires.csv"))


def _section(context, section_id):
    return next(s for s in context["sections"] if s["id"] == section_id)


def _blocs(section, type_):
    return [b for b in section["blocs"] if b["type"] == type_]


def test_sections_in_order(context):
    assert [s["titre"] for s in context["sections"]] == TITRES
    assert all(s["definition"] for s in context["sections"])


def test_only_the_rows_of_the_period_are_used(context):
    synthese = _blocs(_section(context, "synthese"), "chiffres")[0]["chiffres"]
    assert synthese[0] == {"indicateur": "pa_nb_jeunes", "libelle": "Jeunes reçus pour la première fois",
                           "valeur": 1571.0, "unite": "nb"}
    lignes = _blocs(_section(context, "dispositifs"), "tableau_dispositifs")[0]["lignes"]
    assert "PPAE" not in [ligne["libelle"] for ligne in lignes]


def test_values_are_passed_through_unchanged(context):
    pacea = _blocs(_section(context, "synthese"), "chiffres")[1]["chiffres"]
    assert [c["valeur"] for c in pacea] == [110406.0, 217.0, 508.78]
    profil = _blocs(_section(context, "premier_accueil"), "chiffres")[0]["chiffres"]
    assert [c["valeur"] for c in profil] == [1571.0, 24.6, None, None]


def test_breakdowns_follow_the_vocabulary_and_list_every_modality(context):
    repartitions = _blocs(_section(context, "premier_accueil"), "repartition")
    hebergement, sexe, age = repartitions
    assert [ligne["modalite"] for ligne in hebergement["lignes"]][:2] == ["Chez les parents", "Logement autonome"]
    assert hebergement["lignes"][-1]["modalite"] == "Non communiqué"
    assert [(ligne["libelle"], ligne["valeur"]) for ligne in sexe["lignes"]] == [("Femmes", 47.9), ("Hommes", 52.1)]
    assert [ligne["valeur"] for ligne in age["lignes"]] == [2.1, None, 45.3, None, None]
    assert hebergement["graphique"].startswith("<svg")


def test_breakdowns_without_vocabulary_keep_the_order_of_the_rows(rows, meta):
    context = build_report_context(rows, _seed("indicateurs_dictionnaire.csv"), _seed("programmes.csv"), meta)
    sexe = _blocs(_section(context, "premier_accueil"), "repartition")[1]
    assert [ligne["modalite"] for ligne in sexe["lignes"]] == ["H", "F"]
    age_acc = _blocs(_section(context, "accompagnes"), "repartition")[2]
    assert age_acc["lignes"] == [] and age_acc["graphique"] is None
    assert "Aucune donnée pour la période." in render_html(context)


def test_dispositifs_table(context):
    bloc = _blocs(_section(context, "dispositifs"), "tableau_dispositifs")[0]
    assert [c["libelle"] for c in bloc["colonnes"]][0] == "Nombre de jeunes bénéficiaires"
    lignes = bloc["lignes"]
    assert [(ligne["echelon"], ligne["libelle"]) for ligne in lignes] == [
        ("National", "Contrat d'Engagement Jeune"),
        ("National", "PACEA"),
        ("Régional", "Psychologue ML"),
        ("Non classé", "Atelier hors catalogue"),
        ("", "Ensemble"),
    ]
    assert [ligne["debut_groupe"] for ligne in lignes] == [True, False, True, True, True]
    assert lignes[-1]["ensemble"] and not any(ligne["ensemble"] for ligne in lignes[:-1])
    assert [v["valeur"] for v in lignes[1]["valeurs"]] == [854.0, 49.1, 49.1, 49.1, 49.1, 49.1, 702.0]


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
    assert "Sources : exports i-milo du 15 janvier 2025" in html


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
    pages = text.split("\f")
    premieres_lignes = [page.strip().splitlines()[0].strip() for page in pages if page.strip()]
    assert [ligne for ligne in premieres_lignes if ligne in TITRES] == TITRES  # each section opens a page
    tableau = next(page for page in pages if page.strip().startswith("Dispositifs et formations"))
    assert "Ensemble" in tableau and "1 713" in tableau and "Atelier hors catalogue" in tableau
    assert "CUI-CIE" not in tableau
    assert "Page 2 / " in text


def test_programmes_without_a_name_are_listed_unclassified(rows, meta):
    rows = rows + _disp(None, 0.0, 3.0)
    context = build_report_context(rows, [], _seed("programmes.csv"), meta)
    lignes = _blocs(_section(context, "dispositifs"), "tableau_dispositifs")[0]["lignes"]
    assert (lignes[-2]["echelon"], lignes[-2]["libelle"]) == ("Non classé", "(dispositif non renseigné)")
