"""The outputs of the small fixture, recorded: a refactoring must leave `indicateurs.csv` and every funder
extract (CSV and XLSX) byte-identical, and the reports with the same number of pages.

`fixtures/sorties_attendues.sha256` holds the SHA-256 of the outputs of `milo-pipeline run` on
`fixtures/exports_2024` for the year 2024 and the month 2024-03 (each in a fresh MILO_HOME), as recorded
before issue 14 (one definition per indicator). A change of an output that is meant (a new indicator, a
new column) updates this file in the same commit, so the diff shows what changed:
`sha256sum $(find fix2024 fix202403 -type f ! -name '*manifest*' ! -name '*.pdf' | sort)` (web pages: see below) in a
folder holding the outputs of both runs as `fix2024/` and `fix202403/`. The reports' web pages (`*.html`, issue 15)
are recorded too, without the one line that differs between two runs on the same exports (`GENERATION` below:
the annex's « Exécution <run id>, document produit le … », the dashboard's « Document produit le … »): a second
run on the same exports, on another day, gives the same recorded sums.
"""

import hashlib
import re
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli

PAGES = {"fix2024/rapport_activite_2024.pdf": 37, "fix2024/rapport_activite_2024_public.pdf": 39,
         "fix202403/tableau_de_bord_2024-03.pdf": 2, "fix202403/tableau_de_bord_2024-03_public.pdf": 2}

pytestmark = pytest.mark.slow
# The generation line of a report's web page: the run and the day (the only bytes two runs may not share).
GENERATION = re.compile(rb'<p class="generation">[^<]*</p>| Document produit le [^.<]+\.')


def empreinte(p: Path) -> str:
    """SHA-256 of an output; of a web page, without its generation line."""
    octets = p.read_bytes()
    return hashlib.sha256(GENERATION.sub(b"", octets) if p.suffix == ".html" else octets).hexdigest()



@pytest.fixture(scope="module")
def sorties(run_2024, tmp_path_factory) -> dict[str, Path]:
    """The output folders: of the year (the session's run of the fixture) and of the month 2024-03 (a run in its
    own MILO_HOME), by their names in sorties_attendues.sha256."""
    root = tmp_path_factory.mktemp("sorties")
    resultat = run_cli(["run", "--exports", str(FIXTURES / "exports_2024"), "--period", "2024-03",
                        "--out", str(root / "out")], root / "home")
    assert resultat.returncode == 0, resultat.stderr[-3000:]
    return {"fix2024": run_2024.out, "fix202403": root / "out"}


def test_indicators_extracts_and_web_pages_are_byte_identical_to_the_recorded_ones(sorties):
    attendues = dict(reversed(line.split("  ", 1)) for line in
                     (FIXTURES / "sorties_attendues.sha256").read_text(encoding="utf-8").splitlines())
    produites = {f"{nom}/{p.relative_to(dossier).as_posix()}": empreinte(p)
                 for nom, dossier in sorties.items() for p in sorted(dossier.rglob("*"))
                 if p.is_file() and "manifest" not in p.name and p.suffix != ".pdf"}
    assert sorted(produites) == sorted(attendues)
    differentes = sorted(f for f in attendues if produites[f] != attendues[f])
    assert differentes == []


def test_reports_keep_their_pages(sorties):
    pages = {}
    for nom in PAGES:
        dossier, fichier = nom.split("/")
        info = subprocess.run(["pdfinfo", str(sorties[dossier] / fichier)], capture_output=True, text=True,
                              check=True).stdout
        pages[nom] = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages == PAGES
