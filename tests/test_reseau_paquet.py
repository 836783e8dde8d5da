"""The network package a run publishes (lib/reseau/paquet.py, mart agregats_reseau, asset paquet_reseau):
`reseau/<code>_<période>/agregats.csv` and `manifest.json`, beside the funder extracts.

The numerators and denominators are computed here by hand from the fixture's export files
(tests/fixtures/exports_2024), not read back from the pipeline:
- premier accueil 2024 (jeunes, date_premier_accueil in 2024): J01 (F), J02 (H), J04 (H) → pa_sexe_pct F = 1/3,
  H = 2/3 (a share of a breakdown, denominator pa_nb_jeunes);
- CEJ entries 2024 (dispositifs): J02 (H, 10/03/2024), J03 (F, 01/10/2024) → disp_femmes_pct[CEJ] = 1/2 (the
  `[*]` denominator: disp_nb_beneficiaires of the same programme); CEP: nobody entered → 0 and 0, no value;
- PACEA payments 2024 (allocations): 300,50 + 252,25 (J01) + 100,00 (J02) = 652,75 € over 2 youths →
  pacea_moyenne_eur numerator 652.75, denominator 2; the payment of 05/01/2025 is outside;
- PMSMP (situations) starting in 2024: J03, J05, J05 = 3; in 2023: J08, J07, J01, J02 (31/12/2023) = 4
  (J04's starts on 31/12/2022) → pmsmp_evolution_pct numerator 3 − 4 = −1, denominator 4;
  service civique 2024: J07 = 1, 2023: none → no value, numerator 1, denominator 0.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
import yaml
from conftest import EXPORTS_2024, FIXTURES, cli_env, run_cli

from milo_pipeline.lib import configuration
from milo_pipeline.lib.dictionnaire import version_dictionnaire
from milo_pipeline.lib.extraits import Qualite
from milo_pipeline.lib.outputs import DECIMALES
from milo_pipeline.lib.reseau import paquet

ENTETE = "periode_debut,periode_fin,indicateur,modalite,valeur,unite,agregation,numerateur,denominateur"
CODE = "ML-BESANCON"  # config/mission_locale.yaml


def lire_csv(chemin: Path) -> list[dict]:
    with open(chemin, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def jour(texte: str) -> date:
    return datetime.strptime(texte, "%d/%m/%Y").date() if "/" in texte else date.fromisoformat(texte)


def exports(nom: str, separateur: str, encodage: str = "utf-8") -> list[dict]:
    chemin = next(EXPORTS_2024.glob(f"{nom}_*.csv"))
    with open(chemin, encoding=encodage, newline="") as f:
        return list(csv.DictReader(f, delimiter=separateur))


def en_2024(texte: str) -> bool:
    return bool(texte) and jour(texte).year == 2024


@pytest.fixture(scope="module")
def paquet_2024(run_2024) -> Path:
    return run_2024.out / "reseau" / f"{CODE}_2024"


@pytest.fixture(scope="module")
def agregats(paquet_2024) -> dict[tuple[str, str], dict]:
    return {(r["indicateur"], r["modalite"]): r for r in lire_csv(paquet_2024 / "agregats.csv")}


@pytest.mark.slow
def test_the_package_is_published_beside_the_extracts(run_2024, paquet_2024):
    assert sorted(p.name for p in paquet_2024.iterdir()) == ["agregats.csv", "manifest.json"]
    assert sorted(p.name for p in (run_2024.out / "reseau").iterdir()) == [f"{CODE}_2024"]
    assert (run_2024.out / "extraits").is_dir()
    assert f"Paquet réseau : {paquet_2024}\n" in run_2024.result.stdout
    staging = next((run_2024.root / "home" / "runs").glob("*/publication/reseau"))  # published from the staging
    assert (staging / f"{CODE}_2024" / "agregats.csv").read_bytes() == (paquet_2024 / "agregats.csv").read_bytes()
    # aggregates only: no youth's id, name, e-mail or phone number
    octets = b"".join(p.read_bytes() for p in paquet_2024.iterdir())
    for jeune in exports("jeunes", ";", "cp1252"):
        for champ in ("id_jeune", "nom", "email", "telephone"):
            assert jeune[champ].encode() not in octets, champ


@pytest.mark.slow
def test_its_rows_are_those_of_indicateurs_csv_with_the_same_values(run_2024, paquet_2024):
    texte = (paquet_2024 / "agregats.csv").read_text(encoding="utf-8")
    assert texte.splitlines()[0] == ENTETE and texte.endswith("\n") and "\r" not in texte
    indicateurs = (run_2024.out / "indicateurs.csv").read_text(encoding="utf-8").splitlines()
    lignes = texte.splitlines()
    assert len(lignes) == len(indicateurs)
    # the first six columns are indicateurs.csv's, byte for byte (same rows, order, values)
    premieres = [",".join(r[:6]) for r in csv.reader(io.StringIO(texte))]
    assert premieres == [",".join(r) for r in csv.reader(io.StringIO("\n".join(indicateurs)))]
    # the run's own period only (not 2023, computed for the report's comparisons)
    assert {(r["periode_debut"], r["periode_fin"]) for r in lire_csv(paquet_2024 / "agregats.csv")} == {
        ("2024-01-01", "2024-12-31")}


@pytest.mark.slow
def test_numerators_and_denominators_computed_by_hand_from_the_exports(agregats):
    jeunes = {j["id_jeune"]: j for j in exports("jeunes", ";", "cp1252")}
    # a share of a breakdown: pa_sexe_pct over pa_nb_jeunes
    accueillis = [j for j in jeunes.values() if en_2024(j["date_premier_accueil"])]
    assert len(accueillis) == 3
    for sexe in ("F", "H"):
        k = sum(1 for j in accueillis if j["sexe"] == sexe)
        assert (agregats["pa_sexe_pct", sexe]["numerateur"], agregats["pa_sexe_pct", sexe]["denominateur"]) == (
            str(k), str(len(accueillis)))
    assert agregats["pa_sexe_pct", "F"]["valeur"] == "33.3" and agregats["pa_sexe_pct", "F"]["numerateur"] == "1"
    ligne = agregats["pa_nb_jeunes", ""]  # a count adds up as it is
    assert (ligne["valeur"], ligne["agregation"], ligne["numerateur"], ligne["denominateur"]) == (
        str(len(accueillis)), "somme", str(len(accueillis)), "")

    # a `[*]` denominator: disp_femmes_pct of the CEJ over disp_nb_beneficiaries of the CEJ
    feuille = openpyxl.load_workbook(next(EXPORTS_2024.glob("dispositifs_*.xlsx"))).active
    entetes, *lignes = feuille.iter_rows(values_only=True)
    dispositifs = [dict(zip(entetes, ligne, strict=True)) for ligne in lignes]
    cej = {d["id_jeune"] for d in dispositifs if d["dispositif"] == "CEJ" and en_2024(d["date_entree"])}
    femmes = {i for i in cej if jeunes[i]["sexe"] == "F"}
    assert (len(femmes), len(cej)) == (1, 2)
    ligne = agregats["disp_femmes_pct", "CEJ"]
    assert (ligne["valeur"], ligne["agregation"], ligne["numerateur"], ligne["denominateur"]) == (
        "50.0", "rapport", str(len(femmes)), str(len(cej)))
    assert not [d for d in dispositifs if d["dispositif"] == "CEP" and en_2024(d["date_entree"])]
    ligne = agregats["disp_femmes_pct", "CEP"]  # an empty denominator: no value, 0 and 0
    assert (ligne["valeur"], ligne["numerateur"], ligne["denominateur"]) == ("", "0", "0")

    # a mean in euros: pacea_moyenne_eur = total paid / youths paid
    paiements = [a for a in exports("allocations", ",") if a["dispositif"] == "PACEA" and en_2024(a["date_paiement"])]
    total = sum(Decimal(a["montant"].replace(",", ".")) for a in paiements)
    payes = {a["id_jeune"] for a in paiements}
    assert (total, len(payes)) == (Decimal("652.75"), 2)
    ligne = agregats["pacea_moyenne_eur", ""]
    assert (ligne["valeur"], ligne["unite"], ligne["agregation"], ligne["numerateur"], ligne["denominateur"]) == (
        "326.38", "eur", "rapport", f"{total:.2f}", str(len(payes)))
    ligne = agregats["pacea_montant_eur", ""]  # an amount adds up as it is
    assert (ligne["agregation"], ligne["numerateur"], ligne["denominateur"]) == ("somme", f"{total:.2f}", "")

    # evolutions: numerator n − n₋₁, denominator n₋₁
    situations = exports("situations", "\t")

    def debuts(condition, annee):
        return sum(1 for s in situations if condition(s) and jour(s["date_debut"]).year == annee)

    def pmsmp(s):
        return s["categorie"] == "PMSMP"

    def service_civique(s):
        return s["type_contrat"] == "Service civique"

    n, n_1 = debuts(pmsmp, 2024), debuts(pmsmp, 2023)
    assert (n, n_1) == (3, 4)
    ligne = agregats["pmsmp_evolution_pct", ""]
    assert (ligne["valeur"], ligne["agregation"], ligne["numerateur"], ligne["denominateur"]) == (
        "-25.0", "evolution", str(n - n_1), str(n_1))
    n, n_1 = debuts(service_civique, 2024), debuts(service_civique, 2023)
    assert (n, n_1) == (1, 0)
    ligne = agregats["service_civique_evolution_pct", ""]
    assert (ligne["valeur"], ligne["numerateur"], ligne["denominateur"]) == ("", str(n), "0")

    # not aggregable: each structure's own territories
    for modalite in ("CU Grand Besançon Métropole", "Hors territoire"):
        ligne = agregats["terr_emploi_pct", modalite]
        assert (ligne["agregation"], ligne["numerateur"], ligne["denominateur"]) == ("non_agregeable", "", "")
    assert agregats["terr_emploi_pct", "CU Grand Besançon Métropole"]["valeur"] == "50.0"


def valeur_recalculee(numerateur: str, denominateur: str, unite: str, agregation: str) -> str:
    """What a network computes from one structure's numerator and denominator, rounded as the contract."""
    facteur = 100 if unite == "pct" or agregation == "evolution" else 1
    valeur = Decimal(numerateur) * facteur / Decimal(denominateur)
    return str(valeur.quantize(Decimal(1).scaleb(-DECIMALES[unite]), rounding=ROUND_HALF_UP))


def verifier_rapports(lignes: list[dict]) -> int:
    """Σnum/Σden of one package gives back each of its values; an empty denominator goes with an empty value."""
    comptes = 0
    for r in lignes:
        if r["agregation"] in ("rapport", "evolution"):
            if r["denominateur"] == "0":  # no value; a share adds nothing, an evolution adds n (n₋₁ = 0)
                assert r["valeur"] == "" and (r["agregation"] == "evolution" or Decimal(r["numerateur"]) == 0), r
            else:
                assert valeur_recalculee(r["numerateur"], r["denominateur"], r["unite"], r["agregation"]) == \
                       r["valeur"], r
                comptes += 1
        elif r["agregation"] == "somme":
            assert r["denominateur"] == "" and r["numerateur"] == r["valeur"], r
        else:
            assert (r["agregation"], r["numerateur"], r["denominateur"]) == ("non_agregeable", "", ""), r
    return comptes


@pytest.mark.slow
def test_each_ratio_of_the_package_gives_back_its_own_value(paquet_2024):
    lignes = lire_csv(paquet_2024 / "agregats.csv")
    assert verifier_rapports(lignes) > 50
    assert {r["agregation"] for r in lignes} == {"somme", "rapport", "evolution", "non_agregeable"}


@pytest.mark.slow
def test_the_manifest_describes_the_package(run_2024, paquet_2024):
    texte = (paquet_2024 / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(texte)
    assert texte == json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert sorted(manifest) == ["dictionnaire", "fichiers", "format", "genere_le", "periode", "periodes", "qualite",
                                "run_id", "structure", "version", "version_format"]
    assert (manifest["format"], manifest["version_format"]) == ("milo-pipeline/paquet-reseau", 1)
    ml = yaml.safe_load((configuration.DOSSIER / "mission_locale.yaml").read_text(encoding="utf-8"))
    assert manifest["structure"] == {k: ml[k] for k in ("code", "nom", "nom_court", "departement", "region")}
    assert manifest["structure"]["code"] == CODE
    assert manifest["periode"] == "2024"
    assert manifest["periodes"] == [{"debut": "2024-01-01", "fin": "2024-12-31"}]
    assert manifest["dictionnaire"] == {"version": version_dictionnaire()}
    assert manifest["dictionnaire"]["version"] == hashlib.sha256(
        (FIXTURES.parent.parent / "dbt_project" / "seeds" / "indicateurs_dictionnaire.csv").read_bytes()).hexdigest()
    octets = (paquet_2024 / "agregats.csv").read_bytes()
    assert manifest["fichiers"] == {"agregats.csv": {"sha256": hashlib.sha256(octets).hexdigest(),
                                                     "octets": len(octets), "lignes": octets.count(b"\n") - 1}}
    # the run's checks as its CLI summary counts them: « 141 réussi(s), 1 avertissement(s), 0 en échec »
    resume = next(ligne for ligne in run_2024.result.stdout.splitlines() if ligne.startswith("Contrôles de qualité"))
    reussis, avertis, echecs = (int(m) for m in resume.split(":")[1].replace("(s)", "").split() if m.isdigit())
    assert (avertis, echecs) == (1, 0)
    assert manifest["qualite"] == {"statut": "avertissements", "controles": reussis + avertis,
                                   "echecs_bloquants": 0, "avertissements": avertis}
    assert (run_2024.root / "home" / "runs" / manifest["run_id"]).is_dir()
    assert datetime.fromisoformat(manifest["genere_le"]).tzinfo is not None


def test_a_structure_without_a_valid_code_is_named_in_french(tmp_path, monkeypatch):
    def structure(nom: str, texte: str) -> tuple[Path, dict | str]:
        fichier = tmp_path / nom
        fichier.write_text(texte, encoding="utf-8")
        monkeypatch.setenv("MILO_MISSION_LOCALE", str(fichier))
        try:
            return fichier, paquet.structure()
        except paquet.PaquetImpossible as exc:
            return fichier, str(exc)

    fichier, message = structure("sans_code.yaml", "nom: Mission Locale de Dole\nnom_court: ML Dole\n")
    assert message.startswith(f"{fichier}, clé « code » manquante")
    fichier, message = structure("code_invalide.yaml", "code: ML DOLE!\nnom: Mission Locale de Dole\n")
    assert message.startswith(f"{fichier}, clé « code » : « ML DOLE! » invalide")
    _, lue = structure("dole.yaml", "code: ML-DOLE\nnom: Mission Locale de Dole\nregion: Bourgogne-Franche-Comté\n")
    assert lue == {"code": "ML-DOLE", "nom": "Mission Locale de Dole", "nom_court": None, "departement": None,
                   "region": "Bourgogne-Franche-Comté"}


def test_the_quality_status_of_a_package():
    assert paquet.qualite_paquet(Qualite(141, ("a · b",), ())) == {
        "statut": "avertissements", "controles": 142, "echecs_bloquants": 0, "avertissements": 1}
    assert paquet.qualite_paquet(Qualite(12, (), ())) == {
        "statut": "conforme", "controles": 12, "echecs_bloquants": 0, "avertissements": 0}
    assert paquet.qualite_paquet(Qualite(12, (), ("colonne ignorée",)))["statut"] == "avertissements"


def test_agregats_csv_writes_numerators_to_their_decimals():
    ligne = {"periode_debut": date(2024, 1, 1), "periode_fin": date(2024, 12, 31), "modalite": None}
    texte = paquet.agregats_csv([
        ligne | {"indicateur": "a", "valeur": 4.5, "unite": "mois", "agregation": "rapport",
                 "numerateur": 8.969199, "denominateur": 2, "numerateur_decimales": 6},
        ligne | {"indicateur": "b", "valeur": 652.75, "unite": "eur", "agregation": "somme",
                 "numerateur": 652.75, "denominateur": None, "numerateur_decimales": 2},
        ligne | {"indicateur": "c", "valeur": None, "unite": "pct", "agregation": "evolution",
                 "numerateur": 1.0, "denominateur": 0, "numerateur_decimales": 0},
        ligne | {"indicateur": "d", "valeur": 50.0, "unite": "pct", "agregation": "non_agregeable",
                 "numerateur": None, "denominateur": None, "numerateur_decimales": 0},
    ]).decode("utf-8")
    assert texte == (f"{ENTETE}\n"
                     "2024-01-01,2024-12-31,a,,4.5,mois,rapport,8.969199,2\n"
                     "2024-01-01,2024-12-31,b,,652.75,eur,somme,652.75,\n"
                     "2024-01-01,2024-12-31,c,,,pct,evolution,1,0\n"
                     "2024-01-01,2024-12-31,d,,50.0,pct,non_agregeable,,\n")


@pytest.mark.slow
def test_a_monthly_run_packages_the_month_and_the_year_to_date(tmp_path):
    resultat = run_cli(["run", "--exports", str(EXPORTS_2024), "--period", "2024-03", "--out", str(tmp_path / "out")],
                       tmp_path / "home")
    assert resultat.returncode == 0, resultat.stderr[-3000:]
    dossier = tmp_path / "out" / "reseau" / f"{CODE}_2024-03"
    lignes = lire_csv(dossier / "agregats.csv")
    indicateurs = lire_csv(tmp_path / "out" / "indicateurs.csv")
    assert [{k: r[k] for k in indicateurs[0]} for r in lignes] == indicateurs
    manifest = json.loads((dossier / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["periode"] == "2024-03"
    assert manifest["periodes"] == [{"debut": "2024-01-01", "fin": "2024-03-31"},
                                    {"debut": "2024-03-01", "fin": "2024-03-31"}]
    assert {(r["periode_debut"], r["periode_fin"]) for r in lignes} == {
        ("2024-01-01", "2024-03-31"), ("2024-03-01", "2024-03-31")}
    verifier_rapports(lignes)


@pytest.mark.slow
def test_a_wrong_code_fails_the_run_clearly_and_publishes_nothing(tmp_path):
    fichier = tmp_path / "mission_locale.yaml"
    donnees = yaml.safe_load((configuration.DOSSIER / "mission_locale.yaml").read_text(encoding="utf-8"))
    fichier.write_text(yaml.safe_dump({**donnees, "code": "ML BESANÇON"}, allow_unicode=True), encoding="utf-8")
    resultat = run_cli(["run", "--exports", str(EXPORTS_2024), "--period", "2024", "--out", str(tmp_path / "out")],
                       tmp_path / "home", env=cli_env(tmp_path / "home", MILO_MISSION_LOCALE=str(fichier)))
    assert resultat.returncode == 1
    assert f"{fichier}, clé « code » : « ML BESANÇON » invalide" in resultat.stderr
    assert "Rien n'a été publié" in resultat.stderr or "rien n'a été publié" in resultat.stderr
    assert "Traceback" not in resultat.stdout + resultat.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*"))
