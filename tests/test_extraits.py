"""Funder extracts: the disclosure-control structure of the indicators (the dictionary's columns) on
hand-built tables, the funders' configurations, the extract's rows, the XLSX/CSV read back, determinism, the
manifest; and (slow) the CLI on the held-out export."""

import csv
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from milo_pipeline.lib import dictionnaire as dico
from milo_pipeline.lib import extraits
from milo_pipeline.lib.periods import Periode
from milo_pipeline.lib.suppression import MASQUE, recalculables

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "milo_pipeline" / "config"
DICTIONNAIRE = ROOT / "dbt_project" / "seeds" / "indicateurs_dictionnaire.csv"
STRUCTURE = extraits.structure_du_dictionnaire()
ANNEE = Periode(date(2024, 1, 1), date(2024, 12, 31))
MARS, CUMUL_MARS = Periode(date(2024, 3, 1), date(2024, 3, 31)), Periode(date(2024, 1, 1), date(2024, 3, 31))
SOURCES = extraits.Sources("Mission Locale de Besançon", (("jeunes_2025-01-15.csv", "ab" * 32),
                                                          ("evenements_2025-01-15.csv", "cd" * 32)), date(2025, 1, 15))


def dictionnaire(typed: bool = False) -> list[dict]:
    if typed:
        return dico.lire_csv()
    with open(DICTIONNAIRE, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


UNITES = {d["indicateur"]: d["unite"] for d in dictionnaire()}


def ligne(indicateur, modalite, valeur, periode=ANNEE):
    unite = UNITES[indicateur]
    return {"periode_debut": periode.debut, "periode_fin": periode.fin, "indicateur": indicateur,
            "modalite": modalite, "valeur": valeur, "unite": unite}


def masquees(lignes, structure=STRUCTURE, seuil=5) -> dict:
    table = extraits.secretiser_indicateurs(lignes, structure, seuil)
    return {(r["indicateur"], r["modalite"]) for r in table.lignes if r["valeur"] == MASQUE}


# ------------------------------------------------------------------------- disclosure-control structure

def test_every_reference_of_the_structure_and_every_share_of_the_dictionary_is_declared():
    ids = {d["indicateur"]: d for d in dictionnaire()}
    references = ({r.indicateur for refs in STRUCTURE.populations.values() for r in refs}
                  | {r.indicateur for r in STRUCTURE.evolutions.values()}
                  | {r.indicateur for r in STRUCTURE.totaux.values() if r}
                  | {k.indicateur for k in STRUCTURE.sommes}
                  | {r.indicateur for refs in STRUCTURE.sommes.values() for r in refs}
                  | set(STRUCTURE.populations) | set(STRUCTURE.evolutions) | set(STRUCTURE.totaux))
    assert references - set(ids) == set(), "unknown to the dictionary"
    non_comptes = {i for i, d in ids.items() if d["unite"] != "nb"}
    assert non_comptes - set(STRUCTURE.populations) - set(STRUCTURE.evolutions) == set(), \
        "a share, an amount or a ratio without population would always be masked"


def test_programmes_against_ensemble_which_is_treated_as_their_sum():
    lignes = [ligne("disp_nb_beneficiaires", m, v) for m, v in
              (("CEJ", 30), ("PACEA", 27), ("CUI-CIE", 3), ("PEC", 0), ("Ensemble", 58))]
    lignes += [ligne("disp_femmes_pct", m, v) for m, v in
               (("CEJ", 50.0), ("PACEA", 40.7), ("CUI-CIE", 33.3), ("PEC", None), ("Ensemble", 46.6))]
    # naive: CUI-CIE alone; Ensemble − CEJ − PACEA = 1 ≤ CUI-CIE ≤ 58 − 57 + overlaps: its lower bound is tight
    assert masquees(lignes) == {("disp_nb_beneficiaires", "CUI-CIE"), ("disp_nb_beneficiaires", "PACEA"),
                                ("disp_femmes_pct", "CUI-CIE"), ("disp_femmes_pct", "PACEA")}


def test_shares_against_their_cohort_count():
    petit = [ligne("pa_nb_jeunes", None, 4), ligne("pa_sexe_pct", "F", 50.0), ligne("pa_sexe_pct", "H", 50.0),
             ligne("pa_qpv_pct", None, 0.0)]
    assert masquees(petit) == {(r["indicateur"], r["modalite"]) for r in petit}, "denominator below k"

    grand = [ligne("pa_nb_jeunes", None, 150), ligne("pa_sexe_pct", "F", 48.0), ligne("pa_sexe_pct", "H", 52.0),
             ligne("pa_qpv_pct", None, 2.0), ligne("pa_zrr_pct", None, 0.0)]
    grand += [ligne("pa_tranche_age_pct", m, v) for m, v in (("Moins de 16 ans", 0.0), ("16-17 ans", 2.0),
                                                             ("18-21 ans", 40.0), ("22-25 ans", 38.0),
                                                             ("26 ans et plus", 20.0))]
    assert masquees(grand) == {("pa_qpv_pct", None), ("pa_tranche_age_pct", "16-17 ans"),
                               ("pa_tranche_age_pct", "26 ans et plus")}, \
        "2 % of 150 is 3 youths; the bands sum to 100 %: a second band (the smallest) is masked too"


def test_a_count_breakdown_summing_to_a_published_total():
    lignes = [ligne("acc_nb_jeunes", None, 200), ligne("acc_qpv_pct", None, 15.0)]
    lignes += [ligne("terr_nb_jeunes", m, v) for m, v in (("CU Grand Besançon Métropole", 150), ("CC Loue-Lison", 20),
                                                          ("CC du Doubs Baumois", 2), ("Hors territoire", 28))]
    lignes += [ligne("qpv_nb_jeunes", m, v) for m, v in (("QN02501M", 26), ("QN02502M", 2), ("QN02503M", 2))]
    assert masquees(lignes) == {("terr_nb_jeunes", "CC du Doubs Baumois"), ("terr_nb_jeunes", "CC Loue-Lison"),
                                ("qpv_nb_jeunes", "QN02502M"), ("qpv_nb_jeunes", "QN02503M"),
                                ("qpv_nb_jeunes", "QN02501M")}, \
        "QPV: 2 + 2 < 5, and acc_qpv_pct × acc_nb_jeunes gives their total (30)"


def test_exits_by_reason_within_their_programme():
    lignes = [ligne("disp_nb_sorties", m, v) for m, v in (("CEJ", 40), ("PACEA", 12), ("Ensemble", 50))]
    lignes += [ligne("disp_sorties_motif_nb", m, v) for m, v in
               (("CEJ|Emploi durable", 25), ("CEJ|Abandon", 15), ("PACEA|Emploi durable", 9), ("PACEA|Abandon", 3))]
    table = extraits.secretiser_indicateurs(lignes, STRUCTURE)
    assert {(r["indicateur"], r["modalite"]) for r in table.lignes if r["valeur"] == MASQUE} == {
        ("disp_sorties_motif_nb", "PACEA|Abandon"), ("disp_sorties_motif_nb", "PACEA|Emploi durable")}
    cellules, groupes, _ = extraits.cellules_et_groupes(lignes, STRUCTURE)
    assert recalculables(groupes, table.motifs) == set()


def test_an_evolution_gives_last_year_count_with_this_year_one():
    lignes = [ligne("pmsmp_nb", None, 12), ligne("pmsmp_evolution_pct", None, 200.0),
              ligne("service_civique_nb", None, 12), ligne("service_civique_evolution_pct", None, 20.0),
              ligne("immersion_autres_nb", None, 30), ligne("immersion_nb_jeunes", None, 40),
              ligne("volontariat_autres_nb", None, 0), ligne("volontariat_nb_jeunes", None, 12)]
    assert masquees(lignes) == {("pmsmp_evolution_pct", None)}, "12 = 4 × (1 + 200 %): 4 last year"


def test_two_cells_that_are_the_same_number_are_masked_together():
    lignes = [ligne("disp_nb_beneficiaires", m, v) for m, v in (("CEJ", 30), ("PACEA", 3), ("Ensemble", 33))]
    lignes += [ligne("cej_nb_entrees", None, 30)]
    assert masquees(lignes) == {("disp_nb_beneficiaires", "PACEA"), ("disp_nb_beneficiaires", "CEJ"),
                                ("cej_nb_entrees", None)}


def test_a_value_without_declared_population_is_masked_and_reported():
    lignes = [ligne("acc_nb_jeunes", None, 200), ligne("acc_qpv_pct", None, 15.0),
              ligne("pacea_montant_eur", None, 1e4)]
    table = extraits.secretiser_indicateurs(lignes, extraits.Structure())
    assert [r["valeur"] for r in table.lignes] == [200, MASQUE, MASQUE]
    assert table.non_declares == ("acc_qpv_pct", "pacea_montant_eur")


def test_a_row_added_to_the_dictionary_is_masked_by_the_same_rules():
    """A new share and a new breakdown in counts, declared only by their dictionary rows."""
    lignes_dictionnaire = [*dictionnaire(typed=True),
                           {"indicateur": "cej_nb_qpv_pct", "ordre": 9001, "libelle": "CEJ en QPV", "unite": "pct",
                            "population": "cej_nb_entrees"},
                           {"indicateur": "cej_canal_nb", "ordre": 9002, "libelle": "CEJ par canal", "unite": "nb",
                            "vocabulaire": "canal", "total": "cej_nb_entrees"}]
    structure = extraits.structure_du_dictionnaire(lignes_dictionnaire)
    cej = {"periode_debut": ANNEE.debut, "periode_fin": ANNEE.fin}
    lignes = [ligne("cej_nb_entrees", None, 30), {**cej, "indicateur": "cej_nb_qpv_pct", "modalite": None,
                                                  "valeur": 10.0, "unite": "pct"}]
    lignes += [{**cej, "indicateur": "cej_canal_nb", "modalite": m, "valeur": v, "unite": "nb"}
               for m, v in (("Mission Locale", 24), ("Partenaire", 3), ("Autre", 3))]
    # 10 % of 30 is 3 youths (primary); 3 + 3 = 6 ≥ 5 given by 30 − 24: the two small channels alone
    assert masquees(lignes, structure) == {("cej_nb_qpv_pct", None), ("cej_canal_nb", "Partenaire"),
                                           ("cej_canal_nb", "Autre")}
    deux_canaux = [lignes[0], {**lignes[2], "valeur": 27}, lignes[3]]
    assert masquees(deux_canaux, structure) == {("cej_canal_nb", "Partenaire"), ("cej_canal_nb", "Mission Locale")}, \
        "30 − 27 gives the 3 of Partenaire: a second cell masked"
    sans_total = extraits.structure_du_dictionnaire([*lignes_dictionnaire[:-1], {**lignes_dictionnaire[-1],
                                                                                 "total": "aucun"}])
    assert masquees(deux_canaux, sans_total) == {("cej_canal_nb", "Partenaire")}, "`aucun`: no total to subtract from"


def test_amounts_follow_their_youths():
    lignes = [ligne("pacea_nb_jeunes", None, 3), ligne("pacea_montant_eur", None, 652.75),
              ligne("pacea_moyenne_eur", None, 217.58), ligne("budget_charges_eur", "Réalisé 2024", 1.5e6)]
    assert masquees(lignes) == {("pacea_nb_jeunes", None), ("pacea_montant_eur", None), ("pacea_moyenne_eur", None)}


def tableau_aleatoire(graine: int) -> list[dict]:
    """A table shaped like a Mission Locale's, with many small cells."""
    r = random.Random(graine)
    lignes = []
    for prefixe in ("pa", "acc"):
        n = r.choice([3, 8, 40, 400])
        lignes.append(ligne(f"{prefixe}_nb_jeunes", None, n))
        for ind, modalites in (("sexe", ["F", "H"]), ("tranche_age", ["a", "b", "c", "d", "e"])):
            parts = [r.choice([0, 1, 2, 5, 30]) for _ in modalites]
            parts[-1] = max(n - sum(parts[:-1]), 0)
            total = sum(parts) or 1
            lignes += [ligne(f"{prefixe}_{ind}_pct", m, round(100 * p / total, 1))
                       for m, p in zip(modalites, parts, strict=True)]
        lignes.append(ligne(f"{prefixe}_qpv_pct", None, round(100 * r.randint(0, n) / n, 1)))
    programmes = {p: r.choice([0, 1, 3, 4, 6, 12, 50]) for p in ("CEJ", "PACEA", "PEC", "CUI-CIE", "PPAE")}
    lignes += [ligne("disp_nb_beneficiaires", p, v) for p, v in programmes.items()]
    lignes.append(ligne("disp_nb_beneficiaires", "Ensemble", sum(programmes.values())))
    sorties = {p: r.choice([0, 2, 7, 20]) for p in programmes}
    lignes += [ligne("disp_nb_sorties", p, v) for p, v in sorties.items()]
    lignes.append(ligne("disp_nb_sorties", "Ensemble", sum(sorties.values())))
    for p, v in sorties.items():
        if v:
            a = r.randint(0, v)
            lignes += [ligne("disp_sorties_motif_nb", f"{p}|Emploi", a),
                       ligne("disp_sorties_motif_nb", f"{p}|Autre", v - a)]
    return lignes


@pytest.mark.parametrize("graine", range(20))
def test_random_tables_publish_no_small_count_and_no_recomputable_cell(graine):
    lignes = tableau_aleatoire(graine)
    table = extraits.secretiser_indicateurs(lignes, STRUCTURE)
    cellules, groupes, _ = extraits.cellules_et_groupes(lignes, STRUCTURE)
    assert recalculables(groupes, table.motifs) == set()
    for cle, cellule in cellules.items():
        if cle not in table.motifs:
            assert cellule.effectif is None or not 1 <= cellule.effectif <= 4, cle
    zeros = [r for r in table.lignes if r["unite"] == "nb" and r["valeur"] == 0]
    assert all(r["valeur"] == 0 for r in zeros), "zeros stay published"


# --------------------------------------------------------------------------------------- funders

def test_the_five_default_funders_load_and_use_ids_of_the_dictionary():
    financeurs = extraits.charger_financeurs(CONFIG / "financeurs")
    assert {f.code for f in financeurs} == {"etat_dreets", "region_bfc", "departement_doubs", "caf_doubs",
                                            "ville_besancon"}
    ids = [d["indicateur"] for d in dictionnaire()]
    for f in financeurs:
        extraits.verifier_indicateurs(f, ids)
        assert f.seuil == 5 and f.formats == ("xlsx", "csv")
        assert (CONFIG / "financeurs" / f"{f.code}.yaml").read_text(encoding="utf-8").startswith("# Extrait financeur")


@pytest.mark.parametrize(("texte", "message"), [
    ("financeur: X\nindicateurs: [pa_nb_jeunes]\nseuils: 5\n", "clé(s) inconnue(s) ['seuils']"),
    ("financeur: X\nindicateurs: [pa_nb_jeunes]\nseuil: 1\n", "`seuil` : 1 invalide"),
    ("financeur: X\nindicateurs: [pa_nb_jeunes]\nperiodes: [trimestre]\n", "['trimestre'] inconnue(s)"),
    ("financeur: X\nindicateurs: [pa_nb_jeunes]\nformats: [pdf]\n", "['pdf'] inconnu(s)"),
    ("financeur: X\nindicateurs: [{id: disp_nb_beneficiaires, modalite: [CEJ]}]\n", "entrée invalide"),
    ("indicateurs: [pa_nb_jeunes]\n", "`financeur` : le nom du financeur est obligatoire"),
])
def test_a_malformed_configuration_is_refused_with_the_file_and_the_key(tmp_path, texte, message):
    (tmp_path / "mon_financeur.yaml").write_text(texte, encoding="utf-8")
    with pytest.raises(extraits.ConfigurationInvalide) as exc:
        extraits.charger_financeurs(tmp_path)
    assert "config/financeurs/mon_financeur.yaml" in str(exc.value) and message in str(exc.value)


def test_an_id_unknown_to_the_dictionary_is_refused():
    financeur = extraits.Financeur("f", "F", (extraits.Selection("pa_nb_jeune"), extraits.Selection("acc_nb_jeunes")),
                                   fichier="config/financeurs/f.yaml")
    with pytest.raises(extraits.ConfigurationInvalide, match="f.yaml.*inconnu.*dictionnaire.*: pa_nb_jeune$"):
        extraits.verifier_indicateurs(financeur, [d["indicateur"] for d in dictionnaire()])


# --------------------------------------------------------------------------------------- extract

def financeur(periodes=("annee",), **kw):
    selections = (extraits.Selection("acc_nb_jeunes"), extraits.Selection("acc_qpv_pct"),
                  extraits.Selection("disp_nb_beneficiaires", ("CEJ", "PACEA", "Ensemble")),
                  extraits.Selection("rep_nb_contacts"))
    return extraits.Financeur("etat_dreets", "État – DREETS", selections, periodes, **kw)


def table(*periodes):
    lignes = []
    for p in periodes:
        lignes += [ligne("acc_nb_jeunes", None, 1571, p), ligne("acc_qpv_pct", None, 12.3, p)]
        lignes += [ligne("disp_nb_beneficiaires", m, v, p) for m, v in (("CEJ", 480), ("PACEA", 3), ("PEC", 0),
                                                                        ("Ensemble", 483))]
        lignes += [ligne("pacea_montant_eur", None, 1234.5, p)]
    return extraits.secretiser_indicateurs(lignes, STRUCTURE).lignes


def test_the_extract_keeps_the_configured_periods_indicators_and_modalities():
    lignes = table(MARS, CUMUL_MARS)
    mensuel = extraits.construire_extrait(lignes, dictionnaire(), financeur(("mois", "cumul_annuel")), MARS)
    assert mensuel.periodes == (MARS, CUMUL_MARS)
    assert [(r["indicateur"], r["modalite"]) for r in mensuel.lignes if r["periode_debut"] == MARS.debut] == [
        ("acc_nb_jeunes", None), ("acc_qpv_pct", None), ("disp_nb_beneficiaires", "CEJ"),
        ("disp_nb_beneficiaires", "PACEA"), ("disp_nb_beneficiaires", "Ensemble")]
    assert mensuel.lignes[0]["libelle"] == "Jeunes accompagnés"
    assert mensuel.absents == ("rep_nb_contacts",), "known to the dictionary, not produced: skipped and reported"
    assert [d["indicateur"] for d in mensuel.definitions] == ["acc_nb_jeunes", "acc_qpv_pct", "disp_nb_beneficiaires"]
    assert mensuel.masquees == 4 and mensuel.nom == "etat_dreets_2024-03"

    assert extraits.construire_extrait(lignes, dictionnaire(), financeur(("cumul_annuel",)), MARS).periodes == (
        CUMUL_MARS,)
    assert extraits.construire_extrait(lignes, dictionnaire(), financeur(("annee",)), MARS).lignes == ()


def test_period_natures():
    assert extraits.natures(ANNEE) == {"annee"}
    assert extraits.natures(MARS) == {"mois"}
    assert extraits.natures(CUMUL_MARS) == {"cumul_annuel"}
    assert extraits.natures(Periode(date(2024, 1, 1), date(2024, 1, 31))) == {"mois", "cumul_annuel"}
    assert extraits.natures(Periode(date(2024, 2, 1), date(2024, 4, 30))) == set()


@pytest.fixture(scope="module")
def extrait():
    return extraits.construire_extrait(table(ANNEE), dictionnaire(), financeur(), ANNEE)


def lire_csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def valeur_lue(texte: str, unite: str):
    if texte in ("", MASQUE):
        return texte or None
    return int(texte) if unite == "nb" else float(texte.replace(",", "."))


def test_csv_for_french_excel_reads_back_with_the_same_values(extrait):
    data = extraits.extrait_csv(extrait)
    assert data.decode("utf-8-sig").splitlines()[:3] == [
        "periode_debut;periode_fin;indicateur;libelle;modalite;valeur;unite",
        "2024-01-01;2024-12-31;acc_nb_jeunes;Jeunes accompagnés;;1571;nb",
        "2024-01-01;2024-12-31;acc_qpv_pct;Part des jeunes accompagnés résidant en QPV;;12,3;pct",
    ]
    lues = lire_csv(data)
    assert [(r["indicateur"], r["modalite"] or None, valeur_lue(r["valeur"], r["unite"])) for r in lues] == [
        (r["indicateur"], r["modalite"], r["valeur"]) for r in extrait.lignes]
    assert [r["valeur"] for r in lues if r["indicateur"] == "disp_nb_beneficiaires"] == [MASQUE, MASQUE, "483"]


def test_xlsx_has_a_cover_the_data_and_the_definitions_and_reads_back(extrait):
    wb = openpyxl.load_workbook(io.BytesIO(extraits.extrait_xlsx(extrait, SOURCES)))
    assert wb.sheetnames == ["Présentation", "Données", "Définitions"]
    couverture = [[c for c in row if c is not None] for row in wb["Présentation"].iter_rows(values_only=True)]
    assert ["Extrait pour État – DREETS"] in couverture
    assert ["Période(s)", "année 2024"] in couverture
    assert ["Exports i-milo du", "15 janvier 2025"] in couverture
    assert ["jeunes_2025-01-15.csv", "ab" * 32] in couverture
    assert ["Indicateurs non produits", "rep_nb_contacts"] in couverture
    donnees = list(wb["Données"].iter_rows(values_only=True))
    assert donnees[0] == extraits.COLONNES_EXTRAIT
    assert [(r[0].date(), r[1].date(), r[2], r[3], r[4], r[5], r[6]) for r in donnees[1:]] == [
        (r["periode_debut"], r["periode_fin"], r["indicateur"], r["libelle"], r["modalite"], r["valeur"], r["unite"])
        for r in extrait.lignes]
    definitions = list(wb["Définitions"].iter_rows(values_only=True))
    assert definitions[0] == ("indicateur", "libelle", "unite", "definition", "exports sources", "modele dbt")
    assert definitions[1][:3] == ("acc_nb_jeunes", "Jeunes accompagnés", "nb")
    assert definitions[1][3].startswith("Jeunes ayant eu au moins un entretien")


def test_same_input_same_bytes_even_later(extrait, monkeypatch):
    premier = extraits.fichiers_extrait(extrait, SOURCES)
    plus_tard = time.time() + 86400 * 400
    monkeypatch.setattr(time, "time", lambda: plus_tard)
    second = extraits.fichiers_extrait(extrait, SOURCES)
    assert premier == second
    with zipfile.ZipFile(io.BytesIO(premier["etat_dreets_2024.xlsx"])) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2024, 12, 31, 0, 0, 0)}
        assert b"2024-12-31T00:00:00Z" in archive.read("docProps/core.xml")


def test_manifest_lists_every_file_with_its_sha256_and_only_its_time_differs(extrait):
    fichiers = extraits.fichiers_extrait(extrait, SOURCES)
    un = json.loads(extraits.manifeste(extrait, SOURCES, fichiers, datetime(2025, 1, 20, 9, 30).astimezone(), []))
    deux = json.loads(extraits.manifeste(extrait, SOURCES, fichiers, datetime(2025, 2, 1, 8).astimezone(),
                                         ["stg · relationships"]))
    assert un["fichiers"] == [{"fichier": nom, "sha256": hashlib.sha256(data).hexdigest(), "octets": len(data)}
                              for nom, data in fichiers.items()]
    assert [f["fichier"] for f in un["fichiers"]] == ["etat_dreets_2024.xlsx", "etat_dreets_2024.csv",
                                                      "etat_dreets_2024_definitions.csv"]
    assert un["periode"] == {"debut": "2024-01-01", "fin": "2024-12-31"}
    assert un["exports_sources"][0] == {"fichier": "jeunes_2025-01-15.csv", "sha256": "ab" * 32}
    assert un["qualite"] == {"statut": "conforme", "controles_bloquants": "tous réussis", "controles_reussis": None,
                             "avertissements": [], "avertissements_ingestion": []}
    assert deux["qualite"]["avertissements"] == ["stg · relationships"]
    assert un["secret_statistique"] == {"seuil": 5, "marque": "s", "cellules_masquees": 2}
    assert {k for k in un if un[k] != deux[k]} == {"genere_le", "qualite"}


def test_one_asset_per_funder_and_publication_waits_for_them():
    import dagster as dg

    from milo_pipeline.defs import extraits as defs_extraits
    from milo_pipeline.defs import report, secret
    from milo_pipeline.defs.partitions import monthly

    assert [a.key.to_user_string() for a in defs_extraits.EXTRAITS] == [
        f"extraits/{f.code}" for f in extraits.charger_financeurs(CONFIG / "financeurs")]
    masquage = secret.secret_statistique
    assert masquage.asset_deps[masquage.key] == {dg.AssetKey("indicateurs")}, "the table is masked once, checked"
    assert masquage.key in report.rapport_activite.asset_deps[report.rapport_activite.key], "the public report too"
    for asset in [masquage, *defs_extraits.EXTRAITS]:
        assert asset.group_names_by_key[asset.key] == "extraits"
        assert asset.partitions_def == monthly and asset.backfill_policy == dg.BackfillPolicy.single_run()
    for asset in defs_extraits.EXTRAITS:
        assert asset.asset_deps[asset.key] == {masquage.key}
    assert {a.key for a in defs_extraits.EXTRAITS} <= report.publication.asset_deps[report.publication.key]
    assert secret.SEUIL == 5, "the largest k of the five funders and the public report"


# --------------------------------------------------------------------------------------- end to end

CLI = str(Path(sys.executable).with_name("milo-pipeline"))


@pytest.fixture(scope="module")
def run_2024(tmp_path_factory):
    root = tmp_path_factory.mktemp("extraits")
    env = {**os.environ, "MILO_HOME": str(root / "home"),
           "MILO_PSEUDONYMISATION_KEY": "cle-de-test-32-octets-au-minimum"}
    env.pop("DAGSTER_HOME", None)
    env.pop("MILO_WAREHOUSE", None)
    result = subprocess.run([CLI, "run", "--exports", str(ROOT / "tests" / "fixtures" / "exports_2024"),
                             "--period", "2024", "--out", str(root / "out")],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "out", result


@pytest.mark.slow
def test_held_out_export_extracts_match_their_manifests_and_publish_no_small_count(run_2024):
    out, result = run_2024
    assert f"Extraits financeurs : {out / 'extraits'}" in result.stdout
    dossiers = sorted(p for p in (out / "extraits").glob("*/2024") if (p / "manifest.json").exists())
    assert len(dossiers) >= 3
    publies = 0
    for dossier in dossiers:
        manifeste = json.loads((dossier / "manifest.json").read_text(encoding="utf-8"))
        assert manifeste["qualite"]["controles_bloquants"] == "tous réussis"
        assert {f["fichier"] for f in manifeste["fichiers"]} | {"manifest.json"} == {p.name for p in dossier.iterdir()}
        for f in manifeste["fichiers"]:
            assert hashlib.sha256((dossier / f["fichier"]).read_bytes()).hexdigest() == f["sha256"]
        for r in lire_csv((dossier / f"{dossier.parent.name}_2024.csv").read_bytes()):
            if r["unite"] == "nb" and r["valeur"] not in ("", MASQUE):
                assert not 1 <= int(r["valeur"]) <= 4, (dossier.parent.name, r)
                publies += 1
        wb = openpyxl.load_workbook(dossier / f"{dossier.parent.name}_2024.xlsx", read_only=True)
        for row in list(wb["Données"].iter_rows(values_only=True))[1:]:
            if row[6] == "nb" and isinstance(row[5], int | float):
                assert not 1 <= row[5] <= 4, (dossier.parent.name, row)
    assert publies > 0, "the zeros and the counts of 5 or more are published"



# An evolution gives last year's count with this year's: t = a + b each year, b small, a_evolution_pct of a.
EVOLUTION = extraits.Structure(evolutions={"a_evolution_pct": dico.Reference("a_nb")},
                               sommes={dico.Reference("t_nb"): (dico.Reference("a_nb"), dico.Reference("b_nb"))})
AN_2023, AN_2024 = Periode(date(2023, 1, 1), date(2023, 12, 31)), Periode(date(2024, 1, 1), date(2024, 12, 31))


def cellule(indicateur, valeur, periode):
    return {"periode_debut": periode.debut, "periode_fin": periode.fin, "indicateur": indicateur, "modalite": None,
            "valeur": valeur, "unite": "pct" if indicateur.endswith("_pct") else "nb"}


def test_an_evolution_is_masked_with_last_year_s_count_even_when_secondary():
    """2023: t 23 = a 20 + b 3: b primary, a secondary (t − a would give b). 2024: t 50 = a 40 + b 10, nothing
    small. a_evolution_pct 2024 = +100 % gives a 2023 = 40 / 2 = 20, then b 2023 = 23 − 20 = 3: it is masked."""
    lignes = [cellule(i, v, AN_2023) for i, v in (("t_nb", 23), ("a_nb", 20), ("b_nb", 3))]
    lignes += [cellule(i, v, AN_2024) for i, v in (("t_nb", 50), ("a_nb", 40), ("b_nb", 10),
                                                    ("a_evolution_pct", 100.0))]
    table = extraits.secretiser_indicateurs(lignes, EVOLUTION, 5)
    masquees = {(r["periode_debut"].year, r["indicateur"]) for r in table.lignes if r["valeur"] == MASQUE}
    assert masquees == {(2023, "a_nb"), (2023, "b_nb"), (2024, "a_evolution_pct")}
    # with last year's count published, the evolution is published: it tells nothing new
    lignes[1:3] = [cellule("a_nb", 15, AN_2023), cellule("b_nb", 8, AN_2023)]
    lignes[-1] = cellule("a_evolution_pct", 166.7, AN_2024)
    assert [r for r in extraits.secretiser_indicateurs(lignes, EVOLUTION, 5).lignes if r["valeur"] == MASQUE] == []


def test_an_evolution_is_masked_when_last_year_s_count_was_sent_masked():
    """The 2024 table alone has nothing small, but a 2023 was sent masked last year (the register): the evolution
    would give it."""
    lignes = [cellule(i, v, AN_2024) for i, v in (("t_nb", 50), ("a_nb", 40), ("b_nb", 10),
                                                  ("a_evolution_pct", 100.0))]
    envoyee = extraits.Publiee(AN_2023.debut, AN_2023.fin, "a_nb", None, None, True, 20)
    table = extraits.secretiser_indicateurs(lignes, EVOLUTION, 5, [envoyee])
    assert [r["indicateur"] for r in table.lignes if r["valeur"] == MASQUE] == ["a_evolution_pct"]
    assert [r["indicateur"] for r in extraits.secretiser_indicateurs(lignes, EVOLUTION, 5).lignes
            if r["valeur"] == MASQUE] == []
