"""The report and the dashboard every reader can use (issue 15, points 1 and 2).

- The tagged PDF (WeasyPrint's PDF/UA-1 variant), walked with pikepdf on the fixture's real runs (the year 2024:
  `run_2024`; the month 2024-03: a run on a copy of it): `pdfinfo` « Tagged: yes », /Lang fr, the `<title>` as
  XMP dc:title with pdfuaid:part 1, one bookmark per section of the context, every /Figure with the /Alt its chart
  wrote (its title and its figures), every /Table with header cells, no Link inside a Link, backgrounds as artifacts.
- The web page beside each PDF (`….html`): published with it, self-contained, deterministic (only the generation
  date varies), and, in Chromium (Debian's, driven by Playwright), axe-core (axe-playwright-python 0.1.8, axe-core
  4.12.1) finds no WCAG 2.0/2.1 A or AA violation at 1280 and 375 px, no request leaves file:/data:, and at 375 px
  the page does not scroll sideways.
- The charts' text alternatives on hand-written values, the colours' contrast, WeasyPrint's own accessibility
  errors (logged, never raised) watched through its logger.
"""

from __future__ import annotations

import html
import logging
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pikepdf
import pytest
from conftest import copie_du_run, run_cli
from test_diffusion import META, _seed, contexte, lignes_fixture

from milo_pipeline.lib import charts
from milo_pipeline.lib.extraits import table_publique
from milo_pipeline.lib.formatting import Masque, fr_nombre, fr_pct
from milo_pipeline.lib.periods import parse_period
from milo_pipeline.lib.report import INTERNE, PUBLIQUE, TEMPLATES_DIR, build_dashboard_context, nom_fichier
from milo_pipeline.lib.report.rendu import render_html, render_report
from milo_pipeline.lib.report.run import lire_sources

NNBSP, NBSP = "\u202f", "\xa0"
ANNEE, MOIS = parse_period("2024"), parse_period("2024-03")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
# a figure as the report writes it: 1 571, 47,8 %, 652,75 €, -25,0 %, « < 5 », « s »
FIGURE = re.compile(rf"[+-]?\d[\d{NNBSP}]*(?:,\d+)?(?:{NNBSP}(?:%|€|mois))?|<{NBSP}\d+|(?<!\w)s(?!\w)")
SVG_TITLE = re.compile(r"<svg [^>]*>\n<title>(.*?)</title>(.*?)</svg>", re.DOTALL)


# --------------------------------------------------------------------------------------------
# Charts: the text alternative gives the figures (fast, hand-written values)
# --------------------------------------------------------------------------------------------
def titre_svg(svg: str) -> str:
    (titre, _), = SVG_TITLE.findall(svg)
    return html.unescape(titre)


def test_a_chart_alternative_gives_its_title_and_its_figures_in_french():
    sexe = charts.split_bar_chart([("Femmes", 47.0), ("Hommes", 53.0)], title="Répartition par sexe", total=100)
    assert titre_svg(sexe) == f"Répartition par sexe{NBSP}: Femmes 47,0{NNBSP}%{NNBSP}; Hommes 53,0{NNBSP}%."
    ages = charts.vertical_bar_chart([("16-17 ans", 20.8), ("18-21 ans", None)], title="Âge")
    assert titre_svg(ages) == f"Âge{NBSP}: 16-17 ans 20,8{NNBSP}%{NNBSP}; 18-21 ans –."
    budget = charts.horizontal_bar_chart([("Salaires", 2478300), ("Loyers", 236400.5)], title="Charges",
                                         format_value=charts.fr_nombre)
    assert titre_svg(budget) == f"Charges{NBSP}: Salaires 2{NNBSP}478{NNBSP}300{NNBSP}; Loyers 236{NNBSP}401."
    evolution = charts.diverging_bar_chart([("Emploi", -7.95), ("Alternance", 16.67)], title="Évolution")
    assert titre_svg(evolution) == f"Évolution{NBSP}: Emploi -8,0{NNBSP}%{NNBSP}; Alternance +16,7{NNBSP}%."
    contrats = charts.stacked_bar_chart([("CDI", [36, 9]), ("CDD", [7, 2])], ["Femmes", "Hommes"], title="Salariés")
    assert titre_svg(contrats) == (f"Salariés{NBSP}: CDI{NBSP}: Femmes 36, Hommes 9{NNBSP}; "
                                   f"CDD{NBSP}: Femmes 7, Hommes 2.")


def test_a_masked_value_is_told_as_the_chart_shows_it_and_an_untitled_chart_still_has_its_figures():
    svg = charts.split_bar_chart([("Femmes", Masque(5)), ("Hommes", Masque())], format_value=fr_nombre, total=12)
    assert titre_svg(svg) == f"Femmes <{NBSP}5{NNBSP}; Hommes s."
    barres = charts.horizontal_bar_chart([("QN02501M", 479), ("QN02502M", Masque())], title="Par quartier",
                                         format_value=fr_nombre)
    assert titre_svg(barres) == f"Par quartier{NBSP}: QN02501M 479{NNBSP}; QN02502M s."
    assert "479" not in titre_svg(charts.horizontal_bar_chart([("a", Masque(5))], title="t", format_value=fr_pct))


def test_every_palette_colour_takes_an_ink_of_at_least_4_5_to_1():
    assert charts.contrast("#ffffff", "#000000") == pytest.approx(21)
    assert charts.contrast("#5f7f91", charts.ink("#5f7f91")) < 4.5  # the colour the palette had: no ink fitted
    for colour in charts.PALETTE:
        assert charts.contrast(colour, charts.ink(colour)) >= 4.5, colour
    for text in (charts.INK, charts.MUTED, charts.ACCENT):  # labels, « valeur masquée », on white
        assert charts.contrast(text, "#ffffff") >= 4.5, text
    # the 4th part of a stacked bar is written in its ink
    svg = charts.stacked_bar_chart([("CDI", [30, 30, 30, 30])], ["a", "b", "c", "d"], width=640, label_width=100)
    encres = re.findall(r'<rect class="part"[^>]*fill="(#\w+)"/>\n<text class="inside"[^>]*fill="(#\w+)"', svg)
    assert [fond for fond, _ in encres] == list(charts.PALETTE[:4])
    assert all(charts.contrast(fond, encre) >= 4.5 for fond, encre in encres)


def test_every_text_colour_of_the_stylesheet_reaches_4_5_to_1_on_every_background():
    """Each `color:` of rapport.css against each `background:` it may sit on: a dark text on every light
    background, white on every dark one."""
    css = (TEMPLATES_DIR / "rapport.css").read_text(encoding="utf-8")
    textes = set(re.findall(r"(?<![-\w])color:\s*(#[0-9a-f]{6})", css))
    fonds = set(re.findall(r"background:\s*(#[0-9a-f]{6})", css)) | {"#ffffff"}
    assert {"#222222", "#5f6b73", "#ffffff", "#1d5b79"} <= textes and {"#1d5b79", "#eef3f6"} <= fonds
    clairs = {f for f in fonds if charts.luminance(f) > 0.5}
    for texte in textes:
        assortis = clairs if charts.luminance(texte) < 0.5 else fonds - clairs
        faibles = [f for f in assortis if charts.contrast(texte, f) < 4.5]
        assert not faibles, f"{texte} sur {faibles}"


# --------------------------------------------------------------------------------------------
# The web page: self-contained and deterministic (fast: no browser, no PDF)
# --------------------------------------------------------------------------------------------
def contexte_mensuel(version: str, genere_le: date = META["genere_le"]) -> dict:
    mars, cumul = (date(2024, 3, 1), date(2024, 3, 31)), (date(2024, 1, 1), date(2024, 3, 31))
    lignes = [{"periode_debut": p[0], "periode_fin": p[1], "indicateur": i, "modalite": None, "valeur": v,
               "unite": "nb"} for p, i, v in ((mars, "pa_nb_jeunes", 3.0), (cumul, "pa_nb_jeunes", 41.0),
                                              (mars, "acc_nb_jeunes", 290.0), (cumul, "acc_nb_jeunes", 871.0))]
    rows = lignes if version == INTERNE else table_publique(lignes, 5)
    return build_dashboard_context(rows, _seed("indicateurs_dictionnaire.csv"), [],
                                   {**META, "periode_debut": mars[0], "periode_fin": mars[1], "genere_le": genere_le},
                                   version=version, seuil=5)


def contextes(genere_le: date = META["genere_le"]) -> dict[str, dict]:
    lignes = lignes_fixture()
    rapports = {INTERNE: contexte(lignes, INTERNE), PUBLIQUE: contexte(table_publique(lignes, 5), PUBLIQUE)}
    for ctx in rapports.values():
        ctx["genere_le"] = genere_le
    return {"rapport_interne": rapports[INTERNE], "rapport_public": rapports[PUBLIQUE],
            "bord_interne": contexte_mensuel(INTERNE, genere_le), "bord_public": contexte_mensuel(PUBLIQUE, genere_le)}


def test_the_web_page_is_one_self_contained_file():
    css = (TEMPLATES_DIR / "rapport.css").read_text(encoding="utf-8")
    for nom, ctx in contextes().items():
        page = render_html(ctx)
        assert css in page, nom  # the whole stylesheet, inlined
        assert re.findall(r"<(link|script|img|iframe|object|embed|base)\b", page) == [], nom
        sans_espace_de_noms = page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # a name, not a request
        assert not re.search(r"\b(src|srcset|href)=\"(?!#)|url\(|@import|https?://", sans_espace_de_noms), nom
        assert '<html lang="fr">' in page and '<meta name="viewport"' in page, nom


def test_two_renders_give_the_same_bytes_and_only_the_generation_date_varies():
    premier, second, lendemain = contextes(), contextes(), contextes(META["genere_le"] + timedelta(days=1))
    for nom in premier:
        page = render_html(premier[nom])
        assert render_html(second[nom]) == page, nom
        autre = render_html(lendemain[nom]).splitlines()
        differentes = [(a, b) for a, b in zip(page.splitlines(), autre, strict=True) if a != b]
        if nom.startswith("rapport"):
            # the report prints its date only in the generation line of its annex « Définitions et sources », which
            # a run's context has (test_annexe: two runs differ by that line only); this one has none
            assert differentes == [], nom
            continue
        assert len(differentes) == 1, nom
        assert "Document produit le 20 janvier 2025." in differentes[0][0]
        assert "Document produit le 21 janvier 2025." in differentes[0][1]


def test_the_public_page_and_its_chart_alternatives_show_no_hidden_value():
    """The alternatives carry the figures: in the public page they carry the marks, never a hidden value (the
    hand-picked ones of test_diffusion)."""
    pages = {nom: html.unescape(render_html(ctx)) for nom, ctx in contextes().items()}
    cachees = {f"652,75{NNBSP}€", f"326,38{NNBSP}€", f"66,7{NNBSP}%", f"-25,0{NNBSP}%", f"4,5{NNBSP}mois"}
    assert cachees <= {v for v in cachees if v in pages["rapport_interne"]}
    assert [v for v in sorted(cachees) if v in pages["rapport_public"]] == []
    # first welcomes of 2024: J01 (F), J02 and J04 (H); 3 youths: their shares are masked in the public version
    assert (f"<title>Répartition par sexe des jeunes en premier accueil{NBSP}: Femmes 33,3{NNBSP}%{NNBSP}; "
            f"Hommes 66,7{NNBSP}%.</title>") in pages["rapport_interne"]
    assert (f"<title>Répartition par sexe des jeunes en premier accueil{NBSP}: Femmes s{NNBSP}; "
            "Hommes s.</title>") in pages["rapport_public"]


# --------------------------------------------------------------------------------------------
# WeasyPrint's own accessibility errors (a PDF rendered: slow)
# --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_weasyprint_logs_no_missing_alt_nor_missing_lang(tmp_path, caplog):
    """WeasyPrint logs (never raises) an image without alt and a page without lang. An inline SVG without <title>
    logs nothing: the structure walk below (a Figure without /Alt) is what catches that."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    # the capture sees them: an image without its alternative and a page without lang
    image = "data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%2210%22 height=%2210%22/%3E"
    nu = render_html(contextes()["bord_interne"]).replace('<html lang="fr">', "<html>").replace(
        "<main>", f'<main><img alt="" src="{image}">')
    from weasyprint import HTML

    HTML(string=nu).write_pdf(tmp_path / "nu.pdf", pdf_variant="pdf/ua-1")
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "no required alt" in messages and 'Missing required "lang"' in messages
    caplog.clear()
    for nom, ctx in contextes().items():
        pdf, page = render_report(ctx, tmp_path / f"{nom}.pdf")
        assert page == pdf.with_suffix(".html") and page.read_text(encoding="utf-8") == render_html(ctx)
    erreurs = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
               or "required alt" in r.getMessage() or 'required "lang"' in r.getMessage()]
    assert erreurs == []


# --------------------------------------------------------------------------------------------
# The real runs: the published files, the PDF's structure tree
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run_mars(run_2024, tmp_path_factory):
    """The month 2024-03 run on a copy of the session's run (its own MILO_HOME): the dashboard's outputs."""
    copie = copie_du_run(run_2024, tmp_path_factory.mktemp("acc") / "run")
    out = copie.root / "out_mars"
    resultat = run_cli(["run", "--exports", str(copie.exports), "--period", "2024-03", "--out", str(out)], copie.home)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr[-3000:]
    return copie, out


@pytest.fixture(scope="module")
def documents(run_2024, run_mars) -> dict[str, tuple[Path, dict]]:
    """Each published PDF (report and dashboard, internal and public), with the internal context of its period
    built from the run's own warehouse (the section titles do not depend on the version)."""
    mars, out_mars = run_mars
    docs = {}
    for exports, warehouse, out, periode in ((run_2024.exports, run_2024.warehouse, run_2024.out, ANNEE),
                                             (mars.exports, mars.warehouse, out_mars, MOIS)):
        sources = lire_sources(warehouse, exports, periode, date.today())
        ctx = sources.contexte(sources.lignes, INTERNE, 5)
        for version in (INTERNE, PUBLIQUE):
            docs[nom_fichier(periode, version)] = (out / nom_fichier(periode, version), ctx)
    return docs


def test_each_pdf_is_published_with_its_web_page(documents):
    for nom, (pdf, _) in documents.items():
        page = pdf.with_suffix(".html")
        assert page.is_file() and pdf.is_file(), nom
        assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    dossier = documents[nom_fichier(ANNEE)][0].parent
    assert sorted(p.name for p in dossier.glob("rapport_activite_*")) == sorted(
        nom_fichier(ANNEE, v, e) for v in (INTERNE, PUBLIQUE) for e in ("html", "pdf"))


def test_the_published_page_is_the_render_of_the_run_s_context(run_2024, documents):
    """The page the run published is the render of the context the sources give (the same templates, the same
    figures), apart from the generation date."""
    pdf, ctx = documents[nom_fichier(ANNEE)]
    publiee = pdf.with_suffix(".html").read_text(encoding="utf-8")
    sans_date = re.compile(r'<p class="generation">[^<]*</p>')
    # the annex's quality status is the Dagster run's (its check evaluations), which this context has not: compared
    # apart (test_annexe); everything before it, and after it but the generation line, is the same
    qualite = re.compile(r"<h3>Qualité des données</h3>.*?(?=<h3>)", re.S)
    rendue = qualite.sub("", sans_date.sub("", render_html(ctx)))
    assert "<h3>Fichiers sources</h3>" in rendue and "<h3>Production</h3>" in rendue
    assert rendue == qualite.sub("", sans_date.sub("", publiee))


def elements(noeud: pikepdf.Object):
    """Every structure element under `noeud`, depth first."""
    enfants = noeud.get("/K")
    for enfant in (list(enfants) if isinstance(enfants, pikepdf.Array) else [enfants]):
        if isinstance(enfant, pikepdf.Dictionary) and "/S" in enfant:
            yield enfant
            yield from elements(enfant)


def signets_attendus(ctx: dict, publique: bool) -> list[tuple[str, list[str]]]:
    """One bookmark per section: for the report « Sommaire », the public version's reading note, each section (a
    territory's page under « Intervention sur les territoires »); for the dashboard its two parts."""
    if "sections" not in ctx:
        return [("Chiffres clés", []), *([("Entrées en dispositif", [])] if ctx["entrees"] else [])]
    signets = [("Sommaire", [])] + ([("Note de lecture : le secret statistique", [])] if publique else [])
    for section in ctx["sections"]:
        if section["niveau"] == 1:
            signets.append((section["titre"], []))
        else:
            signets[-1][1].append(section["titre"])
    return signets


@pytest.mark.parametrize("nom", [nom_fichier(p, v) for p in (ANNEE, MOIS) for v in (INTERNE, PUBLIQUE)])
def test_the_pdf_is_tagged_in_french_with_its_title_bookmarks_alternatives_and_headers(documents, nom):
    chemin, ctx = documents[nom]
    page = chemin.with_suffix(".html").read_text(encoding="utf-8")
    info = subprocess.run(["pdfinfo", str(chemin)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE)
    titre = html.unescape(re.search(r"<title>(.*?)</title>", page).group(1))
    assert titre.startswith(("Rapport d'activité – ", "Tableau de bord mensuel – "))
    with pikepdf.open(chemin) as pdf:
        racine = pdf.Root
        assert str(racine.Lang) == "fr"
        assert bool(racine.MarkInfo.Marked) and bool(racine.ViewerPreferences.DisplayDocTitle)
        with pdf.open_metadata() as xmp:
            assert xmp["pdfuaid:part"] == "1" and xmp["dc:title"] == titre
        with pdf.open_outline() as plan:
            signets = [(s.title, [e.title for e in s.children]) for s in plan.root]
        assert signets == signets_attendus(ctx, nom.endswith("_public.pdf"))

        structure = list(elements(racine.StructTreeRoot))
        types = [str(e.S) for e in structure]
        # every chart: a Figure whose /Alt is its SVG <title>, holding at least one figure written in the chart
        graphiques = [(html.unescape(t), corps) for t, corps in SVG_TITLE.findall(page)]
        alternatives = [str(e.get("/Alt", "")) for e in structure if str(e.S) == "/Figure"]
        assert alternatives == [t for t, _ in graphiques]
        for alternative, corps in graphiques:
            ecrits = set(FIGURE.findall(" ".join(html.unescape(x) for x in re.findall(r">([^<]+)</text>", corps))))
            assert set(FIGURE.findall(alternative.partition(f"{NBSP}:")[2])) & ecrits, alternative
        # every table has header cells; no layout table is left (tiles, chart beside its table)
        tables = [e for e in structure if str(e.S) == "/Table"]
        assert tables and all(any(str(x.S) == "/TH" for x in elements(t)) for t in tables)
        assert not re.search(r'<table class="(tuiles|cote-a-cote)"', page)
        # the table of contents: links, none inside another
        assert not [e for e in structure if str(e.S) == "/Link" and any(str(x.S) == "/Link" for x in elements(e))]
        assert ("/Link" in types) == ("sections" in ctx)
        # backgrounds (the cover's band, the dashboard's header) are artifacts, not content
        operateurs = pikepdf.parse_content_stream(pdf.pages[0])
        assert any(str(op) in ("BDC", "BMC") and operandes and str(operandes[0]) == "/Artifact"
                   for operandes, op in operateurs)
    if "sections" in ctx:
        assert len(alternatives) >= 10  # the fixture's report draws its charts


def test_the_run_s_chart_alternatives_give_the_hand_computed_figures(documents):
    """First welcomes of 2024: J01 (F), J02 and J04 (H): 33,3 % and 66,7 %; masked in the public version."""
    alternatives = {}
    for version in (INTERNE, PUBLIQUE):
        with pikepdf.open(documents[nom_fichier(ANNEE, version)][0]) as pdf:
            alternatives[version] = [str(e.Alt) for e in elements(pdf.Root.StructTreeRoot) if str(e.S) == "/Figure"]
    sexe = "Répartition par sexe des jeunes en premier accueil"
    assert f"{sexe}{NBSP}: Femmes 33,3{NNBSP}%{NNBSP}; Hommes 66,7{NNBSP}%." in alternatives[INTERNE]
    assert f"{sexe}{NBSP}: Femmes s{NNBSP}; Hommes s." in alternatives[PUBLIQUE]


# --------------------------------------------------------------------------------------------
# The web pages in a browser: axe-core, no request, readable on a phone
# --------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.browser
def test_axe_finds_no_a_or_aa_violation_and_the_page_needs_no_network(documents):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    resultats = {}
    with sync_playwright() as p:
        navigateur = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            for nom, (pdf, _) in documents.items():
                for largeur in (1280, 375):
                    page = navigateur.new_page(viewport={"width": largeur, "height": 800})
                    exterieures: list[str] = []

                    def filtre(route, exterieures=exterieures):
                        if route.request.url.startswith(("file:", "data:")):
                            return route.continue_()
                        exterieures.append(route.request.url)
                        return route.abort()

                    page.route("**/*", filtre)
                    page.goto(pdf.with_suffix(".html").resolve().as_uri())
                    reponse = axe.run(page, options=AXE_OPTIONS).response
                    resultats[nom, largeur] = {
                        "violations": [(v["id"], len(v["nodes"])) for v in reponse["violations"]],
                        "requetes": exterieures,
                        "largeur": page.evaluate("document.documentElement.scrollWidth"),
                        "graphiques": page.locator("svg[role=img] > title").count(),
                    }
                    page.close()
        finally:
            navigateur.close()
    assert {k: r["violations"] for k, r in resultats.items() if r["violations"]} == {}
    assert {k: r["requetes"] for k, r in resultats.items() if r["requetes"]} == {}
    assert {k: r["largeur"] for k, r in resultats.items() if r["largeur"] > k[1]} == {}
    assert resultats[nom_fichier(ANNEE), 375]["graphiques"] >= 10  # axe did look at the charts
