"""The landing-folder sensor: a complete export set dropped in MILO_HOME/landing starts exactly one run.

The sensor is evaluated the way the daemon does it (`evaluate_tick`, the cursor of one tick passed to the
next). `tests/test_backfill.py` also lets the real daemon of `dagster dev` tick it and counts the runs."""

import os
import shutil
import time
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest

from milo_pipeline.definitions import defs
from milo_pipeline.defs.resources import MiloSettings
from milo_pipeline.defs.sensors import TAG_DATE, TAG_LOT, exports_deposes
from milo_pipeline.lib.depot import DELAI_STABILITE, lot_exports
from milo_pipeline.lib.periods import mois_du_rafraichissement, mois_precedent

FIXTURE = Path(__file__).parent / "fixtures" / "exports_2024"


def drop(source: Path, landing: Path, seconds_ago: float = 120) -> None:
    """Copy an export set into the landing folder as if the copy had ended `seconds_ago`."""
    shutil.copytree(source, landing, dirs_exist_ok=True)
    for path in landing.rglob("*"):
        os.utime(path, (time.time(), time.time() - seconds_ago))


def tick(home: Path, cursor: str | None = None):
    with dg.build_sensor_context(cursor=cursor, definitions=defs,
                                 resources={"milo": MiloSettings(milo_home=str(home))}) as context:
        return exports_deposes.evaluate_tick(context)


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def test_a_complete_set_starts_exactly_one_run(home):
    landing = home / "landing"
    drop(FIXTURE, landing)

    first = tick(home)
    (request,) = first.run_requests
    assert request.partition_key == "2024-12-01"  # exports of 2025-01-15 → December 2024
    assert request.run_key == lot_exports(landing).empreinte == first.cursor
    assert request.run_config == {"resources": {"milo": {"config": {"exports_dir": str(landing)}}}}
    assert request.tags[TAG_LOT] == request.run_key and request.tags[TAG_DATE] == "2025-01-15"
    dg.validate_run_config(defs.resolve_job_def("tout"), request.run_config)

    second = tick(home, cursor=first.cursor)
    assert second.run_requests == []
    assert second.cursor == first.cursor
    assert "déjà pris en charge" in second.skip_message


def test_an_incomplete_set_starts_nothing(home):
    landing = home / "landing"
    drop(FIXTURE, landing)
    next(landing.glob("parrains_*")).unlink()
    result = tick(home)
    assert result.run_requests == [] and result.cursor is None
    assert "incomplet" in result.skip_message and "« parrains »" in result.skip_message


def test_no_landing_folder_starts_nothing(home):
    result = tick(home)
    assert result.run_requests == []
    assert "absent" in result.skip_message


def test_two_files_for_one_table_start_nothing(home):
    landing = home / "landing"
    drop(FIXTURE, landing)
    shutil.copyfile(landing / "jeunes_2025-01-15.csv", landing / "jeunes_2025-02-15.csv")
    result = tick(home)
    assert result.run_requests == []
    assert "plusieurs fichiers pour la table « jeunes »" in result.skip_message


def test_a_set_still_being_copied_is_read_once_its_files_stop_changing(home):
    landing = home / "landing"
    drop(FIXTURE, landing, seconds_ago=5)
    assert "en cours de dépôt" in tick(home).skip_message
    assert lot_exports(landing, maintenant=time.time() + DELAI_STABILITE).date_export == date(2025, 1, 15)


def test_a_replaced_file_is_a_new_set_and_one_new_run(home):
    landing = home / "landing"
    drop(FIXTURE, landing)
    first = tick(home)
    with open(landing / "parrains_2025-01-15.csv", "a", encoding="utf-8") as f:
        f.write("\n")
    os.utime(landing / "parrains_2025-01-15.csv", (time.time(), time.time() - 120))
    second = tick(home, cursor=first.cursor)
    (request,) = second.run_requests
    assert request.run_key != first.cursor and second.cursor == request.run_key


def test_export_date_from_the_file_names_else_from_the_files(tmp_path):
    undated = tmp_path / "sans_date"
    undated.mkdir()
    for path in FIXTURE.glob("*_2025-01-15.*"):
        dest = undated / (path.name.split("_2025")[0] + path.suffix)
        shutil.copyfile(path, dest)
        os.utime(dest, (0, datetime(2024, 7, 3, 12).timestamp()))
    lot = lot_exports(undated)
    assert lot.date_export == date(2024, 7, 3) and lot.mois == "2024-06-01"


@pytest.mark.parametrize(("jour", "mois"), [(date(2025, 1, 15), "2024-12-01"), (date(2024, 3, 1), "2024-02-01"),
                                            (date(2024, 12, 31), "2024-11-01")])
def test_the_month_computed_is_the_month_before_the_export_date(jour, mois):
    assert mois_precedent(jour) == mois


@pytest.mark.parametrize(("instant", "mois"), [
    (datetime(2025, 1, 31, 23, 30, tzinfo=UTC), "2025-01-01"),  # already 1 February at 00:30 in Paris
    (datetime(2025, 2, 5, 5, 0, tzinfo=UTC), "2025-01-01"),
    (datetime(2024, 3, 31, 21, 59, tzinfo=UTC), "2024-02-01"),  # 23:59 in Paris (summer time)
])
def test_the_monthly_refresh_computes_the_month_before_in_paris(instant, mois):
    assert mois_du_rafraichissement(instant) == mois
