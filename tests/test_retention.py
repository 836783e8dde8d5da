"""Retention: `milo-pipeline purge --before AAAA-MM-JJ` and the period of config/conservation.yaml.

Dates are written by hand: an export of 2022-11-30 is purged with --before 2022-12-01, one of 2022-12-01 is
kept; a file without a date in its name is dated by its mtime; a run folder by its newest mtime. A purge never
follows a link, never leaves MILO_HOME/archive and MILO_HOME/runs, never removes the warehouse, the key or the
outputs.
"""

from __future__ import annotations

import os
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import EXPORTS_2024, run_cli

from milo_pipeline.lib import retention
from milo_pipeline.lib.retention import RetentionInvalide, avant_mois, date_dans_le_nom, lire_duree, purger


def horodater(path: Path, jour: date, heure: int = 12) -> None:
    t = datetime(jour.year, jour.month, jour.day, heure).timestamp()
    os.utime(path, (t, t), follow_symlinks=False)


def fichier(path: Path, contenu: bytes, jour: date | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(contenu)
    if jour:
        horodater(path, jour)
    return path


@pytest.fixture
def home(tmp_path) -> Path:
    """archive/: exports of 30/11 and 01/12/2022 (dated by name, archived today), manual inputs without a date
    in their name archived on 15/11 and 01/12/2022; runs/: one that last wrote on 20/11/2022 (its folder and its
    sub-folder), one that wrote again on 05/12/2022; the warehouse, the key, the outputs."""
    h = tmp_path / "home"
    fichier(h / "archive" / ("1" * 64) / "jeunes_2022-11-30.csv", b"id;nom\nJ1;X\n")  # 12 bytes
    fichier(h / "archive" / ("2" * 64) / "jeunes_2022-12-01.csv", b"id;nom\n")
    fichier(h / "archive" / ("3" * 64) / "budget.yaml", b"annee: 2022\n", date(2022, 11, 15))  # 12 bytes
    fichier(h / "archive" / ("4" * 64) / "effectifs.yaml", b"annee: 2022\n", date(2022, 12, 1))
    vieux = h / "runs" / "run-ancien"
    fichier(vieux / "rejets.csv", b"fichier,ligne\n", date(2022, 11, 20))  # 14 bytes
    fichier(vieux / "data_docs" / "index.html", b"<html>", date(2022, 11, 18))  # 6 bytes
    horodater(vieux / "data_docs", date(2022, 11, 18))
    horodater(vieux, date(2022, 11, 18))
    recent = h / "runs" / "run-recent"
    fichier(recent / "rejets.csv", b"a\n", date(2022, 11, 20))
    fichier(recent / "publication" / "indicateurs.csv", b"b\n", date(2022, 12, 5))
    horodater(recent / "publication", date(2022, 11, 20))
    horodater(recent, date(2022, 11, 20))
    for nom in ("warehouse.duckdb", "pseudonymisation.key", "out/indicateurs.csv"):
        fichier(h / nom, b"garder", date(2020, 1, 1))
    return h


def contenu(h: Path) -> set[str]:
    return {p.relative_to(h).as_posix() for p in h.rglob("*") if p.is_file() or p.is_symlink()}


# -- dates ---------------------------------------------------------------------------------------------------

def test_months_before_a_day():
    assert avant_mois(date(2026, 12, 3), 24) == date(2024, 12, 3)
    assert avant_mois(date(2025, 1, 15), 13) == date(2023, 12, 15)
    assert avant_mois(date(2026, 3, 31), 1) == date(2026, 2, 28)  # a shorter month: its last day
    assert avant_mois(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert avant_mois(date(2024, 1, 31), 12) == date(2023, 1, 31)


def test_the_date_of_an_export_is_read_from_its_name():
    assert date_dans_le_nom("jeunes_2025-01-15.csv") == date(2025, 1, 15)
    assert date_dans_le_nom("evenements 2024-02-29.xlsx") == date(2024, 2, 29)
    assert date_dans_le_nom("jeunes_2025-13-40_2024-12-31.csv") == date(2024, 12, 31)  # the first valid one
    assert date_dans_le_nom("budget.yaml") is None


# -- purge ---------------------------------------------------------------------------------------------------

def test_purge_removes_what_is_dated_before_the_day(home):
    purge = purger(home, date(2022, 12, 1))
    assert [(e.chemin, e.date, e.fichiers, e.octets) for e in purge.supprimes] == [
        ("archive/" + "1" * 64, date(2022, 11, 30), 1, 12),  # by its name, although archived today
        ("archive/" + "3" * 64, date(2022, 11, 15), 1, 12),  # no date in the name: its mtime
        ("runs/run-ancien", date(2022, 11, 20), 2, 20),  # its newest write
    ]
    assert contenu(home) == {
        "archive/" + "2" * 64 + "/jeunes_2022-12-01.csv",  # 01/12/2022 is not before 01/12/2022
        "archive/" + "4" * 64 + "/effectifs.yaml",
        "runs/run-recent/rejets.csv", "runs/run-recent/publication/indicateurs.csv",  # wrote on 05/12/2022
        "warehouse.duckdb", "pseudonymisation.key", "out/indicateurs.csv",  # never purged, however old
    }
    assert purge.resume() == ("2 export(s) archivé(s) (2 fichier(s), 24 o) et 1 dossier(s) de run (2 fichier(s), "
                              "20 o) antérieurs au 01/12/2022 supprimés")
    assert purge.avertissements == []


def test_purge_the_day_after_removes_the_export_of_that_day(home):
    supprimes = [e.chemin for e in purger(home, date(2022, 12, 2)).supprimes]
    assert supprimes == ["archive/" + "1" * 64, "archive/" + "2" * 64, "archive/" + "3" * 64,
                         "archive/" + "4" * 64, "runs/run-ancien"]


def test_a_simulation_removes_nothing(home):
    avant = contenu(home)
    assert len(purger(home, date(2022, 12, 1), simulation=True).supprimes) == 3
    assert contenu(home) == avant


def test_a_link_planted_in_the_archive_is_removed_as_a_link_its_target_untouched(home, tmp_path):
    ailleurs = tmp_path / "ailleurs"
    cible = fichier(ailleurs / "precieux_2020-01-01.csv", b"precieux")
    (home / "archive" / "lien-fichier_2020-01-01.csv").symlink_to(cible)
    (home / "archive" / "lien-dossier").symlink_to(ailleurs, target_is_directory=True)
    horodater(home / "archive" / "lien-dossier", date(2020, 1, 1))
    (home / "archive" / ("1" * 64) / "lien-interne").symlink_to(ailleurs, target_is_directory=True)
    horodater(home / "archive" / ("1" * 64) / "lien-interne", date(2022, 11, 1))
    (home / "runs" / "run-ancien" / "lien").symlink_to(cible)
    horodater(home / "runs" / "run-ancien" / "lien", date(2022, 11, 1))
    horodater(home / "runs" / "run-ancien", date(2022, 11, 18))  # adding the link touched the folder
    purge = purger(home, date(2022, 12, 1))
    assert {"archive/lien-fichier_2020-01-01.csv", "archive/lien-dossier"} <= {e.chemin for e in purge.supprimes}
    assert not os.path.lexists(home / "archive" / "lien-dossier")
    assert not os.path.lexists(home / "archive" / "lien-fichier_2020-01-01.csv")
    assert not (home / "archive" / ("1" * 64)).exists() and not (home / "runs" / "run-ancien").exists()
    assert cible.read_bytes() == b"precieux" and sorted(p.name for p in ailleurs.iterdir()) == [
        "precieux_2020-01-01.csv"]


def test_an_archive_folder_that_is_a_link_is_not_walked(tmp_path):
    home, ailleurs = tmp_path / "home", tmp_path / "ailleurs"
    fichier(ailleurs / ("1" * 64) / "jeunes_2020-01-01.csv", b"x")
    home.mkdir()
    (home / "archive").symlink_to(ailleurs, target_is_directory=True)
    purge = purger(home, date(2030, 1, 1))
    assert purge.supprimes == []
    assert purge.avertissements == ["archive/ est un lien symbolique : non parcouru, rien n'y est supprimé."]
    assert (ailleurs / ("1" * 64) / "jeunes_2020-01-01.csv").read_bytes() == b"x"


def test_a_protected_path_under_runs_is_kept(home):
    sorties = fichier(home / "runs" / "sorties" / "rapport.pdf", b"pdf", date(2020, 1, 1))
    horodater(sorties.parent, date(2020, 1, 1))
    purge = purger(home, date(2022, 12, 1), proteges=(sorties.parent,))
    assert sorties.read_bytes() == b"pdf" and "runs/sorties" not in {e.chemin for e in purge.supprimes}


# -- the retention period --------------------------------------------------------------------------------------

def test_the_configured_period_is_24_months():
    assert lire_duree() == 24
    assert retention.CONFIG.name == "conservation.yaml"


@pytest.mark.parametrize(("texte", "attendu"), [
    ("retention:\n  mois: 6\n", 6),
    ("retention:\n  mois:\n", None),
])
def test_a_period_in_months_or_none(tmp_path, texte, attendu):
    (tmp_path / "c.yaml").write_text(texte, encoding="utf-8")
    assert lire_duree(tmp_path / "c.yaml") == attendu


@pytest.mark.parametrize(("texte", "message"), [
    ("retention:\n  mois: deux ans\n", "champ « retention.mois » : nombre de mois entier, au moins 1, attendu "
                                       "(valeur lue : « deux ans »)"),
    ("retention:\n  mois: 0\n", "(valeur lue : « 0 »)"),
    ("autre: 1\n", "clé « retention.mois » absente"),
])
def test_a_bad_period_is_refused_in_french(tmp_path, texte, message):
    (tmp_path / "c.yaml").write_text(texte, encoding="utf-8")
    with pytest.raises(RetentionInvalide) as exc:
        lire_duree(tmp_path / "c.yaml")
    assert message in str(exc.value)


# -- the command -----------------------------------------------------------------------------------------------

def purge_cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli(["--milo-home", str(home), "purge", *args], home, key=None, timeout=120)


def test_purge_command_prints_what_it_removed(home):
    result = purge_cli(home, "--before", "2022-12-01")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Purge de MILO_HOME={home} : 2 export(s) archivé(s) (2 fichier(s), 24 o) et 1 dossier(s) de run "
        "(2 fichier(s), 20 o) antérieurs au 01/12/2022 supprimés",
        f"  archive/{'1' * 64} (30/11/2022, 1 fichier(s), 12 o)",
        f"  archive/{'3' * 64} (15/11/2022, 1 fichier(s), 12 o)",
        "  runs/run-ancien (20/11/2022, 2 fichier(s), 20 o)",
    ]
    assert (home / "warehouse.duckdb").exists() and (home / "out" / "indicateurs.csv").exists()


@pytest.mark.parametrize("jour", ["2022-13-01", "01/12/2022", "20221201", "hier"])
def test_a_bad_date_is_a_usage_error(home, jour):
    avant = contenu(home)
    result = purge_cli(home, "--before", jour)
    assert result.returncode == 2
    assert f"Erreur : date invalide « {jour} » (attendu AAAA-MM-JJ, par exemple 2024-12-01)." in result.stderr
    assert "usage : milo-pipeline [--milo-home DOSSIER] purge --before AAAA-MM-JJ" in result.stderr
    assert "Traceback" not in result.stderr and contenu(home) == avant


@pytest.mark.slow
def test_after_a_run_the_period_spares_the_exports_the_run_read(tmp_path, monkeypatch, milo_home, cli):
    """A real run (in process), the clock set to 01/06/2027: 24 months before is 01/06/2025. The archive of an
    export of 2020 is removed; the exports this run read (dated 2025-01-15, also before) are kept: the outputs just
    published come from them. The manual inputs, archived today without a date in their names, stay too."""
    import shutil

    from milo_pipeline import cli as commande

    class Horloge(date):
        @classmethod
        def today(cls):
            return cls(2027, 6, 1)

    fixture = EXPORTS_2024
    home = milo_home
    fichier(home / "archive" / ("9" * 64) / "jeunes_2020-01-15.csv", b"id;nom\n")
    shutil.copytree(fixture, tmp_path / "exports")
    monkeypatch.setattr(commande, "date", Horloge)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    sortie = cli(["run", "--exports", str(tmp_path / "exports"), "--period", "2024", "--out", str(tmp_path / "out")])
    assert sortie.code == 0, sortie.texte
    assert ("Conservation (24 mois, config/conservation.yaml) : 1 export(s) archivé(s) (1 fichier(s), 7 o) et "
            "0 dossier(s) de run (0 fichier(s), 0 o) antérieurs au 01/06/2025 supprimés") in sortie.stdout
    assert not (home / "archive" / ("9" * 64)).exists()
    archives = sorted(p.name for p in (home / "archive").glob("*/*"))
    assert archives == sorted([p.name for p in fixture.glob("*_2025-01-15.*")] + [
        "budget.yaml", "effectifs.yaml", "evenements.yaml", "parcours.md", "satisfaction.yaml"])
