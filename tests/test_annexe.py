"""The annex « Définitions et sources » and the references of the report's blocks to it; the same data in the
extracts' « Définitions » sheet and `…_definitions.csv`.

Fast: the annex and the sheet built from a hand-written dictionary, lineage and files. Slow: the fixture's run
(`run_2024`): every indicator printed is defined in the annex (context, HTML and both PDFs), every source file is
listed with the SHA-256 of the fixture's file, as in the extracts' manifests, rows read and quarantined as counted
by hand, every reference leads to an entry (HTML and PDF), and the extracts' sheets hold the same data."""

import csv
import hashlib
import io
import json
import re
import subprocess
import zlib
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import FIXTURES, pdf_text

from milo_pipeline.lib import extraits
from milo_pipeline.lib.extraits.tracabilite import (
    FichierSource,
    Qualite,
    Tracabilite,
    definitions,
    lire_tracabilite,
    qualite,
    sources_des_modeles,
)
from milo_pipeline.lib.periods import Periode
from milo_pipeline.lib.report import build_report_context, render_html
from milo_pipeline.lib.report.run import lire_sources
from milo_pipeline.lib.warehouse import lire_dictionnaire, lire_indicateurs

D, F = date(2024, 1, 1), date(2024, 12, 31)
META = {"mission_locale": {"nom": "Mission Locale d'essai"}, "periode_debut": D, "periode_fin": F,
        "date_exports": date(2025, 1, 15), "genere_le": date(2025, 4, 30)}
# A family no section lays out: its ids show in the closing « Autres indicateurs », in the dictionary's order.
DICTIONNAIRE = [
    {"indicateur": "essai_b_pct", "ordre": 2, "section": "essai", "libelle": "Part B", "unite": "pct",
     "definition": "Part des B."},
    {"indicateur": "essai_a_nb", "ordre": 1, "section": "essai", "libelle": "Nombre A", "unite": "nb",
     "definition": "Les A."},
    {"indicateur": "essai_c_eur", "ordre": 3, "section": "essai", "libelle": "Budget C", "unite": "eur",
     "definition": "Le budget C."},
    {"indicateur": "essai_sans_ligne_nb", "ordre": 4, "section": "essai", "libelle": "Sans ligne", "unite": "nb",
     "definition": "Aucune ligne dans la période."},
]
ROWS = [{"periode_debut": D, "periode_fin": F, "indicateur": i, "modalite": m, "valeur": v, "unite": u}
        for i, m, v, u in [("essai_a_nb", None, 12.0, "nb"), ("essai_b_pct", "X", 40.0, "pct"),
                           ("essai_b_pct", "Y", 60.0, "pct"), ("essai_c_eur", None, 1500.0, "eur")]]
# A manifest's parent map as dbt writes it: two marts, one through an intermediate model and a staging view.
MANIFEST = {"parent_map": {
    "model.milo.indicateurs": ["model.milo.mart_essai", "model.milo.mart_saisies", "seed.milo.programmes"],
    "model.milo.mart_essai": ["model.milo.int_essai", "source.milo.imilo.jeunes"],
    "model.milo.int_essai": ["model.milo.stg_imilo__evenements", "seed.milo.programmes"],
    "model.milo.stg_imilo__evenements": ["source.milo.imilo.evenements"],
    "model.milo.mart_saisies": ["source.milo.saisies.satisfaction_questions", "source.milo.saisies.budget"],
    "seed.milo.programmes": [],
}}
FICHIERS = (FichierSource("evenements_2025-01-15.csv", "evenements", date(2025, 1, 15), "e" * 64, 17, 2),
            FichierSource("jeunes_2025-01-15.csv", "jeunes", date(2025, 1, 15), "a" * 64, 8, 0))
TRACABILITE = Tracabilite(
    FICHIERS, {"essai_a_nb": ("imilo.evenements", "imilo.jeunes"), "essai_b_pct": ("imilo.evenements", "imilo.jeunes"),
               "essai_c_eur": ("saisies.budget", "saisies.satisfaction_questions")},
    {"essai_a_nb": "mart_essai", "essai_b_pct": "mart_essai", "essai_c_eur": "mart_saisies"},
    Qualite(134, ("stg_imilo__dispositifs · relationships",), ("jeunes_2025-01-15.csv : colonne inconnue",)),
    "0.1.0", "run-1")


def _ancres(html: str) -> tuple[list[str], set[str]]:
    """The internal links of a page (#…) and the ids of its elements."""
    return re.findall(r'href="#([^"]+)"', html), set(re.findall(r'\sid="([^"]+)"', html))


# ------------------------------------------------------------------------------------------------------- fast

def test_lineage_walks_the_manifest_down_to_the_sources_of_each_mart():
    assert sources_des_modeles(MANIFEST) == {
        "mart_essai": ("imilo.evenements", "imilo.jeunes"),
        "mart_saisies": ("saisies.budget", "saisies.satisfaction_questions"),
    }


def test_the_quality_status_counts_each_check_once_and_lists_the_warnings():
    q = qualite([("indicateurs · gx_cles", True), ("stg · relationships", False), ("stg · relationships", True),
                 ("imilo/jeunes · gx_volumes", True)])
    assert (q.reussis, q.avertissements, q.ingestion) == (2, ("stg · relationships",), ())
    assert q.resume() == ("Conforme avec avertissements : 2 contrôles réussis, 1 avertissement ; contrôles "
                          "bloquants : tous réussis.")
    assert Qualite(1).resume() == "Conforme : 1 contrôle réussi, 0 avertissement ; contrôles bloquants : tous réussis."
    # an output materialized alone (no check in its run) does not claim the checks passed
    assert qualite([]).reussis is None
    assert qualite([]).resume().startswith("Contrôles de qualité non exécutés par cette exécution")


def test_the_annex_defines_every_indicator_printed_and_each_block_refers_to_it():
    contexte = build_report_context(ROWS, DICTIONNAIRE, [], META, tracabilite=TRACABILITE)
    annexe = contexte["sections"][-1]
    assert (annexe["id"], annexe["titre"]) == ("definitions-sources", "Définitions et sources")
    assert [(e["numero"], e["indicateur"], e["libelle"], e["unite"], e["definition"], e["exports"], e["modele"])
            for e in annexe["indicateurs"]] == [
        (1, "essai_a_nb", "Nombre A", "effectif", "Les A.", ("evenements", "jeunes"), "mart_essai"),
        (2, "essai_b_pct", "Part B", "%", "Part des B.", ("evenements", "jeunes"), "mart_essai"),
        (3, "essai_c_eur", "Budget C", "€", "Le budget C.", ("saisies/budget.yaml", "saisies/satisfaction.yaml"),
         "mart_saisies"),
    ]  # essai_sans_ligne_nb has no row: not printed, not in the annex
    autres = contexte["sections"][-2]
    assert [b["indicateurs"] for b in autres["blocs"]] == [["essai_a_nb", "essai_c_eur"], ["essai_b_pct"]]
    assert contexte["renvois"]["essai_c_eur"] == {"numero": 3, "libelle": "Budget C", "ancre": "def-essai_c_eur"}

    html = render_html(contexte)
    liens, ancres = _ancres(html)
    renvois = [lien for lien in liens if lien.startswith("def-")]
    assert renvois == ["def-essai_a_nb", "def-essai_c_eur", "def-essai_b_pct"]
    assert set(liens) <= ancres
    assert '<p class="renvois">Définitions : <a href="#def-essai_a_nb" title="Nombre A"' in html
    assert "a" * 64 in html and "e" * 64 in html
    assert re.search(r"evenements_2025-01-15\.csv.*?15 janvier 2025.*?17</td>\s*<td class=\"nombre\">2<", html, re.S)
    assert "134 contrôles réussis, 2 avertissements" in html
    assert "milo-pipeline version 0.1.0" in html
    generation = re.findall(r'<p class="generation">(.*?)</p>', html)
    assert generation == ["Exécution run-1, document produit le 30 avril 2025."]
    # the run's id is nowhere else: two runs differ by this line only (and the cover's date of another day)
    assert html.count("run-1") == 1


def test_the_extracts_definitions_sheet_and_csv_hold_the_same_rows():
    financeur = extraits.Financeur("essai", "Financeur d'essai", (extraits.Selection("essai_a_nb"),
                                                                  extraits.Selection("essai_c_eur")))
    lignes = [{**r, "secret": None} for r in ROWS]
    extrait = extraits.construire_extrait(lignes, DICTIONNAIRE, financeur, Periode(D, F))
    sources = extraits.Sources("ML", tuple((f.fichier, f.sha256) for f in FICHIERS), date(2025, 1, 15),
                               TRACABILITE)
    attendu = [
        ["indicateur", "libelle", "unite", "definition", "exports sources", "modele dbt"],
        ["essai_a_nb", "Nombre A", "nb", "Les A.", "evenements, jeunes", "mart_essai"],
        ["essai_c_eur", "Budget C", "eur", "Le budget C.", "saisies/budget.yaml, saisies/satisfaction.yaml",
         "mart_saisies"],
        [],
        ["fichier source", "table", "date d'export", "sha256", "lignes lues", "lignes écartées"],
        ["evenements_2025-01-15.csv", "evenements", "2025-01-15", "e" * 64, 17, 2],
        ["jeunes_2025-01-15.csv", "jeunes", "2025-01-15", "a" * 64, 8, 0],
        [],
        ["qualité des données", "Conforme avec avertissements : 134 contrôles réussis, 2 avertissements ; "
                                "contrôles bloquants : tous réussis."],
        ["avertissement", "stg_imilo__dispositifs · relationships"],
        ["avertissement", "jeunes_2025-01-15.csv : colonne inconnue"],
        ["version de milo-pipeline", "0.1.0"],
    ]
    assert extraits.lignes_definitions(extrait, sources) == attendu
    fichiers = extraits.fichiers_extrait(extrait, sources)
    assert _feuille(fichiers["essai_2024.xlsx"]) == _csv(fichiers["essai_2024_definitions.csv"]) == [
        [str(c) for c in ligne] for ligne in attendu]
    assert b"run-1" not in b"".join(fichiers.values())  # the run's id: in manifest.json only
    manifeste = json.loads(extraits.manifeste(extrait, sources, fichiers, datetime(2025, 4, 30, 9)))
    assert (manifeste["run_id"], manifeste["version_milo_pipeline"]) == ("run-1", "0.1.0")
    assert manifeste["qualite"]["controles_reussis"] == 134


def _feuille(xlsx: bytes) -> list[list[str]]:
    """The sheet « Définitions », each row as strings without its trailing empty cells."""
    ws = openpyxl.load_workbook(io.BytesIO(xlsx))["Définitions"]
    lignes = []
    for row in ws.iter_rows(values_only=True):
        cellules = ["" if c is None else str(c) for c in row]
        while cellules and cellules[-1] == "":
            cellules.pop()
        lignes.append(cellules)
    return lignes


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


# ------------------------------------------------------------------------------------------------------- slow

# The fixture's files, counted by hand: data rows of each file (header excluded); none is quarantined.
LIGNES_LUES = {"allocations_2025-01-15.csv": 5, "contacts_entreprises_2025-01-15.csv": 6,
               "dispositifs_2025-01-15.xlsx": 11, "evenements_2025-01-15.csv": 17, "jeunes_2025-01-15.csv": 8,
               "parrainages_2025-01-15.csv": 7, "parrains_2025-01-15.csv": 4, "reperage_2025-01-15.csv": 8,
               "situations_2025-01-15.csv": 16}


def _run_id(run) -> str:
    (dossier,) = (run.home / "runs").iterdir()
    return dossier.name


def _contexte(run, version: str = "interne", run_id: str | None = None, qualite_du_run: Qualite | None = None):
    sources = lire_sources(run.warehouse, run.exports, Periode(D, F), date(2025, 4, 30), qualite_du_run, run_id)
    return sources.contexte(sources.lignes, version, 5)


def _manifestes(run) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((run.out / "extraits").rglob("manifest.json"))]


def _sans_blancs(texte: str) -> str:
    return re.sub(r"\s+", "", texte)


@pytest.mark.slow
def test_every_indicator_printed_is_in_the_annex_with_its_definition(run_2024):
    contexte = _contexte(run_2024)
    annexe = contexte["sections"][-1]
    definis = {e["indicateur"]: e for e in annexe["indicateurs"]}
    # every indicator with rows in 2024 is printed (by its section or « Autres indicateurs »): each is defined
    avec_lignes = {r["indicateur"] for r in lire_indicateurs(run_2024.warehouse) if r["periode_debut"] == D}
    assert set(definis) == avec_lignes
    renvoyes = {i for s in contexte["sections"] for b in s["blocs"] for i in b.get("indicateurs", [])}
    assert renvoyes <= set(definis) and len(renvoyes) > 60
    assert all(e["definition"] and e["exports"] and e["modele"].startswith("mart_") for e in definis.values())
    assert definis["acc_nb_jeunes"]["exports"] == ("allocations", "evenements", "jeunes")
    assert definis["budget_charges_eur"]["exports"][0] == "saisies/budget.yaml"

    for pdf in ("rapport_activite_2024.pdf", "rapport_activite_2024_public.pdf"):
        texte = pdf_text(run_2024.out / pdf)
        assert "Définitions et sources" in texte
        brut = _sans_blancs(pdf_text_brut(run_2024.out / pdf))
        for e in definis.values():
            assert e["indicateur"] in brut, (pdf, e["indicateur"])
            assert _sans_blancs(e["definition"]) in brut, (pdf, e["indicateur"])


def pdf_text_brut(path: Path) -> str:
    """The PDF's text in content order (`pdftotext -raw`): a table cell's lines stay together."""
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout.replace("\u202f", " ").replace("\xa0", " ")


@pytest.mark.slow
def test_every_source_file_with_its_sha256_as_in_the_manifests_and_its_rows(run_2024):
    fichiers = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in (FIXTURES / "exports_2024").iterdir() if p.is_file()}
    assert set(fichiers) == set(LIGNES_LUES)
    annexe = _contexte(run_2024)["sections"][-1]
    assert {f.fichier: f.sha256 for f in annexe["fichiers"]} == fichiers
    assert {f.fichier: (f.lignes_lues, f.lignes_rejetees) for f in annexe["fichiers"]} == {
        nom: (n, 0) for nom, n in LIGNES_LUES.items()}
    assert all(f.date_export == date(2025, 1, 15) for f in annexe["fichiers"])
    manifestes = _manifestes(run_2024)
    assert len(manifestes) == 5
    for manifeste in manifestes:
        assert {s["fichier"]: s["sha256"] for s in manifeste["exports_sources"]} == fichiers
        assert manifeste["run_id"] == _run_id(run_2024)
    for pdf in ("rapport_activite_2024.pdf", "rapport_activite_2024_public.pdf"):
        brut = _sans_blancs(pdf_text_brut(run_2024.out / pdf))
        for nom, sha in fichiers.items():
            assert nom in brut and sha in brut, (pdf, nom)
        # the quality status and the run of the published PDF are those of its extracts' manifests
        q = manifestes[0]["qualite"]
        assert _sans_blancs(f"{q['statut'].capitalize()} : {q['controles_reussis']} contrôles réussis") in brut
        assert all(_sans_blancs(a) in brut for a in q["avertissements"])
        assert _sans_blancs(f"Exécution {_run_id(run_2024)}") in brut
        assert "milo-pipeline version" in pdf_text(run_2024.out / pdf)


@pytest.mark.slow
def test_every_reference_leads_to_its_entry_in_the_html_and_the_pdf(run_2024):
    contexte = _contexte(run_2024, run_id="r")
    blocs = [b for s in contexte["sections"] for b in s["blocs"]]
    # every table, chart and group of tiles names its indicators (a heading, a remark, the list of events: none)
    assert {b["type"] for b in blocs if not b.get("indicateurs")} <= {"intertitre", "remarque", "evenements"}
    assert {b["type"] for b in blocs if b.get("indicateurs")} == {"chiffres", "graphique", "repartition", "tableau",
                                                                  "tableau_dispositifs"}
    liens, ancres = _ancres(render_html(contexte))
    renvois = {lien for lien in liens if lien.startswith("def-")}
    assert renvois and set(liens) <= ancres
    assert renvois == {f"def-{i}" for i in contexte["renvois"]
                       if any(i in b.get("indicateurs", []) for s in contexte["sections"] for b in s["blocs"])}
    # in the PDF each reference is a link annotation to a named destination of the annex
    destinations = set(re.findall(rb"/Dest \((def-[^)]+)\)", _pdf_inflate(run_2024.out / "rapport_activite_2024.pdf")))
    assert {d.decode() for d in destinations} == renvois


def _pdf_inflate(path: Path) -> bytes:
    """The PDF's bytes with each Flate stream inflated (WeasyPrint packs the annotations in object streams)."""
    data = path.read_bytes()
    morceaux = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            morceaux.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    return b"".join(morceaux)


@pytest.mark.slow
def test_two_runs_differ_only_by_the_generation_line(run_2024):
    """The HTML of two runs on the same exports: the same but for `p.generation` (run id and date)."""
    un = render_html(_contexte(run_2024, run_id="run-un", qualite_du_run=Qualite(3))).splitlines()
    deux = render_html(_contexte(run_2024, run_id="run-deux", qualite_du_run=Qualite(3))).splitlines()
    differentes = [(a, b) for a, b in zip(un, deux, strict=True) if a != b]
    assert len(differentes) == 1 and all('<p class="generation">' in ligne for ligne in differentes[0])


@pytest.mark.slow
def test_the_extracts_definitions_sheets_hold_the_annex_data(run_2024):
    fichiers = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in (FIXTURES / "exports_2024").iterdir() if p.is_file()}
    t = lire_tracabilite(run_2024.warehouse)
    dictionnaire = {d["indicateur"]: d for d in lire_dictionnaire(run_2024.warehouse)}
    for dossier in sorted(p for p in (run_2024.out / "extraits").glob("*/2024")):
        code = dossier.parent.name
        manifeste = json.loads((dossier / "manifest.json").read_text(encoding="utf-8"))
        feuille = _feuille((dossier / f"{code}_2024.xlsx").read_bytes())
        assert feuille == _csv((dossier / f"{code}_2024_definitions.csv").read_bytes())
        vide = feuille.index([])
        donnees = {ligne[2] for ligne in _csv((dossier / f"{code}_2024.csv").read_bytes())[1:]}
        assert [ligne[0] for ligne in feuille[1:vide]] == [i for i in dictionnaire if i in donnees]
        for ligne in feuille[1:vide]:
            d = definitions([dictionnaire[ligne[0]]], [ligne[0]], t)[0]
            assert ligne == [ligne[0], d["libelle"], d["code_unite"], d["definition"], ", ".join(d["exports"]),
                             d["modele"]]
        fin = feuille.index([], vide + 1)
        assert {ligne[0]: (ligne[3], ligne[4], ligne[5]) for ligne in feuille[vide + 2:fin]} == {
            nom: (sha, str(LIGNES_LUES[nom]), "0") for nom, sha in fichiers.items()}
        q = manifeste["qualite"]
        assert feuille[fin + 1][1].startswith(f"{q['statut'].capitalize()} : {q['controles_reussis']} contrôles")
        assert [ligne[1] for ligne in feuille[fin + 2:-1]] == q["avertissements"] + q["avertissements_ingestion"]
        assert feuille[-1] == ["version de milo-pipeline", manifeste["version_milo_pipeline"]]
        assert manifeste["run_id"] not in json.dumps(feuille)

