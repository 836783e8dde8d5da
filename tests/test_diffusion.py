"""One diffusion policy for every output: the internal report (exact values, « Diffusion restreinte » on every
page) and the public one, rendered from the table masked by the funder extracts' disclosure control.

The rows are the hand-computed table of the 8-youth fixture (tests/fixtures/expected_indicateurs_2024.csv, see
tests/test_end_to_end.py for how each value was computed): almost every count there is from 1 to 4. The public
PDF is read back with pdftotext and hand-picked cells are checked: each hidden value shows « < 5 » (a count from 1
to 4) or « s » (any other masked value), the internal PDF the exact value.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from milo_pipeline.defs.secret import DIFFUSION
from milo_pipeline.lib.configuration import DOSSIER as CONFIG_DIR
from milo_pipeline.lib.extraits import ConfigurationInvalide, cle, table_publique
from milo_pipeline.lib.formatting import fr_valeur
from milo_pipeline.lib.periods import Periode
from milo_pipeline.lib.report import (
    Diffusion,
    build_dashboard_context,
    build_report_context,
    lire_diffusion,
    nom_fichier,
    render_pdf,
)
from milo_pipeline.lib.suppression import MASQUE, PRIMAIRE, SECONDAIRE

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "dbt_project" / "seeds"
FIXTURE = ROOT / "tests" / "fixtures" / "expected_indicateurs_2024.csv"
ANNEE = Periode(date(2024, 1, 1), date(2024, 12, 31))
META = {"mission_locale": {"nom": "Mission Locale de test"}, "periode_debut": ANNEE.debut, "periode_fin": ANNEE.fin,
        "date_exports": date(2025, 1, 15), "genere_le": date(2025, 1, 20)}
EVENEMENTS = [{"evenement_ordre": 1, "debut_date": date(2024, 5, 14), "fin_date": None, "titre": "Forum santé jeunesse",
               "description": "", "rubrique": "Santé", "visiteurs": 3}]

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def _seed(name: str) -> list[dict]:
    with open(SEEDS / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def lignes_fixture() -> list[dict]:
    """The rows as the warehouse gives them: dates, None for an empty modality or value, floats."""
    with open(FIXTURE, encoding="utf-8") as f:
        return [{"periode_debut": date.fromisoformat(r["periode_debut"]),
                 "periode_fin": date.fromisoformat(r["periode_fin"]), "indicateur": r["indicateur"],
                 "modalite": r["modalite"] or None,
                 "valeur": float(r["valeur"]) if r["valeur"] else None, "unite": r["unite"]} for r in csv.DictReader(f)]


def contexte(lignes: list[dict], version: str) -> dict:
    return build_report_context(lignes, _seed("indicateurs_dictionnaire.csv"), _seed("programmes.csv"), META,
                                _seed("vocabulaires.csv"), evenements=EVENEMENTS, version=version, seuil=5)


def pages(pdf: Path) -> list[str]:
    """Each page's text (`pdftotext -f N -l N`), spaces normalised and « < 5 » written `<5`."""
    nombre = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                                                             text=True).stdout).group(1))
    textes = []
    for n in range(1, nombre + 1):
        texte = subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"], check=True,
                               capture_output=True, text=True).stdout
        textes.append(re.sub(r"<\s*5", "<5", texte.replace("\u202f", " ").replace("\xa0", " ")))
    return textes


def ligne(textes: list[str], ancre: str, debut: str) -> list[str]:
    """The words of the first line starting with `debut` after the first occurrence of `ancre`."""
    texte = "\n".join(textes)
    suite = texte[texte.index(ancre):]
    return next(x.split() for x in suite.splitlines() if x.strip().startswith(debut))


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, list[str]]:
    dossier = tmp_path_factory.mktemp("diffusion")
    lignes = lignes_fixture()
    interne = render_pdf(contexte(lignes, "interne"), dossier / nom_fichier(ANNEE))
    publique = render_pdf(contexte(table_publique(lignes, 5), "publique"), dossier / nom_fichier(ANNEE, "publique"))
    return {"interne": pages(interne), "publique": pages(publique), "chemins": (interne, publique)}


# --------------------------------------------------------------------------------------------
# The setting
# --------------------------------------------------------------------------------------------
def test_the_shipped_setting_writes_both_versions_with_k_5():
    assert DIFFUSION == Diffusion(("interne", "publique"), 5)
    assert lire_diffusion(CONFIG_DIR / "diffusion.yaml") == DIFFUSION
    assert nom_fichier(ANNEE) == "rapport_activite_2024.pdf"
    assert nom_fichier(ANNEE, "publique") == "rapport_activite_2024_public.pdf"
    assert nom_fichier(Periode(date(2024, 3, 1), date(2024, 3, 31)), "publique") == "tableau_de_bord_2024-03_public.pdf"


def test_a_missing_setting_file_means_both_versions(tmp_path):
    assert lire_diffusion(tmp_path / "diffusion.yaml") == Diffusion(("interne", "publique"), 5)
    (tmp_path / "diffusion.yaml").write_text("versions: [publique]\nseuil: 11\n", encoding="utf-8")
    assert lire_diffusion(tmp_path / "diffusion.yaml") == Diffusion(("publique",), 11)


@pytest.mark.parametrize(("contenu", "message"), [
    ("versions: [interne, privee]\n", "config/diffusion.yaml : `versions` : ['privee'] inconnue(s)"),
    ("versions: []\n", "config/diffusion.yaml : `versions` : [] invalide"),
    ("seuil: 1\n", "config/diffusion.yaml : `seuil` : 1 invalide (attendu un entier ≥ 2)"),
    ("seuil: cinq\n", "config/diffusion.yaml : `seuil` : 'cinq' invalide"),
    ("version: publique\n", "config/diffusion.yaml : clé(s) inconnue(s) ['version']"),
    ("versions: [interne\n", "config/diffusion.yaml : YAML illisible"),
])
def test_a_mistake_in_the_setting_is_refused_in_french(tmp_path, contenu, message):
    (tmp_path / "diffusion.yaml").write_text(contenu, encoding="utf-8")
    with pytest.raises(ConfigurationInvalide) as exc:
        lire_diffusion(tmp_path / "diffusion.yaml")
    assert message in str(exc.value)


# --------------------------------------------------------------------------------------------
# The masked table
# --------------------------------------------------------------------------------------------
def test_the_public_table_is_the_extracts_masking_with_the_reason():
    lignes = lignes_fixture()
    publique = {cle(r): r for r in table_publique(lignes, 5)}
    exacte = {cle(r): r for r in lignes}
    assert publique.keys() == exacte.keys()
    annee = (ANNEE.debut, ANNEE.fin)
    # a count from 1 to 4: masked as primary; 5 and more, and zeros, published
    assert publique[(*annee, "pa_nb_jeunes", None)] | {} == {**exacte[(*annee, "pa_nb_jeunes", None)],
                                                             "valeur": MASQUE, "secret": PRIMAIRE}
    assert publique[(*annee, "acc_nb_jeunes", None)]["valeur"] == 5.0
    assert publique[(*annee, "terr_nb_jeunes", "CC Loue-Lison")]["valeur"] == 0.0
    # 33,3 % of 3 youths gives a numerator of 1: masked as primary, yet no count: the report writes it « s »
    assert publique[(*annee, "pa_sexe_pct", "F")]["valeur"] == MASQUE
    assert publique[(*annee, "pa_sexe_pct", "F")]["secret"] == PRIMAIRE
    accueil = next(s for s in contexte(list(publique.values()), "publique")["sections"] if s["id"] == "premier_accueil")
    sexe = next(b for b in accueil["blocs"] if b.get("titre") == "Répartition par sexe des jeunes en premier accueil")
    assert {lg["modalite"]: fr_valeur(lg["valeur"], lg["unite"]) for lg in sexe["lignes"]} == {"F": "s", "H": "s"}
    # a published cell keeps its value and has no reason
    assert all(r["secret"] is None for r in publique.values() if r["valeur"] != MASQUE)
    assert all(r["secret"] for r in publique.values() if r["valeur"] == MASQUE)


# --------------------------------------------------------------------------------------------
# The PDFs
# --------------------------------------------------------------------------------------------
@needs_poppler
@pytest.mark.slow
def test_the_internal_pdf_says_restricted_on_every_page_and_shows_exact_values(pdfs):
    interne = pdfs["interne"]
    assert len(interne) > 20
    assert all("Diffusion restreinte" in page for page in interne), [i + 1 for i, p in enumerate(interne)
                                                                    if "Diffusion restreinte" not in p]
    assert ligne(interne, "Comparaison des territoires", "CU Grand") == [
        "CU", "Grand", "2", "50,0", "%", "0,0", "%", "2", "0", "0", "1", "2"]
    assert ligne(interne, "Par canal de repérage", "Kaf'Truck") == ["Kaf'Truck", "2", "1", "0"]
    assert ligne(interne, "Échelon", "PACEA") == [
        "PACEA", "1", "100,0", "%", "0,0", "%", "100,0", "%", "100,0", "%", "0,0", "%", "1"]
    assert " ".join(ligne(interne, "Sorties de la période", "Contrat d'Engagement Jeune")) == (
        "Contrat d'Engagement Jeune 3 Abandon 1 · Alternance 1 · Formation qualifiante 1")
    assert "Forum santé jeunesse" in "\n".join(interne)
    assert "secret statistique" not in "\n".join(interne[1:]).lower()


@needs_poppler
@pytest.mark.slow
def test_the_public_pdf_shows_no_hidden_count(pdfs):
    publique = pdfs["publique"]
    assert not any("Diffusion restreinte" in page for page in publique)
    # CU Grand Besançon Métropole: 2 youths (50 % in employment, 0 % in ZRR), 2 without mobility, no licence, no
    # car, 1 programme entry, 2 interviews: the counts 1 to 4 read « < 5 », the shares over 2 youths « s », 0 stays
    assert ligne(publique, "Comparaison des territoires", "CU Grand") == [
        "CU", "Grand", "<5", "s", "s", "<5", "0", "0", "<5", "<5"]
    assert ligne(publique, "Par canal de repérage", "Kaf'Truck") == ["Kaf'Truck", "<5", "<5", "0"]
    # PACEA: 1 beneficiary, its shares over 1 youth, 1 present at the end
    assert ligne(publique, "Échelon", "PACEA") == ["PACEA", "<5", "s", "s", "s", "s", "s", "<5"]
    assert " ".join(ligne(publique, "Sorties de la période", "Contrat d'Engagement Jeune")) == (
        "Contrat d'Engagement Jeune <5 Abandon <5 · Alternance <5 · Formation qualifiante <5")
    # the list of events would let one count them (and their visitors) by rubrique: left out, and said
    texte = "\n".join(publique)
    assert "Forum santé jeunesse" not in texte
    assert "La liste détaillée des événements n'est pas reprise" in " ".join(texte.split())


@needs_poppler
@pytest.mark.slow
def test_no_masked_share_or_amount_of_the_table_appears_in_the_public_pdf(pdfs):
    """Every value with decimals (a share, an amount, a mean) that the masked table hides, and that no published
    cell shares, is absent from the whole public PDF (counts are checked cell by cell above: their digits also
    occur in page numbers and dates)."""
    lignes = lignes_fixture()
    publique = table_publique(lignes, 5)
    texte = " ".join("\n".join(pdfs["publique"]).split())
    def ecrite(r):
        return " ".join(fr_valeur(r["valeur"], r["unite"]).replace("\u202f", " ").split())

    publiees = {ecrite(r) for r in publique if r["valeur"] != MASQUE}
    cachees = {ecrite(e) for e, p in zip(lignes, publique, strict=True) if p["valeur"] == MASQUE
               and e["valeur"] is not None and e["unite"] != "nb"} - publiees
    assert {"652,75 €", "326,38 €", "66,7 %", "33,3 %", "-25,0 %", "4,5 mois"} <= cachees
    assert [v for v in sorted(cachees) if v in texte] == []
    # and the internal PDF has them
    interne = " ".join("\n".join(pdfs["interne"]).split())
    assert {"652,75 €", "66,7 %", "-25,0 %"} <= {v for v in cachees if v in interne}


@needs_poppler
@pytest.mark.slow
def test_the_public_pdf_explains_its_marks(pdfs):
    publique = pdfs["publique"]
    assert "Version publique · secret statistique" in publique[0]
    # what the marks mean heads every other page (a page margin box)
    entete = "Version publique · « <5 » : effectif de 1 à 4 · « s » : secret statistique"
    assert all(entete in " ".join(page.split()) for page in publique[1:])
    texte = " ".join("\n".join(publique).split())
    assert "Note de lecture : le secret statistique" in texte
    assert "même outil que les extraits transmis aux financeurs (seuil de 5 personnes)" in texte
    # the page of the territories' comparison, with both marks, has both legends
    page = next(p for p in publique if "Comparaison des territoires" in p)
    page = " ".join(page.split())
    assert "<5 : effectif de 1 à 4, masqué (secret statistique)." in page
    assert "s : secret statistique (valeur masquée)." in page
    # a chart never draws a masked value: it says so instead
    assert "valeur masquée" in texte
    # the document's title says which version it is
    titres = [re.search(r"Title:\s+(.*)", subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                                                        text=True).stdout).group(1) for pdf in pdfs["chemins"]]
    assert titres == ["Rapport d'activité – Mission Locale de test – année 2024 – diffusion restreinte",
                      "Rapport d'activité – Mission Locale de test – année 2024 – version publique"]


def test_the_public_context_holds_no_hidden_value():
    """Below the PDF: no cell of the public context holds a number where the masked table has « s »."""
    lignes = lignes_fixture()
    ctx = contexte(table_publique(lignes, 5), "publique")
    valeurs = []

    def parcourir(x):
        if isinstance(x, dict):
            if "valeur" in x and "unite" in x:
                valeurs.append(x["valeur"])
            for v in x.values():
                parcourir(v)
        elif isinstance(x, list | tuple):
            for v in x:
                parcourir(v)

    parcourir(ctx["sections"])
    masques = [v for v in valeurs if not isinstance(v, float | int | type(None))]
    assert masques and {str(m) for m in masques} == {"<\u00a05", "s"}
    legendes = {t for s in ctx["sections"] for t in s["legende"]}
    assert legendes == {"< 5 : effectif de 1 à 4, masqué (secret statistique).",
                        "s : secret statistique (valeur masquée)."}


def test_a_secondary_masked_count_reads_s_not_below_5():
    """A count masked by secondary suppression may be large: « < 5 » would be false, it reads « s »."""
    debut, fin = ANNEE.debut, ANNEE.fin

    def r(indicateur, valeur, modalite=None):
        return {"periode_debut": debut, "periode_fin": fin, "indicateur": indicateur, "modalite": modalite,
                "valeur": valeur, "unite": "nb"}

    lignes = [r("acc_nb_jeunes", 140.0), r("rep_nb_reperes", 120.0),
              r("rep_nb_reperes_canal", 3.0, "Maraude"), r("rep_nb_reperes_canal", 60.0, "Liste"),
              r("rep_nb_reperes_canal", 57.0, "Événement")]
    publique = table_publique(lignes, 5)
    motifs = {p["modalite"]: p["secret"] for p in publique}
    assert motifs == {None: None, "Maraude": PRIMAIRE, "Événement": SECONDAIRE, "Liste": None}
    ctx = build_report_context(publique, _seed("indicateurs_dictionnaire.csv"), [], META, version="publique", seuil=5)
    reperage = next(s for s in ctx["sections"] if s["id"] == "reperage")
    tableau = next(b for b in reperage["blocs"] if b["type"] == "tableau")
    cellules = {lg["libelle"]: fr_valeur(lg["cellules"][0]["valeur"], "nb") for lg in tableau["lignes"]}
    assert cellules == {"Maraude": "<\u00a05", "Liste": "60", "Événement": "s"}


# --------------------------------------------------------------------------------------------
# The monthly dashboard
# --------------------------------------------------------------------------------------------
@needs_poppler
def test_the_monthly_dashboard_in_both_versions(tmp_path):
    mars, cumul = (date(2024, 3, 1), date(2024, 3, 31)), (date(2024, 1, 1), date(2024, 3, 31))

    def r(periode, indicateur, valeur, unite="nb", modalite=None):
        return {"periode_debut": periode[0], "periode_fin": periode[1], "indicateur": indicateur,
                "modalite": modalite, "valeur": valeur, "unite": unite}

    lignes = [r(mars, "pa_nb_jeunes", 3.0), r(cumul, "pa_nb_jeunes", 41.0),
              r(mars, "acc_nb_jeunes", 290.0), r(cumul, "acc_nb_jeunes", 871.0),
              r(mars, "pacea_nb_jeunes", 2.0), r(cumul, "pacea_nb_jeunes", 17.0),
              r(mars, "pacea_montant_eur", 612.5, "eur"), r(cumul, "pacea_montant_eur", 5204.0, "eur")]
    meta = {**META, "periode_debut": mars[0], "periode_fin": mars[1]}
    textes = {}
    for version, rows in (("interne", lignes), ("publique", table_publique(lignes, 5))):
        ctx = build_dashboard_context(rows, _seed("indicateurs_dictionnaire.csv"), [], meta,
                                      version=version, seuil=5)
        pdf = render_pdf(ctx, tmp_path / nom_fichier(Periode(*mars), version))
        textes[version] = pages(pdf)
    assert all("Diffusion restreinte" in page for page in textes["interne"])
    assert not any("Diffusion restreinte" in page for page in textes["publique"])
    interne, publique = "\n".join(textes["interne"]), "\n".join(textes["publique"])
    assert ligne(textes["interne"], "Accueil", "Jeunes accompagnés")[-2:] == ["290", "871"]
    assert ligne(textes["publique"], "Accueil", "Jeunes accompagnés")[-2:] == ["290", "871"]
    # 3 first welcomes in March, 2 youths paid 612,50 € in March: hidden in the public dashboard
    assert ligne(textes["interne"], "Accueil", "Jeunes reçus")[-2:] == ["3", "41"]
    assert ligne(textes["publique"], "Accueil", "Jeunes reçus")[-2:] == ["<5", "41"]
    assert "612,50 €" in interne and "612,5" not in publique
    assert "s : secret statistique" in " ".join(publique.split())


# --------------------------------------------------------------------------------------------
# Through the real run: the asset writes the versions of config/diffusion.yaml
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run_2024(tmp_path_factory):
    racine = tmp_path_factory.mktemp("run_diffusion")
    exports = racine / "exports"
    shutil.copytree(ROOT / "tests" / "fixtures" / "exports_2024", exports)
    env = {**os.environ, "MILO_HOME": str(racine / "home"), "MILO_PSEUDONYMISATION_KEY": "cle-de-test-" + "0" * 32}
    for variable in ("DAGSTER_HOME", "MILO_WAREHOUSE", "MILO_OUT", "MILO_EXPORTS"):
        env.pop(variable, None)
    resultat = subprocess.run([str(Path(sys.executable).with_name("milo-pipeline")), "run", "--exports", str(exports),
                               "--period", "2024", "--out", str(racine / "out")], env=env, capture_output=True,
                              text=True, timeout=900)
    return racine / "out", resultat


@pytest.mark.slow
@needs_poppler
def test_a_run_publishes_both_versions_and_the_full_csv(run_2024):
    out, resultat = run_2024
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert f"Rapport : {out / 'rapport_activite_2024.pdf'}" in resultat.stdout
    assert sorted(p.name for p in out.glob("*.pdf")) == [nom_fichier(ANNEE), nom_fichier(ANNEE, "publique")]
    # indicateurs.csv stays the internal, complete table: the hand-computed one, no « s »
    with open(out / "indicateurs.csv", encoding="utf-8") as produit, open(FIXTURE, encoding="utf-8") as attendu:
        assert sorted(produit.read().splitlines()) == sorted(attendu.read().splitlines())
    interne, publique = pages(out / "rapport_activite_2024.pdf"), pages(out / "rapport_activite_2024_public.pdf")
    assert all("Diffusion restreinte" in page for page in interne)
    assert not any("Diffusion restreinte" in page for page in publique)
    assert ligne(interne, "Comparaison des territoires", "CU Grand") == [
        "CU", "Grand", "2", "50,0", "%", "0,0", "%", "2", "0", "0", "1", "2"]
    assert ligne(publique, "Comparaison des territoires", "CU Grand") == [
        "CU", "Grand", "<5", "s", "s", "<5", "0", "0", "<5", "<5"]
    assert ligne(publique, "Échelon", "PACEA") == ["PACEA", "<5", "s", "s", "s", "s", "s", "<5"]
    assert "652,75" in "\n".join(interne) and "652,75" not in "\n".join(publique)
    # the manual inputs' events: listed in the internal version only
    assert "Forum santé" in "\n".join(interne) and "Forum santé" not in "\n".join(publique)
