"""The regional report (lib/report/reseau.py) on a consolidated table written by hand: three structures and their
network, values computed by hand below.

                       ML-A (Alpha)     ML-B (Bravo)     ML-C (Charlie)   réseau ARML-TEST
  acc_nb_jeunes        1 200            341              30               1 200 + 341 + 30 = 1 571
  emploi_acces_pct     480/1 200 = 40,0 175/341 = 51,3   10/30 = 33,3     665/1 571 = 42,33 → 42,3 %
  cej_sorties_pos_pct  25/40 = 62,5     10/20 = 50,0     no exit: empty   35/60 = 58,33 → 58,3 %
  parr_nb_jeunes       12               3                0                15
  terr_nb_jeunes       (each structure's own territory: not aggregable, no network row)

ML-D's package was refused (a checksum), ML-E sent none. In the public table (already masked as
extraits.table_publique gives it) Bravo's 3 mentored youths are a count from 1 to 4 (« primaire »: « < 5 ») and
Alpha's 12 is masked too (« secondaire »: otherwise 15 − 0 − 12 gives Bravo's 3).
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from datetime import date

import pikepdf
import pytest
from test_accessibilite import FIGURE, NBSP, NNBSP, SVG_TITLE, elements, signets_attendus
from test_diffusion import _seed

from milo_pipeline.lib.periods import Periode
from milo_pipeline.lib.report import INTERNE, PUBLIQUE, reseau
from milo_pipeline.lib.report.rendu import render_html
from milo_pipeline.lib.report.reseau import contexte_rapport_reseau, nom_fichier_reseau, rendre_rapport_reseau
from milo_pipeline.lib.suppression import MASQUE, PRIMAIRE, SECONDAIRE

ANNEE = Periode(date(2024, 1, 1), date(2024, 12, 31))
RESEAU = {"code": "ARML-TEST", "nom": "Association régionale des Missions Locales de Test", "nom_court": "ARML Test",
          "region": "Bourgogne-Franche-Comté"}
STRUCTURES = [
    {"code": "ML-A", "nom": "Mission Locale Alpha du Grand Test", "nom_court": "ML Alpha", "statut": "incluse",
     "motif": None, "genere_le": date(2025, 1, 16)},
    {"code": "ML-B", "nom": "Mission Locale Bravo", "nom_court": "ML Bravo", "statut": "incluse", "motif": None},
    {"code": "ML-C", "nom": "Mission Locale Charlie", "nom_court": "ML Charlie", "statut": "incluse", "motif": None},
    {"code": "ML-D", "nom": "Mission Locale Delta", "nom_court": "ML Delta", "statut": "refusee",
     "motif": "ML-D_2024/agregats.csv : somme de contrôle SHA-256 différente de celle du manifeste"},
    {"code": "ML-E", "nom": "Mission Locale Echo", "nom_court": "ML Echo", "statut": "manquante", "motif": None},
]
VALEURS = {  # structure → indicator → value (None: empty)
    "ML-A": {"acc_nb_jeunes": 1200, "emploi_acces_pct": 40.0, "cej_sorties_positives_pct": 62.5, "parr_nb_jeunes": 12},
    "ML-B": {"acc_nb_jeunes": 341, "emploi_acces_pct": 51.3, "cej_sorties_positives_pct": 50.0, "parr_nb_jeunes": 3},
    "ML-C": {"acc_nb_jeunes": 30, "emploi_acces_pct": 33.3, "cej_sorties_positives_pct": None, "parr_nb_jeunes": 0},
    "ARML-TEST": {"acc_nb_jeunes": 1571, "emploi_acces_pct": 42.3, "cej_sorties_positives_pct": 58.3,
                  "parr_nb_jeunes": 15},
}
TERRITOIRES = {"ML-A": "CA du Grand Alpha", "ML-B": "CC de Bravo", "ML-C": "CC de Charlie"}
PUBLIC = {("ML-B", "parr_nb_jeunes"): PRIMAIRE, ("ML-A", "parr_nb_jeunes"): SECONDAIRE}


def ligne(structure: str, indicateur: str, valeur, modalite: str | None = None) -> dict:
    unite = "pct" if indicateur.endswith("_pct") else "nb"
    return {"structure": structure, "periode_debut": ANNEE.debut, "periode_fin": ANNEE.fin, "indicateur": indicateur,
            "modalite": modalite, "valeur": None if valeur is None else float(valeur), "unite": unite}


def lignes(version: str = INTERNE) -> list[dict]:
    """The consolidated table: the network's rows first, then each structure's (as lib/reseau orders them)."""
    table = [ligne(s, i, v) for s, valeurs in sorted(VALEURS.items(), key=lambda kv: kv[0] != RESEAU["code"])
             for i, v in valeurs.items()]
    table += [ligne(s, "terr_nb_jeunes", VALEURS[s]["acc_nb_jeunes"], t) for s, t in TERRITOIRES.items()]
    if version == PUBLIQUE:
        for r in table:
            r["secret"] = PUBLIC.get((r["structure"], r["indicateur"]))
            if r["secret"]:
                r["valeur"] = MASQUE
    return table


def contexte(version: str = INTERNE, genere_le: date = date(2025, 2, 3), structures=STRUCTURES) -> dict:
    return contexte_rapport_reseau(RESEAU, ANNEE, structures, lignes(version), _seed("indicateurs_dictionnaire.csv"),
                                   _seed("programmes.csv"), _seed("vocabulaires.csv"), version=version, seuil=5,
                                   genere_le=genere_le)


def section(ctx: dict, id_: str) -> dict:
    (trouvee,) = [s for s in ctx["sections"] if s["id"] == id_]
    return trouvee


def cellules_html(page: str, id_: str) -> list[tuple[str, str]]:
    """(row header, value) of the comparison table of section `id_` in the rendered page."""
    bloc = page.split(f'id="{id_}"', 1)[1].split("</table>", 1)[0]
    lignes_ = re.findall(r'<th scope="row" class="libelle">(.*?)</th>\s*<td class="nombre">(.*?)</td>', bloc)
    return [(html.unescape(a), html.unescape(b)) for a, b in lignes_]


def test_the_comparison_tables_give_each_structure_then_the_network_in_french():
    page = render_html(contexte())
    assert cellules_html(page, "comparaison-acc_nb_jeunes") == [
        ("ML Alpha", f"1{NNBSP}200"), ("ML Bravo", "341"), ("ML Charlie", "30"),
        ("Réseau (ARML Test)", f"1{NNBSP}571")]
    assert cellules_html(page, "comparaison-emploi_acces_pct") == [
        ("ML Alpha", f"40,0{NNBSP}%"), ("ML Bravo", f"51,3{NNBSP}%"), ("ML Charlie", f"33,3{NNBSP}%"),
        ("Réseau (ARML Test)", f"42,3{NNBSP}%")]
    assert cellules_html(page, "comparaison-cej_sorties_positives_pct") == [
        ("ML Alpha", f"62,5{NNBSP}%"), ("ML Bravo", f"50,0{NNBSP}%"), ("ML Charlie", "–"),
        ("Réseau (ARML Test)", f"58,3{NNBSP}%")]
    # the network's row is the table's bold total row, last
    tableau = page.split('id="comparaison-acc_nb_jeunes"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<tr( class=\"total\")?>", tableau)[-1] == ' class="total"'
    # headline indicators without any row (first welcomes, CEJ entries…) have no section
    assert 'id="comparaison-pa_nb_jeunes"' not in page


def test_the_parts_follow_the_network_report_in_order_and_the_cover_names_the_network():
    ctx = contexte()
    ids = [s["id"] for s in ctx["sections"]]
    assert ids[-1] == "definitions-sources" and ids[-2] == "structures-consolidees"
    comparaison = ids.index("comparaison-structures")
    assert ids[comparaison + 1:-2] == ["comparaison-acc_nb_jeunes", "comparaison-emploi_acces_pct",
                                       "comparaison-cej_sorties_positives_pct", "comparaison-parr_nb_jeunes"]
    assert all(s["niveau"] == 2 for s in ctx["sections"][comparaison + 1:-2])
    assert ids[0] == "synthese"
    page = render_html(ctx)
    assert "<h1>Rapport d'activité du réseau</h1>" in html.unescape(page)
    assert "Association régionale des Missions Locales de Test" in page
    perimetre = html.unescape(re.search(r'class="reseau-perimetre">(.*?)</p>', page).group(1)).replace(NBSP, " ")
    assert perimetre == "Réseau de 3 structures consolidées (sur 5 : 1 refusée, 1 manquante)."
    assert section(ctx, "accompagnes")["sources"] == "exports i-milo des structures"
    # structures in the order of their code, whatever the order given
    melangees = contexte(structures=list(reversed(STRUCTURES)))
    assert render_html(melangees) == page
    # the network's own figures: the synthesis tile of accompanied youths is the network's sum
    synthese = section(ctx, "synthese")
    tuiles = {c["indicateur"]: c["valeur"] for b in synthese["blocs"] for c in b.get("chiffres", [])}
    assert tuiles["acc_nb_jeunes"] == 1571 and tuiles["emploi_acces_pct"] == 42.3


def test_the_territories_do_not_aggregate_and_say_so():
    ctx = contexte()
    territoires = section(ctx, "territoires")
    assert territoires["blocs"] == [] and "non agrégeables au niveau du réseau" in territoires["absent"]
    assert not [s for s in ctx["sections"] if s["id"].startswith("territoire-")]


def test_included_refused_and_missing_structures_are_listed():
    ctx = contexte()
    blocs = {b["titre"]: b for b in section(ctx, "structures-consolidees")["blocs"]}
    incluses = [(ligne_["libelle"], [c["texte"] for c in ligne_["cellules"]])
                for ligne_ in blocs["Structures incluses"]["lignes"]]
    assert incluses == [("Mission Locale Alpha du Grand Test", ["ML-A", "16 janvier 2025"]),
                        ("Mission Locale Bravo", ["ML-B", "inconnue"]),
                        ("Mission Locale Charlie", ["ML-C", "inconnue"])]
    (refus,) = blocs["Paquets refusés"]["lignes"]
    assert refus["libelle"] == "Mission Locale Delta" and refus["cellules"][1]["texte"].startswith(
        "ML-D_2024/agregats.csv : somme de contrôle")
    (manquante,) = blocs["Structures manquantes"]["lignes"]
    assert manquante["libelle"] == "Mission Locale Echo"
    assert manquante["cellules"][1]["texte"] == "aucun paquet reçu pour la période"
    # nothing refused nor missing: said, not an empty table
    seules = contexte(structures=STRUCTURES[:3])
    blocs = {b["titre"]: b for b in section(seules, "structures-consolidees")["blocs"]}
    assert blocs["Paquets refusés"] == {"type": "remarque", "titre": "Paquets refusés", "texte": "Aucun paquet refusé."}


def test_the_public_version_shows_the_masks_and_draws_no_masked_bar():
    page = render_html(contexte(PUBLIQUE))
    assert cellules_html(page, "comparaison-parr_nb_jeunes") == [
        ("ML Alpha", "s"), ("ML Bravo", f"<{NBSP}5"), ("ML Charlie", "0"), ("Réseau (ARML Test)", "15")]
    partie = page.split('id="comparaison-parr_nb_jeunes"', 1)[1].split("</section>", 1)[0]
    (titre, corps), = SVG_TITLE.findall(partie)
    assert html.unescape(titre) == (f"Jeunes parrainés{NBSP}: ML Alpha s{NNBSP}; ML Bravo <{NBSP}5{NNBSP}; "
                                    f"ML Charlie 0{NNBSP}; Réseau (ARML Test) 15.")
    # two masked bars: « valeur masquée », no bar; Charlie's zero a bar of length 0; the network's total no bar
    assert corps.count("valeur masquée") == 2
    assert re.findall(r'<rect class="bar" [^>]*width="([\d.]+)"', corps) == ["0"]
    assert 'class="reference"' not in corps.replace('<g class="reference">', "")
    assert "effectif de 1 à 4" in partie  # the section's legend of the marks
    # the internal version, same section: every value, Alpha's bar the longest
    interne = render_html(contexte()).split('id="comparaison-parr_nb_jeunes"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'<rect class="bar" [^>]*width="([\d.]+)"', interne) == ["310", "77.5", "0"]  # 310 × 3/12


def test_a_share_draws_the_network_as_a_bar_and_a_line_on_the_same_scale():
    page = render_html(contexte())
    partie = page.split('id="comparaison-emploi_acces_pct"', 1)[1].split("</section>", 1)[0]
    # room 640 − 250 − 80 = 310 px for 100 %: 40 % → 124, 51,3 % → 159,03, 33,3 % → 103,23; network 42,3 % → 131,13
    assert re.findall(r'<rect class="bar" [^>]*width="([\d.]+)"', partie) == ["124", "159.03", "103.23"]
    assert re.findall(r'<rect class="reference" [^>]*width="([\d.]+)"', partie) == ["131.13"]
    assert re.search(r'<line class="reference" x1="381.13"', partie)
    # each says how the network's value is computed
    ctx = contexte()
    somme = section(ctx, "comparaison-acc_nb_jeunes")["definition"]
    assert somme.endswith("Valeur du réseau : la somme des structures.")
    assert "sommes des numérateurs et des dénominateurs" in section(ctx, "comparaison-emploi_acces_pct")["definition"]
    assert "barre claire et le trait pointillé" in partie


def test_beyond_the_chart_limit_one_table_gives_every_headline_indicator(monkeypatch):
    monkeypatch.setattr(reseau, "MAX_BARRES", 2)  # 3 structures: one table, no chart
    ctx = contexte(PUBLIQUE)
    ids = [s["id"] for s in ctx["sections"]]
    assert ids[ids.index("comparaison-structures") + 1] == "comparaison-tableau"
    assert not [i for i in ids if i.startswith("comparaison-") and i not in ("comparaison-structures",
                                                                             "comparaison-tableau")]
    (bloc,) = section(ctx, "comparaison-tableau")["blocs"]
    assert bloc["entetes"] == ["Jeunes accompagnés", "Part des jeunes accompagnés ayant accédé à l'emploi",
                               "Part des sorties positives du CEJ", "Jeunes parrainés"]
    page = render_html(ctx)
    partie = page.split('id="comparaison-tableau"', 1)[1].split("</section>", 1)[0]
    assert "<svg" not in partie and "effectif de 1 à 4" in partie
    lignes_ = re.findall(r'<th scope="row" class="libelle">(.*?)</th>(.*?)</tr>', partie, re.DOTALL)
    assert [(nom, [html.unescape(v) for v in re.findall(r'<td class="nombre">(.*?)</td>', cellules)])
            for nom, cellules in lignes_] == [
        ("ML Alpha", [f"1{NNBSP}200", f"40,0{NNBSP}%", f"62,5{NNBSP}%", "s"]),
        ("ML Bravo", ["341", f"51,3{NNBSP}%", f"50,0{NNBSP}%", f"<{NBSP}5"]),
        ("ML Charlie", ["30", f"33,3{NNBSP}%", "–", "0"]),
        ("Réseau (ARML Test)", [f"1{NNBSP}571", f"42,3{NNBSP}%", f"58,3{NNBSP}%", "15"])]


@dataclass(frozen=True)
class StructureReseau:
    """The shape of lib/reseau's structure (design of issue 16, § 3): the report reads its fields as attributes."""

    code: str
    nom: str
    nom_court: str
    statut: str
    motif: str | None
    fichier: str | None


def test_structures_given_as_the_consolidation_s_objects_give_the_same_report():
    sans_date = [{k: v for k, v in s.items() if k != "genere_le"} for s in STRUCTURES]
    objets = [StructureReseau(**s, fichier=None) for s in sans_date]
    assert render_html(contexte(structures=objets)) == render_html(contexte(structures=sans_date))


def test_rows_of_a_structure_not_included_are_refused():
    with pytest.raises(ValueError, match="ML-D"):
        contexte_rapport_reseau(RESEAU, ANNEE, STRUCTURES, [*lignes(), ligne("ML-D", "acc_nb_jeunes", 5)],
                                _seed("indicateurs_dictionnaire.csv"), _seed("programmes.csv"))


def test_the_html_is_deterministic_apart_from_the_generation_line():
    a = render_html(contexte(genere_le=date(2025, 2, 3))).splitlines()
    b = render_html(contexte(genere_le=date(2025, 3, 4))).splitlines()
    differentes = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    assert len(differentes) == 1 and 'class="generation"' in differentes[0][0]
    assert render_html(contexte()) == render_html(contexte())


@pytest.mark.slow
@pytest.mark.parametrize("version", [INTERNE, PUBLIQUE])
def test_the_pdf_is_tagged_with_its_bookmarks_alternatives_and_table_headers(tmp_path, version):
    ctx = contexte(version)
    pdf, page_html = rendre_rapport_reseau(ctx, tmp_path)
    assert pdf.name == nom_fichier_reseau(ANNEE, version) and page_html.name == pdf.with_suffix(".html").name
    assert pdf.name == ("rapport_reseau_2024_public.pdf" if version == PUBLIQUE else "rapport_reseau_2024.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE)
    assert int(re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE).group(1)) >= 5
    page = page_html.read_text(encoding="utf-8")
    with pikepdf.open(pdf) as document:
        assert str(document.Root.Lang) == "fr"
        with document.open_outline() as plan:
            signets = [(s.title, [e.title for e in s.children]) for s in plan.root]
        assert signets == signets_attendus(ctx, version == PUBLIQUE)
        comparaison = dict(signets)["Comparaison des structures"]
        assert comparaison[:2] == ["Jeunes accompagnés", "Part des jeunes accompagnés ayant accédé à l'emploi"]
        structure = list(elements(document.Root.StructTreeRoot))
        graphiques = [(html.unescape(t), corps) for t, corps in SVG_TITLE.findall(page)]
        alternatives = [str(e.get("/Alt", "")) for e in structure if str(e.S) == "/Figure"]
        assert alternatives == [t for t, _ in graphiques] and len(alternatives) >= 4
        for alternative, corps in graphiques:
            ecrits = set(FIGURE.findall(" ".join(html.unescape(x) for x in re.findall(r">([^<]+)</text>", corps))))
            assert set(FIGURE.findall(alternative.partition(f"{NBSP}:")[2])) & ecrits, alternative
        tables = [e for e in structure if str(e.S) == "/Table"]
        assert tables and all(any(str(x.S) == "/TH" for x in elements(t)) for t in tables)


@pytest.mark.slow
@pytest.mark.browser
def test_axe_finds_no_a_or_aa_violation_in_the_regional_report(tmp_path):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright
    from test_accessibilite import AXE_OPTIONS, CHROMIUM, CHROMIUM_FLAGS

    page_html = tmp_path / "rapport_reseau_2024_public.html"
    page_html.write_text(render_html(contexte(PUBLIQUE)), encoding="utf-8")
    with sync_playwright() as p:
        navigateur = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            violations = {}
            for largeur in (1280, 375):
                page = navigateur.new_page(viewport={"width": largeur, "height": 800})
                page.goto(page_html.resolve().as_uri())
                reponse = Axe().run(page, options=AXE_OPTIONS).response
                violations[largeur] = [(v["id"], len(v["nodes"])) for v in reponse["violations"]]
                assert page.evaluate("document.documentElement.scrollWidth") <= largeur
                page.close()
        finally:
            navigateur.close()
    assert violations == {1280: [], 375: []}
