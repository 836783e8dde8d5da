"""Adding an indicator the documented way (dbt_project/README.md, « Recipe: add an indicator » and « add a
breakdown »): a dictionary row and one SQL line in the mart of its family, in a temporary copy of the dbt
project, and nothing else. The run of the small fixture then carries it everywhere with its definition.

Hand-computed on tests/fixtures/exports_2024 (reasoning in tests/test_end_to_end.py): the youths accompanied in
2024 are J01 (F, Aucun), J02 (H, Voiture), J03 (F, Transports en commun), J04 (H, Aucun) and J07 (F, Deux-roues
motorisé). So
- `acc_nb_femmes` (a count, family accompagnés) = 3 (J01, J03, J07);
- `acc_moyen_locomotion_pct` (a breakdown of the same cohort by a column, over the values present) = Aucun 40,0 %,
  Voiture 20,0 %, Transports en commun 20,0 %, Deux-roues motorisé 20,0 % (J05's Vélo: J05 is not accompanied).
With k = 5, the count 3 is masked (« s » in an extract, « < 5 » in the public report), and so is every share
of the breakdown (numerators 2, 1, 1, 1), while `acc_nb_jeunes` = 5 is published: the rules of every other
indicator, read from the new rows of the dictionary.
"""

import csv
import hashlib
import io
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import FIXTURES, cli_env, run_cli

from milo_pipeline.lib import extraits, registre
from milo_pipeline.lib.periods import parse_period
from milo_pipeline.lib.suppression import MASQUE

REPO = Path(__file__).resolve().parents[1]

LIGNE_COMPTE = ("acc_nb_femmes,296,accompagnes,Jeunes femmes accompagnées,nb,,false,,,,,"
                "Jeunes accompagnés de sexe féminin dans la période.,,somme,")  # no N−1; a network sums it
SQL_COMPTE = """        'acc_nb_femmes': nb("sexe = 'F'"),\n"""
APRES_COMPTE = "        'acc_nb_entretiens_individuels': 'coalesce(sum(nb_entretiens_individuels), 0)',\n"

LIGNE_REPARTITION = ("acc_moyen_locomotion_pct,297,accompagnes,Moyen de locomotion des jeunes accompagnés,pct,"
                     "moyen_locomotion,false,acc_nb_jeunes,,,,Part des jeunes accompagnés par moyen de locomotion "
                     "déclaré.,,rapport,acc_nb_jeunes")
SQL_REPARTITION = "        'acc_moyen_locomotion_pct': 'moyen_locomotion',\n"
APRES_REPARTITION = "}, repartitions={\n"

LOCOMOTION = {"Aucun": "40.0", "Voiture": "20.0", "Transports en commun": "20.0", "Deux-roues motorisé": "20.0"}

pytestmark = pytest.mark.slow


def inserer_apres(chemin: Path, repere: str, ligne: str) -> None:
    texte = chemin.read_text(encoding="utf-8")
    assert texte.count(repere) == 1, f"{chemin.name}: the recipe's anchor line is not there once: {repere!r}"
    chemin.write_text(texte.replace(repere, repere + ligne), encoding="utf-8")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("ajout")
    projet = root / "dbt_project"
    shutil.copytree(REPO / "dbt_project", projet,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".parse-*", ".user.yml"))
    # the recipe, step 1: one row of the dictionary per indicator
    with open(projet / "seeds" / "indicateurs_dictionnaire.csv", "a", encoding="utf-8", newline="") as f:
        f.write(LIGNE_COMPTE + "\n" + LIGNE_REPARTITION + "\n")
    # step 2: one line in the mart of the family
    mart = projet / "models" / "marts" / "mart_accompagnes.sql"
    inserer_apres(mart, APRES_COMPTE, SQL_COMPTE)
    inserer_apres(mart, APRES_REPARTITION, SQL_REPARTITION)
    sortie = root / "out"
    resultat = run_cli(["run", "--exports", str(FIXTURES / "exports_2024"), "--period", "2024", "--out", str(sortie)],
                       root / "home", env=cli_env(root / "home", MILO_DBT_PROJECT=str(projet)))
    assert resultat.returncode == 0, resultat.stderr[-3000:]
    return root, sortie


def lignes_csv(chemin: Path) -> list[dict]:
    with open(chemin, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_new_indicators_are_in_indicateurs_csv_with_the_hand_computed_values(run):
    _, sortie = run
    lignes = lignes_csv(sortie / "indicateurs.csv")
    femmes = [(r["modalite"], r["valeur"], r["unite"]) for r in lignes if r["indicateur"] == "acc_nb_femmes"]
    assert femmes == [("", "3", "nb")]
    locomotion = {r["modalite"]: r["valeur"] for r in lignes if r["indicateur"] == "acc_moyen_locomotion_pct"}
    assert locomotion == LOCOMOTION


def test_nothing_else_changes_in_indicateurs_csv(run):
    """Without the new rows, indicateurs.csv is byte-identical to the recorded output of the fixture."""
    _, sortie = run
    attendu = next(line.split()[0] for line in (FIXTURES / "sorties_attendues.sha256").read_text().splitlines()
                   if line.endswith("fix2024/indicateurs.csv"))
    texte = (sortie / "indicateurs.csv").read_bytes().decode("utf-8")
    sans = "".join(line for line in texte.splitlines(keepends=True)
                   if ",acc_nb_femmes," not in line and ",acc_moyen_locomotion_pct," not in line)
    assert hashlib.sha256(sans.encode("utf-8")).hexdigest() == attendu


def texte_pdf(chemin: Path) -> str:
    texte = subprocess.run(["pdftotext", "-layout", str(chemin), "-"], capture_output=True, text=True,
                           check=True).stdout
    return " ".join(texte.replace("\u202f", " ").replace("\xa0", " ").split())


def test_the_report_shows_them_under_autres_indicateurs_with_their_values(run):
    _, sortie = run
    interne = texte_pdf(sortie / "rapport_activite_2024.pdf")
    autres = interne[interne.index("Autres indicateurs"):]
    assert autres.startswith("Autres indicateurs 3 Jeunes femmes accompagnées")
    attendu = " ".join(f"{m} {v.replace('.', ',')} %" for m, v in sorted(LOCOMOTION.items()))
    assert f"Moyen de locomotion des jeunes accompagnés {attendu} " in autres
    public = texte_pdf(sortie / "rapport_activite_2024_public.pdf")
    autres = public[public.index("Autres indicateurs"):]
    assert re.match(r"Autres indicateurs < ?5 Jeunes femmes accompagnées", autres)
    masquees = " ".join(f"{m} s" for m in sorted(LOCOMOTION))
    assert f"Moyen de locomotion des jeunes accompagnés {masquees} " in autres


def test_a_funder_selecting_them_gets_them_masked_with_their_definition(run, tmp_path):
    root, _ = run
    (tmp_path / "financeur_test.yaml").write_text(
        "financeur: Financeur de test\nperiodes: [annee]\nformats: [xlsx, csv]\nseuil: 5\n"
        "indicateurs: [acc_nb_jeunes, acc_nb_femmes, acc_moyen_locomotion_pct]\n", encoding="utf-8")
    financeur = extraits.lire_financeur(tmp_path / "financeur_test.yaml")
    warehouse = root / "home" / "warehouse.duckdb"
    extrait = registre.extrait_du_run(warehouse, "test-ajout", financeur, parse_period("2024"), 5)
    valeurs = {(r["indicateur"], r["modalite"] or ""): r["valeur"] for r in extrait.lignes}
    assert valeurs[("acc_nb_jeunes", "")] == 5
    assert valeurs[("acc_nb_femmes", "")] == MASQUE
    assert {m: valeurs[("acc_moyen_locomotion_pct", m)] for m in LOCOMOTION} == dict.fromkeys(LOCOMOTION,
                                                                                              MASQUE)
    fichiers = extraits.fichiers_extrait(extrait, extraits.lire_sources(warehouse))
    csv_lignes = list(csv.reader(io.StringIO(fichiers["financeur_test_2024.csv"].decode("utf-8-sig")), delimiter=";"))
    assert [ligne[2:7] for ligne in csv_lignes if ligne[2] == "acc_nb_femmes"] == [
        ["acc_nb_femmes", "Jeunes femmes accompagnées", "", "s", "nb"]]
    definitions = openpyxl.load_workbook(io.BytesIO(fichiers["financeur_test_2024.xlsx"]))["Définitions"]
    rangees = {r[0]: r for r in definitions.iter_rows(min_row=2, values_only=True)}
    assert rangees["acc_nb_femmes"][1:4] == ("Jeunes femmes accompagnées", "nb",
                                            "Jeunes accompagnés de sexe féminin dans la période.")
    assert rangees["acc_moyen_locomotion_pct"][3].startswith("Part des jeunes accompagnés par moyen de locomotion")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        population = con.execute("select population from main.indicateurs_dictionnaire "
                                 "where indicateur = 'acc_moyen_locomotion_pct'").fetchone()[0]
    assert population == "acc_nb_jeunes"
