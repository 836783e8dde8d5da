"""The whole path through the real CLI: exports → Dagster → DuckDB/dbt → GX → indicateurs.csv + PDF.

The fixture `exports_2024` is a held-out export in the input contract (8 youths, every table, mixed
encodings, separators, date styles and an XLSX file). `expected_indicateurs_2024.csv` holds every row
of 2024 computed by hand, but the manual inputs (rh_, budget_, satisfaction_, evenements_: files typed
by the Mission Locale, not exports).

Youths (sex · born · commune → territory · QPV · ZRR · level · mobility · licence · RQTH)
  J01 F 10/03/2006 25056 Besançon → CU Grand Besançon Métropole  QN02501M  -    V/Non  Aucun     -  -
  J02 H 11/03/2006 25047 Baume-les-Dames → CC du Doubs Baumois   -         ZRR  IV     Voiture   B  -
  J03 F 01/06/2000 39300 Lons-le-Saunier (Jura) → Hors territoire -        -    VI     Transports B  RQTH
  J04 H 15/01/1998 25056 → CU Grand Besançon Métropole           QN02502M  -    III    Aucun     -  -
  J05 F 20/07/2009 25424 Les Premiers Sapins (outside)           -         -    V bis  Vélo      -  -
  J06 H 29/02/2004 25056                                          -         -    IV     Aucun     -  -
  J07 F 30/11/2001 70334 Marnay (Haute-Saône) → CC du Val Marnaysien QN02503M ZRR V/Oui Deux-roues -  -
  J08 H 05/05/1999 25056                                          -         -    IV     Voiture   B  -

- PA 2024 = J01 (PA 10/03/2024, born 10/03/2006: 18 that day, not a minor), J02 (PA 10/03/2024, born
  11/03/2006: 17), J04 (PA 31/12/2024, 26). J06's first welcome is 02/01/2025: not in 2024.
- ACC 2024 = J01, J02 (E03 Présent; E04 Absent does not count), J03 (E05 info collective; E06 Annulé
  ignored; first qualifying event E07 on 05/01/2024 → 23), J04 (31/12/2024 23:30 counts), J07 (atelier
  31/12/2024 23:30). Not J05 (Absent/Reporté only), not J06 (01/01/2025 00:15; Planifié),
  not J08 (Entretien téléphonique; 2023 event). Individual interviews Présent in 2024: E01 E03 E07 E08 = 4
  (the ateliers E16 of J01 and E17 of J03 count for ACC and outreach, not as interviews).
- PACEA paid in 2024: 300,50 + 252,25 (J01) + 100,00 (J02) = 652,75 € for 2 youths → 326,375 → 326,38.
- Programmes: J01 PACEA entered 10/03, left 30/06 (Emploi durable) and re-entered 01/09 → present at
  the end; J02 CEJ at 17 (minor), left 31/12/2024 (Abandon) → not present on 31/12; J03 left the CEJ on
  15/02/2024 (Alternance, entry of 2023) and re-entered on 01/10/2024 at 24 → beneficiary, present;
  J08 left the CEJ on 30/06/2024 (Formation qualifiante, entry of 2023): an exit without an entry; J08's
  CEP since 2022 is present; J07's CEJ of 2022–2023 is outside 2024; J04's PACEA entry in 2025 does not
  count; "Atelier Bidule" (not in the catalogue) is listed, with its exit reason "Non renseigné".
  CEJ 2024: beneficiaries J02 J03 (women J03: 50 %; minors J02: 50 %; sans qualification J03: 50 %;
  ZRR J02: 50 %), present at the end J03, youths with an exit J02 J03 J08.
  Ensemble: 5 beneficiaries (J01 J02 J03 J05 J07), 4 women (80 %), 2 minors at their first entry (J02 17,
  J05 14: 40 %), sans qualification J01 J03 J05 (60 %), QPV J01 J07 (40 %), ZRR J02 J07 (40 %),
  4 present at the end (J01 J03 J07 J08), 5 youths with an exit (J01 J02 J03 J05 J08).
- CEJ, period 2024: entrants J02 (10/03, 17, H) and J03 (01/10, F, RQTH) → 2, women 50 %, 1 minor,
  1 RQTH; exits J02 (Abandon), J03 (Alternance), J08 (Formation qualifiante) → 3, positive 2/3 = 66,7 %.
  Cumul 01/03/2022–31/12/2024: entrants J07 (15/03/2022, 20), J03 (first entry 01/02/2023, 22; counted
  once), J08 (01/06/2023, 24), J02 → 4, women J03 J07 = 50 %, 1 minor (J02), 1 RQTH (J03); exits J07
  (14/03/2023, Emploi de courte durée), J03, J08, J02 → 4, positive J03 J08 = 50 %.
- Mentoring 2024, pairings active in 2024: P01 J03/M01 (from 01/02/2024, 3 interviews), P02 J01/M05
  (01/10/2023–31/03/2024, spans the start of the year, 4), P03 J07/M01 (15/05–14/08/2024, 2), P04 J05/M03
  (from 01/09/2024, 1), P06 J02/M03 (from 31/12/2024, 0), P07 J04/M01 (04/09/2023–28/02/2025, spans the
  whole year, 6); P05 J08/M05 ended 31/12/2023: not active. Youths 6; QPV J01 J04 J07 = 3; ZRR J02 J07
  = 2; minors at the start of their pairing J01 (17 on 01/10/2023) and J05 (15) = 2/6 = 33,3 %. Ended in
  2024: P02 (Emploi: a solution) and P03 (Abandon) → 2 exits, 1 solution, 1 abandon; mean length
  (182 + 91) / 2 = 136,5 days / 30,4375 = 4,48 → 4,5 months. Mentors with an active pairing: M01
  (retired), M05, M03 (working) → 3, 1 retired, 2 working; new mentors (joined in 2024): M03 (20/08,
  who then mentors P04 and P06) and M04 (01/03, no pairing) → 2. Youths per mentor 6 / 3 = 2,0;
  interviews per mentor (3 + 4 + 2 + 1 + 0 + 6) / 3 = 5,33 → 5,3.
- Employment 2024 (situations by their start date, whatever their state): ACC youths with a job or an
  apprenticeship starting in 2024: J01 (CDD 01/07), J02 (alternance 02/09) → 2 / 5 ACC = 40 % (J08's
  CDI of 01/03 is not ACC; J03's interim of 11/2023 is before). PMSMP starting in 2024: J03 01/02,
  J05 13/05 and 10/06 (PREVU counts) → 3; in 2023 (same dates one year earlier): J08 01/01, J07 03/04,
  J01 05/06, J02 31/12 → 4 (J04's of 31/12/2022 is out) → 100 × (3 − 4) / 4 = −25,0 %. Other immersion:
  J01 07/10 → 1; youths with either J03 J05 J01 → 3. Service civique: J07 16/09 → 1, none in 2023 →
  evolution empty. Other volunteering: J07 « Autre mission » 04/03, J04 empty type 31/12 → 2; youths
  J07 J04 → 2. Employers: SIRET contacted in 2024 …0011 (first contact 10/05/2023: not new), …0019
  (twice, first 01/02/2024), …0044 (31/12/2024) → 3 contacted, 2 new (…0027 only in 2023).
- Territories (ACC 2024): CU Grand Besançon Métropole J01 J04 → 2 (employment J01 50 %, ZRR 0 %, no
  mobility 2, licence 0, car 0, programme entry J01 1, interviews E01 E08 2); CC du Doubs Baumois J02 → 1
  (100 %, 100 %, 0, 1, 1, 1, 1); CC du Val Marnaysien J07 (Marnay, a Haute-Saône commune) → 1 (0 %,
  100 %, 0, 0, 0, 1 (PROJET SANTE 2024 on 31/12), 0); Hors territoire J03 (Jura) → 1 (0 %, 0 %, 0, 1, 0,
  1 (CEJ re-entry), 1); Loue-Lison, Pays de Sancey-Belleherbe, Deux Vallées Vertes: 0, shares empty.
  QPV: QN02501M (J01), QN02502M (J04), QN02503M (J07) → 1 each.
- Outreach 2024: contacts R01 Maraude (repéré, J05: no event Présent), R02 Kaf'Truck (not repéré),
  R04 Événement (repéré, J01: E01 10/03, E02 15/04, E16 20/05 from the contact of 05/03 → remobilised),
  R05 Liste (repéré, J03 on 05/01: E07 that very day, E05, E17 → remobilised), R06 En ligne (not repéré),
  R07 Kaf'Truck (repéré, J04: only E08), R08 Événement (repéré, nobody registered) → 7 contacts,
  5 repérés, 2 remobilised; R03 (15/11/2023, J03 spotted before the period) does not count. By channel
  (contacts / repérés / remobilised): Kaf'Truck 2/1/0, Maraude 1/1/0, Événement 2/2/1, En ligne 1/0/0,
  Liste 1/1/1.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, copie_du_run, pdf_text, tree


def read_csv(path: Path) -> list[tuple]:
    with open(path, encoding="utf-8", newline="") as f:
        return [tuple(r.values()) for r in csv.DictReader(f)]


@pytest.fixture
def good_run(run_2024):
    """The session's run of exports_2024 for 2024 (conftest.py), read only: (root, result, exports before).
    Every test using it is slow (conftest.py); the others copy it before running again."""
    return run_2024.root, run_2024.result, run_2024.exports_avant


def test_run_succeeds_and_prints_the_pdf_path(good_run):
    root, result, _ = good_run
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Rapport : {root / 'out' / 'rapport_activite_2024.pdf'}" in result.stdout
    assert "Traceback" not in result.stderr


def test_first_slice_rows_equal_the_hand_computed_ones(good_run):
    root, _, _ = good_run
    rows = read_csv(root / "out" / "indicateurs.csv")
    produced = sorted(rows)
    expected = sorted(read_csv(FIXTURES / "expected_indicateurs_2024.csv"))
    assert produced == expected


def test_indicateurs_csv_header_and_encoding(good_run):
    root, _, _ = good_run
    data = (root / "out" / "indicateurs.csv").read_bytes()
    assert data.startswith(b"periode_debut,periode_fin,indicateur,modalite,valeur,unite\n")
    assert "Foyer, CHRS, hôtel".encode() in data


def test_raw_exports_untouched_and_archived(good_run):
    root, _, before = good_run
    assert tree(root / "exports") == before
    assert len(list((root / "home" / "archive").glob("*/*"))) == len(before)


def test_pdf_shows_the_figures_of_the_csv(good_run):
    root, _, _ = good_run
    text = pdf_text(root / "out" / "rapport_activite_2024.pdf")
    for expected in ("652,75 €", "326,38 €", "66,7 %", "Ensemble", "Atelier Bidule"):
        assert expected in text, expected
    for title in ("Synthèse", "Jeunes reçus pour la première fois", "Jeunes accompagnés", "Dispositifs et formations"):
        assert title in text


def test_no_personal_data_in_outputs_or_warehouse(good_run):
    root, result, _ = good_run
    # everything the run wrote, but the archive of the raw files as received
    written = [p for p in (root / "home").rglob("*") if p.is_file() and "archive" not in p.parts]
    written += [root / "out" / "indicateurs.csv"]
    assert any(p.name == "warehouse.duckdb" for p in written) and any("dagster" in p.parts for p in written)
    blobs = [p.read_bytes() for p in written] + [pdf_text(root / "out" / "rapport_activite_2024.pdf").encode(),
                                                 (result.stdout + result.stderr).encode()]
    for secret in ("Lefèvre", "zoe.lefevre@example.org", "06 11 22 33 44", "rue des Épars", "Marchand",
                   "Boulangerie Martin"):
        assert not any(secret.encode() in b for b in blobs), secret


def test_bad_export_fails_cleanly_and_keeps_the_last_good_outputs(run_2024, tmp_path, run_cli):
    root = copie_du_run(run_2024, tmp_path / "run").root
    out = root / "out"
    published = tree(out)
    assert "indicateurs.csv" in published
    bad = root / "bad_exports"
    shutil.copytree(root / "exports", bad)
    path = bad / "situations_2025-01-15.csv"
    path.write_text(path.read_text().replace("2024-07-01", "2024-07-32"), encoding="utf-8")
    result = run_cli(["run", "--exports", str(bad), "--period", "2024", "--out", str(out)], root / "home")
    assert result.returncode == 1
    assert "situations_2025-01-15.csv, ligne 2, colonne « date_debut » : date illisible" in result.stderr
    assert "« 2024-07-32 »" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert tree(out) == published


def test_usage_errors_exit_2(tmp_path, run_cli):
    result = run_cli(["run", "--exports", str(tmp_path), "--period", "2024-13", "--out", str(tmp_path / "o")],
                     tmp_path)
    assert result.returncode == 2 and "période invalide" in result.stderr


def test_a_second_run_of_the_installation_reuses_the_dbt_parse(run_2024, tmp_path, run_cli):
    """dbt's parse state is kept per MILO_HOME; another period changes only the environment variable read by
    int_periodes, so the next run parses that file alone (dbt says why when it cannot). The session's run is
    copied: in the copy (another MILO_HOME, so another dbt profile) the first run parses again, the next one not."""
    root = copie_du_run(run_2024, tmp_path / "run").root
    home = root / "home"
    assert (home / "dbt" / "partial_parse.msgpack").is_file()
    assert not list((home / "dbt").glob("run-*"))  # each run's dbt target is removed
    journaux = []
    for periode, out in (("2024-03", "out_mars"), ("2024", "out_annee")):
        result = run_cli(["run", "--exports", str(root / "exports"), "--period", periode, "--out", str(root / out)],
                         home)
        assert result.returncode == 0, result.stdout + result.stderr
        journaux.append((home / "logs" / "dernier_run.log").read_text(encoding="utf-8"))
    assert "Unable to do partial parsing because profile has changed" in journaux[0]  # the copy's new MILO_HOME
    assert "Unable to do partial parsing" not in journaux[1]
    rows = read_csv(root / "out_mars" / "indicateurs.csv")
    # first welcomes: J01 and J02 on 10/03/2024 (J04's is on 31/12): 2 in March, 2 from January to March
    pa = {(debut, fin): valeur for debut, fin, indicateur, modalite, valeur, _ in rows
          if indicateur == "pa_nb_jeunes" and not modalite}
    assert pa == {("2024-03-01", "2024-03-31"): "2", ("2024-01-01", "2024-03-31"): "2"}
    assert sorted(read_csv(root / "out_annee" / "indicateurs.csv")) == sorted(
        read_csv(FIXTURES / "expected_indicateurs_2024.csv"))
