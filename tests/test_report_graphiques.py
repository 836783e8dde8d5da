"""The report's newer charts (changes around zero, stacked bars, long labels) and French formats (signed
changes, days of an event)."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from milo_pipeline.lib.charts import diverging_bar_chart, horizontal_bar_chart, stacked_bar_chart
from milo_pipeline.lib.formatting import fr_evolution, fr_jours

SVG = "{http://www.w3.org/2000/svg}"
NNBSP = "\u202f"


def _by_class(svg: str, tag: str, css_class: str) -> list[ET.Element]:
    return [e for e in ET.fromstring(svg).iter(f"{SVG}{tag}") if e.get("class") == css_class]


def test_changes_grow_right_when_up_and_left_when_down():
    svg = diverging_bar_chart([("PMSMP", -8.0), ("Service civique", 16.0), ("Autre", None)], width=400,
                              label_width=100, font_size=10)
    # value room 55 on each side: half = (400 - 100) / 2 - 55 = 95; the axis at 100 + 55 + 95 = 250
    bars = _by_class(svg, "rect", "bar")
    assert [(float(b.get("x")), float(b.get("width"))) for b in bars] == [(202.5, 47.5), (250.0, 95.0), (250.0, 0.0)]
    assert [t.text for t in _by_class(svg, "text", "value")] == [f"-8,0{NNBSP}%", f"+16,0{NNBSP}%", "–"]
    assert bars[0].get("fill") != bars[1].get("fill")


def test_stacked_bars_share_one_scale_and_name_their_parts():
    svg = stacked_bar_chart([("CDI", [36, 9]), ("CDD", [7, 2]), ("Apprentissage", [0, None])], ["Femmes", "Hommes"],
                            width=300, label_width=100, value_width=20)
    parts = _by_class(svg, "rect", "part")
    # room 180 for the largest total (45): 36 → 144, 9 → 36; 7 → 28 from x = 100
    assert [(float(p.get("x")), float(p.get("width"))) for p in parts[:4]] == [
        (100.0, 144.0), (244.0, 36.0), (100.0, 28.0), (128.0, 8.0)]
    assert [t.text for t in _by_class(svg, "text", "inside")] == ["36", "9", "7"]
    assert [t.text for t in _by_class(svg, "text", "value")] == ["2"]  # too narrow: written after the bar
    assert [t.text for t in _by_class(svg, "text", "label")][-2:] == ["Femmes", "Hommes"]


def test_long_labels_wrap_on_two_lines_and_get_room():
    court = horizontal_bar_chart([("Court", 1.0), ("Bref", 2.0)], width=400, label_width=100, gap=4)
    long = horizontal_bar_chart([("Fonctionnement (déplacements, informatique, communication)", 1.0),
                                 ("Bref", 2.0)], width=400, label_width=100, gap=4)
    labels = [t.text for t in _by_class(long, "text", "label")]
    assert labels[0] == "Fonctionnement" and labels[1].endswith("…") and len(labels) == 3
    assert float(ET.fromstring(long).get("height")) > float(ET.fromstring(court).get("height"))


@pytest.mark.parametrize(("valeur", "attendu"), [(16.67, f"+16,7{NNBSP}%"), (-7.95, f"-8,0{NNBSP}%"),
                                                 (0.04, f"0,0{NNBSP}%"), (None, "–")])
def test_changes_are_signed(valeur, attendu):
    assert fr_evolution(valeur) == attendu


def test_days_of_an_event():
    assert fr_jours(date(2024, 1, 26)) == "26/01/2024"
    assert fr_jours(date(2024, 1, 26), date(2024, 1, 26)) == "26/01/2024"
    assert fr_jours(date(2024, 4, 22), date(2024, 4, 26)) == "22/04 – 26/04/2024"
    assert fr_jours(date(2024, 12, 30), date(2025, 1, 2)) == "30/12/2024 – 02/01/2025"
