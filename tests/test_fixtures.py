"""The held-out export fixture stays reproducible: its XLSX file carries fixed dates, not the time it was saved."""

from __future__ import annotations

import zipfile
from pathlib import Path

XLSX = Path(__file__).parent / "fixtures" / "exports_2024" / "dispositifs_2025-01-15.xlsx"


def test_fixture_xlsx_has_fixed_dates():
    with zipfile.ZipFile(XLSX) as z:
        core = z.read("docProps/core.xml").decode()
        entries = {info.date_time for info in z.infolist()}
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2025-01-15T00:00:00Z</dcterms:created>' in core
    assert '<dcterms:modified xsi:type="dcterms:W3CDTF">2025-01-15T00:00:00Z</dcterms:modified>' in core
    assert entries == {(2025, 1, 15, 0, 0, 0)}
