"""Last year beside this year (issue 15, point 4): the annual report's key figures and programmes table show N−1 and
the change, N−1 taken from the same warehouse when the exports cover the year before, else from the figures
published last year (the register of diffusion), else « n.d. »; masked like any figure sent in the public version.

The acceptance: two CLI runs on the same exports (`tests/fixtures/exports_2024` holds a little 2023 history: a
youth welcomed in May 2023, programmes entered in 2023…), 2023 then 2024 in one MILO_HOME; the 2024 report's N−1
cells equal the 2023 run's own `indicateurs.csv`, value for value.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import EXPORTS_2024, pdf_text, run_cli

from milo_pipeline.lib import dictionnaire, periods
from milo_pipeline.lib.dictionnaire import DictionnaireInvalide
from milo_pipeline.lib.extraits import table_publique
from milo_pipeline.lib.formatting import Masque, fr_ecart_points
from milo_pipeline.lib.periods import Periode, du_run, parse_period, periodes_dbt
from milo_pipeline.lib.report import comparaison
from milo_pipeline.lib.report.indicateurs import Indicateurs

F, E = "\u202f", "\u00a0"  # narrow no-break space (before « % », « pt », thousands), no-break space (before « : »)
A2024, A2023 = parse_period("2024"), parse_period("2023")


# ------------------------------------------------------------------------------------------ the change, by hand

@pytest.mark.parametrize(("n", "n1", "nature", "attendu"), [
    (1234, 1173, "evolution", f"+5,2{F}%"),        # 61 × 100 / 1173 = 5,200…
    (1173, 1234, "evolution", f"-4,9{F}%"),        # −61 × 100 / 1234 = −4,943…
    (10, 10, "evolution", f"0,0{F}%"),
    (652.75, 0, "evolution", "n.d."),              # a change in % of nothing
    (5, None, "evolution", "n.d."),                # N−1 empty (a mean of nobody)
    (45.3, 44.0, "points", f"+1,3{F}pt"),          # shares: the difference in points
    (40.0, 0.0, "points", f"+40,0{F}pt"),          # a share of 0 % is a base like any other
    (33.3, 100.0, "points", f"-66,7{F}pt"),
    (12, "s", "evolution", "s"),                   # N−1 masked: the change would give it back
    (Masque(5), 3, "evolution", "s"),              # N masked
])
def test_the_change_is_a_percentage_for_counts_and_points_for_shares(n, n1, nature, attendu):
    assert comparaison.texte_ecart(comparaison.ecart(n, n1, nature), nature) == attendu


def test_points_are_written_the_french_way():
    assert fr_ecart_points(1.25) == f"+1,3{F}pt"  # half away from zero
    assert fr_ecart_points(-0.25) == f"-0,3{F}pt"
    assert fr_ecart_points(-0.04) == f"0,0{F}pt"
    assert fr_ecart_points(Masque()) == "s"


def test_a_tile_line_gives_the_year_the_value_and_the_change():
    p = comparaison.precedent(2023, {"valeur": 1173}, 1173, 1234, "nb", "evolution")
    assert p["texte"] == f"2023{E}: 1{F}173 · +5,2{F}%"
    assert (p["source"], p["note"]) == ("entrepot", f"2023{E}: calculé sur les mêmes exports.")
    publie = comparaison.precedent(2023, {"valeur": 44.0, "publie_le": date(2024, 1, 20)}, 44.0, 45.3, "pct",
                                   "points")
    assert publie["texte"] == f"2023{E}: 44,0{F}% · +1,3{F}pt"
    assert publie["note"] == f"2023{E}: chiffres publiés le 20 janvier 2024."
    absent = comparaison.precedent(2023, None, None, 45.3, "pct", "points")
    assert (absent["texte"], absent["note"]) == (f"2023{E}: n.d.", f"n.d.{E}: non disponible.")


# ------------------------------------------------------------------------------------ dictionary and periods

def test_the_dictionary_says_which_indicators_are_compared_and_how():
    ind = dictionnaire.indicateurs(dictionnaire.lire_csv())
    assert ind["pa_nb_jeunes"].comparaison == "evolution" and ind["pacea_montant_eur"].comparaison == "evolution"
    assert ind["acc_qpv_pct"].comparaison == "points" and ind["disp_femmes_pct"].comparaison == "points"
    assert ind["pmsmp_evolution_pct"].comparaison is None  # a change over a year: no N−1
    assert ind["budget_charges_eur"].comparaison is None   # named by exercise: no N−1 modality


@pytest.mark.parametrize(("unite", "valeur", "evolution_de", "attendu"), [
    ("nb", "pourcent", None, "comparaison inconnue"),
    ("nb", "points", None, "`points` .* pour une part"),
    ("pct", "evolution", None, "`points` .* unité de l'indicateur : pct"),
    ("pct", "points", "a_nb", "une évolution sur un an n'a pas de valeur N−1"),
])
def test_a_wrong_comparison_is_refused_with_the_file_column_and_value(unite, valeur, evolution_de, attendu):
    lignes = [{"indicateur": "a_nb", "ordre": 1, "libelle": "A", "unite": "nb", "somme_100": False},
              {"indicateur": "b_x", "ordre": 2, "libelle": "B", "unite": unite, "somme_100": False,
               "comparaison": valeur, "evolution_de": evolution_de, "_ligne": 3}]
    with pytest.raises(DictionnaireInvalide, match=f"csv, ligne 3, colonne « comparaison » : indicateur « b_x » : "
                                                   f"{attendu}"):
        dictionnaire.indicateurs(lignes)


def test_an_annual_run_computes_the_year_before_in_dbt_but_publishes_its_own_period_only():
    assert periodes_dbt(A2024) == [A2024, A2023]
    assert periodes_dbt(parse_period("2022")) == [parse_period("2022")]  # 2021: before historique.debut (2022-01)
    mars = parse_period("2024-03")
    assert periodes_dbt(mars) == [mars, Periode(date(2024, 1, 1), date(2024, 3, 31))]
    lignes = [{"periode_debut": date(y, 1, 1), "periode_fin": date(y, 12, 31), "indicateur": "x"} for y in (2023, 2024)]
    assert du_run(lignes, A2024) == lignes[1:]


# ------------------------------------------------------------------- the public version: the same masking engine

def _ligne(annee: int, indicateur: str, valeur, unite: str = "nb", modalite=None) -> dict:
    return {"periode_debut": date(annee, 1, 1), "periode_fin": date(annee, 12, 31), "indicateur": indicateur,
            "modalite": modalite, "valeur": valeur, "unite": unite}


def test_a_small_n1_count_is_masked_in_the_public_version_and_so_is_its_change():
    lignes = [_ligne(2024, "pa_nb_jeunes", 120), _ligne(2024, "acc_nb_jeunes", 300),
              _ligne(2023, "pa_nb_jeunes", 3), _ligne(2023, "acc_nb_jeunes", 280)]
    dico = dictionnaire.lire_csv()
    publique = Indicateurs(table_publique(lignes, 5), dico, A2024.debut, A2024.fin, seuil=5)
    petit, grand = publique.chiffre("pa_nb_jeunes")["precedent"], publique.chiffre("acc_nb_jeunes")["precedent"]
    assert petit["texte"] == f"2023{E}: <{E}5 · s"  # 3 youths: « < 5 », and +3900 % would give them back
    assert grand["texte"] == f"2023{E}: 280 · +7,1{F}%"  # 20 × 100 / 280 = 7,14…
    assert {Masque(5), Masque()} <= publique.masques  # the section's legend explains both marks
    interne = Indicateurs(lignes, dico, A2024.debut, A2024.fin, seuil=5)
    assert interne.chiffre("pa_nb_jeunes")["precedent"]["texte"] == f"2023{E}: 3 · +3{F}900,0{F}%"
    # a month has no N−1; a year without any N−1 row says « n.d. »
    assert Indicateurs(lignes, dico, date(2024, 3, 1), date(2024, 3, 31)).precedent("pa_nb_jeunes") is None
    seule = Indicateurs(lignes[:2], dico, A2024.debut, A2024.fin)
    assert seule.chiffre("pa_nb_jeunes")["precedent"]["texte"] == f"2023{E}: n.d."


# ------------------------------------------------------------------------- acceptance: two years of exports

def _csv(path: Path) -> dict[tuple, str]:
    with open(path, encoding="utf-8", newline="") as f:
        return {(r["indicateur"], r["modalite"] or None): r["valeur"] for r in csv.DictReader(f)}


def _precedents(contexte: dict) -> list[tuple[str, str | None, dict]]:
    """(indicateur, modalité, N−1) of every key figure and programmes cell the report shows with a comparison."""
    cellules = []
    for section in contexte["sections"]:
        for bloc in section["blocs"]:
            if bloc["type"] == "chiffres":
                cellules += [(c["indicateur"], c["modalite"], c["precedent"]) for c in bloc["chiffres"]
                             if c["precedent"]]
            elif bloc["type"] == "tableau_dispositifs":
                cellules += [(col["indicateur"], ligne["dispositif"], p) for ligne in bloc["lignes"]
                             for col, p in zip(bloc["colonnes"], ligne["precedents"], strict=True) if p]
    return cellules


def _contexte(home: Path, exports: Path, version: str = "interne"):
    from milo_pipeline.lib.publication import preparer_rapport_public
    from milo_pipeline.lib.report.run import lire_sources

    sources = lire_sources(home / "warehouse.duckdb", exports, A2024, date(2025, 2, 1))
    lignes = sources.lignes if version == "interne" else preparer_rapport_public(
        home / "warehouse.duckdb", "essai", sources.lignes)
    return sources.contexte(lignes, version, 5)


@pytest.fixture(scope="module")
def deux_annees(tmp_path_factory) -> Path:
    """One MILO_HOME, the same exports: the run of 2023 (published, so the register holds 2023), then 2024."""
    root = tmp_path_factory.mktemp("deux_annees")
    shutil.copytree(EXPORTS_2024, root / "exports")
    for annee in ("2023", "2024"):
        resultat = run_cli(["run", "--exports", str(root / "exports"), "--period", annee,
                            "--out", str(root / f"out{annee}")], root / "home")
        assert resultat.returncode == 0, resultat.stdout + resultat.stderr[-3000:]
    return root


@pytest.mark.slow
def test_the_2024_report_shows_2023_equal_to_the_2023_runs_own_figures(deux_annees, env_propre):
    root = deux_annees
    propres = _csv(root / "out2023" / "indicateurs.csv")
    cellules = _precedents(_contexte(root / "home", root / "exports"))
    vus = {c[0] for c in cellules}
    assert {"pa_nb_jeunes", "acc_nb_jeunes", "acc_qpv_pct", "disp_nb_beneficiaires", "disp_femmes_pct",
            "rh_nb_salaries", "parr_nb_jeunes", "emploi_acces_pct"} <= vus
    compares = 0
    for indicateur, modalite, p in cellules:
        if (indicateur, modalite) not in propres:
            # rh_nb_salaries: effectifs.yaml describes 2024 only, nothing for 2023 anywhere: « n.d. »; a programme
            # out of the catalogue that nobody entered in 2023 (« Atelier Bidule »): the 2023 run lists no row for
            # it, the 2024 run lists this year's programmes for 2023 too: 0 entries (shares of nobody: empty)
            if p["source"] == "n.d.":
                assert p["texte"] == f"2023{E}: n.d.", (indicateur, modalite)
            else:
                assert modalite == "Atelier Bidule" and p["valeur"] in (0, None), (indicateur, modalite, p)
            continue
        assert p["source"] == "entrepot", (indicateur, modalite)
        attendu = propres[(indicateur, modalite)]
        assert (None if p["valeur"] is None else Decimal(str(p["valeur"]))) == (Decimal(attendu) if attendu else
                                                                                  None), (indicateur, modalite)
        compares += 1
    assert compares >= 60
    # non-zero 2023 figures are among them (a youth welcomed in May 2023, CEJ entries in 2023)
    assert propres[("pa_nb_jeunes", None)] == "1" and propres[("disp_nb_beneficiaires", "CEJ")] == "2"
    # the run's own outputs keep 2024 only; the report says where 2023 comes from
    with open(root / "out2024" / "indicateurs.csv", encoding="utf-8") as f:
        assert {r["periode_debut"] for r in csv.DictReader(f)} == {"2024-01-01"}
    texte = pdf_text(root / "out2024" / "rapport_activite_2024.pdf")
    assert "2023 : calculé sur les mêmes exports." in texte and "2023, évolution" in texte
    assert "2023 : 1 · +200,0 %" in texte  # pa_nb_jeunes: 3 in 2024, 1 in 2023


@pytest.mark.slow
def test_the_public_version_never_shows_a_small_n1_count(deux_annees, env_propre):
    root = deux_annees
    cellules = _precedents(_contexte(root / "home", root / "exports", "publique"))
    unites = {d["indicateur"]: d["unite"] for d in dictionnaire.lire_csv()}
    petits = [(i, m, p["valeur"]) for i, m, p in cellules if unites[i] == "nb" and p["valeur"] is not None
              and not isinstance(p["valeur"], Masque) and 0 < p["valeur"] < 5]
    assert petits == []
    masques = {(i, m): p for i, m, p in cellules if isinstance(p["valeur"], Masque)}
    # 1 youth welcomed in 2023: masked (sent masked by the 2023 run: « s », the mark of a cell masked before)
    assert masques[("pa_nb_jeunes", None)]["texte"] in (f"2023{E}: <{E}5 · s", f"2023{E}: s · s")
    assert all(p["ecart_texte"] == "s" for p in masques.values())  # a change from a masked value is masked
    texte = pdf_text(root / "out2024" / "rapport_activite_2024_public.pdf")
    assert "2023 : calculé sur les mêmes exports." in texte and "2023 : 1 ·" not in texte
    # what the public 2024 report shows of 2023 is what the public 2023 report sent (the register)
    with duckdb.connect(str(root / "home" / "warehouse.duckdb"), read_only=True) as con:
        envoye = {(i, m): (None if masque else v) for i, m, v, masque in con.execute(
            "select indicateur, modalite, valeur, masque from diffusion.registre where destinataire = "
            "'rapport_public' and periode_debut = '2023-01-01' and periode_fin = '2023-12-31'").fetchall()}
    for indicateur, modalite, p in cellules:
        if (indicateur, modalite) in envoye and not isinstance(p["valeur"], Masque):
            assert p["valeur"] == envoye[(indicateur, modalite)], (indicateur, modalite)
    # the 2024 run sent of 2023 only the N−1 cells of the compared indicators, in the public report only (its
    # extracts hold 2024 alone)
    compares = {d["indicateur"] for d in dictionnaire.lire_csv() if d["comparaison"]}
    with duckdb.connect(str(root / "home" / "warehouse.duckdb"), read_only=True) as con:
        run_2024, = con.execute("select distinct run_id from diffusion.registre "
                                "where periode_debut = '2024-01-01'").fetchone()
        envois_2023 = con.execute("select distinct destinataire, indicateur from diffusion.registre where run_id = ? "
                                  "and periode_debut = '2023-01-01'", [run_2024]).fetchall()
    assert envois_2023 and {d for d, _ in envois_2023} == {"rapport_public"}
    assert {i for _, i in envois_2023} <= compares and "pa_sexe_pct" not in {i for _, i in envois_2023}


@pytest.mark.slow
def test_without_the_year_before_in_the_exports_n1_comes_from_the_register(deux_annees, env_propre, tmp_path,
                                                                           monkeypatch):
    """The history of the exports starts in 2024 (config/periodes.yaml): the warehouse answers no 2023 cell, the
    report reads what was published for 2023 (the register holds the 2023 run's sends); none published: n.d."""
    root = tmp_path / "copie"
    shutil.copytree(deux_annees / "home", root / "home")
    config = tmp_path / "periodes.yaml"
    config.write_text("historique:\n  debut: 2024-01\n", encoding="utf-8")
    monkeypatch.setattr(periods, "CONFIG", config)
    periods.debut_historique.cache_clear()
    try:
        assert periodes_dbt(A2024) == [A2024]
        with duckdb.connect(str(root / "home" / "warehouse.duckdb"), read_only=True) as con:
            publie_le, = con.execute("select max(publie_le) from diffusion.registre where periode_debut = "
                                     "'2023-01-01'").fetchone()
            envoye = {(i, m): (Masque() if masque else v) for i, m, v, masque in con.execute(
                "select indicateur, modalite, valeur, masque from diffusion.registre where destinataire = "
                "'rapport_public' and periode_debut = '2023-01-01' and periode_fin = '2023-12-31'").fetchall()}
        cellules = _precedents(_contexte(root / "home", deux_annees / "exports"))
    finally:
        periods.debut_historique.cache_clear()
    par_cle = {(i, m): p for i, m, p in cellules}
    assert {p["source"] for p in par_cle.values()} == {"registre", "n.d."}
    for cle, p in par_cle.items():
        if cle in envoye:
            assert p["source"] == "registre" and p["valeur"] == envoye[cle], cle
            assert p["note"] == f"2023{E}: chiffres publiés le {publie_le.day} " + \
                f"{['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'][publie_le.month - 1]} {publie_le.year}."  # noqa: E501
        else:
            assert p["source"] == "n.d.", cle
    assert par_cle[("pa_nb_jeunes", None)]["texte"] == f"2023{E}: s · s"  # 1 youth: published masked
    assert par_cle[("rh_nb_salaries", None)]["texte"] == f"2023{E}: n.d."


def test_the_quality_gate_checks_the_runs_periods_not_the_year_computed_for_comparison():
    """The demo's 2023 (a partial history) has a breakdown summing to 99,8: that blocks a run of 2023, not the
    report of 2024 that shows 2023 beside it."""
    import pandas as pd

    from milo_pipeline.lib import quality

    frame = pd.DataFrame({"periode_debut": [date(2024, 1, 1), date(2023, 1, 1)],
                          "periode_fin": [date(2024, 12, 31), date(2023, 12, 31)],
                          "indicateur": ["pa_hebergement_pct"] * 2, "somme": [100.0, 99.8]})
    comparees = pd.DataFrame({"periode_debut": [date(2023, 1, 1)], "periode_fin": [date(2023, 12, 31)]})
    assert quality.sans_comparaison(frame, comparees)["somme"].tolist() == [100.0]
    assert quality.sans_comparaison(frame, None).equals(frame)  # a warehouse without int_periodes: all checked
    assert quality.sans_comparaison(frame[["indicateur"]], comparees).equals(frame[["indicateur"]])
