"""The whole path through the real CLI: exports → Dagster → DuckDB/dbt → GX → indicateurs.csv + PDF.

The fixture `exports_2024` is a held-out export in the input contract (8 youths, every table, mixed
encodings, separators, date styles and an XLSX file). `expected_indicateurs_2024.csv` holds every
`pa_*`, `acc_*`, `pacea_*` and `disp_*` row computed by hand:

- PA 2024 = J01 (PA 10/03/2024, born 10/03/2006: 18 that day, not a minor), J02 (PA 10/03/2024, born
  11/03/2006: 17), J04 (PA 31/12/2024, 26). J06's first welcome is 02/01/2025: not in 2024.
- ACC 2024 = J01, J02 (E03 Présent; E04 Absent does not count), J03 (E05 info collective; E06 Annulé
  ignored; first qualifying event E07 on 05/01/2024 → 23), J04 (31/12/2024 23:30 counts), J07 (atelier
  31/12/2024 23:30). Not J05 (Absent/Reporté only), not J06 (01/01/2025 00:15; Planifié),
  not J08 (Entretien téléphonique; 2023 event). Individual interviews Présent in 2024: E01 E03 E07 E08 = 4.
- PACEA paid in 2024: 300,50 + 252,25 (J01) + 100,00 (J02) = 652,75 € for 2 youths → 326,375 → 326,38.
- Programmes: J01 PACEA entered 10/03, left 30/06 (Emploi durable) and re-entered 01/09 → present at
  the end; J02 CEJ at 17 (minor), left 31/12/2024 → not present on 31/12; J03's CEJ exit 15/02/2024
  counts as an exit without an entry; J08's CEP since 2022 is present; J04's PACEA entry in 2025 does
  not count; "Atelier Bidule" (not in the catalogue) is listed, with its exit reason "Non renseigné".
  Ensemble: 4 beneficiaries (J01 J02 J05 J07), 3 women, 2 minors (J02 17, J05 14), 3 present at the end
  (J01 J07 J08), 4 youths with an exit (J01 J02 J03 J05).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
CLI = str(Path(sys.executable).with_name("milo-pipeline"))
FIRST_SLICE = ("pa_", "acc_", "pacea_", "disp_")

pytestmark = pytest.mark.slow


def run_cli(args: list[str], home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MILO_HOME": str(home), "MILO_PSEUDONYMISATION_KEY": "cle-de-test"}
    env.pop("DAGSTER_HOME", None)
    env.pop("MILO_WAREHOUSE", None)
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=600)


def read_csv(path: Path) -> list[tuple]:
    with open(path, encoding="utf-8", newline="") as f:
        return [tuple(r.values()) for r in csv.DictReader(f)]


def pdf_text(path: Path) -> str:
    """The PDF's text; pdftotext renders the narrow no-break spaces of French typography as spaces."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    exports = root / "exports"
    shutil.copytree(FIXTURES / "exports_2024", exports)
    before = {p.name: p.read_bytes() for p in exports.iterdir()}
    result = run_cli(["run", "--exports", str(exports), "--period", "2024", "--out", str(root / "out")],
                     root / "home")
    return root, result, before


def test_run_succeeds_and_prints_the_pdf_path(good_run):
    root, result, _ = good_run
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Rapport : {root / 'out' / 'rapport_activite_2024.pdf'}" in result.stdout
    assert "Traceback" not in result.stderr


def test_first_slice_rows_equal_the_hand_computed_ones(good_run):
    root, _, _ = good_run
    rows = read_csv(root / "out" / "indicateurs.csv")
    produced = sorted(r for r in rows if r[2].startswith(FIRST_SLICE))
    expected = sorted(read_csv(FIXTURES / "expected_indicateurs_2024.csv"))
    assert produced == expected


def test_indicateurs_csv_header_and_encoding(good_run):
    root, _, _ = good_run
    data = (root / "out" / "indicateurs.csv").read_bytes()
    assert data.startswith(b"periode_debut,periode_fin,indicateur,modalite,valeur,unite\n")
    assert "Foyer, CHRS, hôtel".encode() in data


def test_raw_exports_untouched_and_archived(good_run):
    root, _, before = good_run
    assert {p.name: p.read_bytes() for p in (root / "exports").iterdir()} == before
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


def test_bad_export_fails_cleanly_and_keeps_the_last_good_outputs(good_run):
    root, _, _ = good_run
    out = root / "out"
    published = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = root / "bad_exports"
    shutil.copytree(root / "exports", bad)
    path = bad / "situations_2025-01-15.csv"
    path.write_text(path.read_text().replace("2024-07-01", "2024-07-32"), encoding="utf-8")
    result = run_cli(["run", "--exports", str(bad), "--period", "2024", "--out", str(out)], root / "home")
    assert result.returncode == 1
    assert "situations_2025-01-15.csv, ligne 2, colonne « date_debut » : date illisible" in result.stderr
    assert "« 2024-07-32 »" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert {p.name: p.read_bytes() for p in out.iterdir()} == published


def test_usage_errors_exit_2(tmp_path):
    result = run_cli(["run", "--exports", str(tmp_path), "--period", "2024-13", "--out", str(tmp_path / "o")],
                     tmp_path)
    assert result.returncode == 2 and "période invalide" in result.stderr
