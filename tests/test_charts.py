import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from milo_pipeline.lib.charts import (
    diverging_bar_chart,
    horizontal_bar_chart,
    split_bar_chart,
    stacked_bar_chart,
    vertical_bar_chart,
)
from milo_pipeline.lib.formatting import Masque

SVG = "{http://www.w3.org/2000/svg}"
NNBSP = "\u202f"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _by_class(root: ET.Element, tag: str, css_class: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if e.get("class") == css_class]


def test_horizontal_bars_are_proportional_to_the_values():
    items = [("A", 50.0), ("B", 25.0), ("C", 12.5), ("D", None)]
    root = _parse(horizontal_bar_chart(items, width=300, label_width=100, value_width=50))
    bars = _by_class(root, "rect", "bar")
    assert len(bars) == len(items)
    # room = 300 - 100 - 50 = 150; the longest bar fills it.
    assert [float(b.get("width")) for b in bars] == [150.0, 75.0, 37.5, 0.0]
    assert {b.get("x") for b in bars} == {"100"}
    values = [t.text for t in _by_class(root, "text", "value")]
    assert values == [f"50,0{NNBSP}%", f"25,0{NNBSP}%", f"12,5{NNBSP}%", "–"]


def test_horizontal_bars_on_a_fixed_scale():
    root = _parse(horizontal_bar_chart([("A", 50.0), ("B", 120.0)], width=300, label_width=100,
                                       value_width=100, scale_max=100))
    assert [float(b.get("width")) for b in _by_class(root, "rect", "bar")] == [50.0, 100.0]


def test_svg_has_explicit_size_and_font():
    root = _parse(horizontal_bar_chart([("A", 1.0), ("B", 2.0)], width=300, gap=8, bar_height=14))
    assert root.get("width") == "300"
    # 2 × margin 4 + 2 rows × (14 + 8) − last gap 8
    assert root.get("height") == "44"
    assert root.get("viewBox") == "0 0 300 44"
    texts = list(root.iter(f"{SVG}text"))
    assert texts and all("DejaVu Sans" in t.get("font-family") for t in texts)


def test_labels_are_escaped():
    items = [("Foyer, CHRS, hôtel", 8.5), ("<x> & \"y\"", 3.1)]
    for svg in (horizontal_bar_chart(items), vertical_bar_chart(items), split_bar_chart(items, title="<t>")):
        assert "&lt;x&gt; &amp;" in svg
        root = _parse(svg)
        texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
        assert "Foyer, CHRS, hôtel" in texts
        assert "<x> & \"y\"" in texts


def test_output_is_deterministic():
    items = [("Moins de 16 ans", 2.1), ("16-17 ans", 21.4), ("18-21 ans", 45.3)]
    assert vertical_bar_chart(items) == vertical_bar_chart(list(items))
    assert horizontal_bar_chart(items) == horizontal_bar_chart(items)


def test_vertical_bars_are_proportional_to_the_values():
    items = [("a", 40.0), ("b", 20.0), ("c", 0.0), ("d", None)]
    # font 10: 20 above for the value, 30 below for the label → room 100, axis at y = 120.
    root = _parse(vertical_bar_chart(items, width=400, height=150, font_size=10))
    bars = _by_class(root, "rect", "bar")
    assert len(bars) == len(items)
    assert [float(b.get("height")) for b in bars] == [100.0, 50.0, 0.0, 0.0]
    assert [float(b.get("y")) for b in bars] == [20.0, 70.0, 120.0, 120.0]
    # columns of 100, bars 60 % of them, centred
    assert [float(b.get("x")) for b in bars] == [20.0, 120.0, 220.0, 320.0]
    assert all(float(b.get("width")) == 60.0 for b in bars)


def test_vertical_bar_labels_wrap_on_two_lines():
    root = _parse(vertical_bar_chart([("Moins de 16 ans", 1.0)] + [("x", 1.0)] * 4, width=300, font_size=9))
    labels = [t.text for t in _by_class(root, "text", "label")]
    assert labels[:2] == ["Moins de", "16 ans"]


def test_split_bar_parts_fill_the_bar():
    root = _parse(split_bar_chart([("Femmes", 48.7), ("Hommes", 51.3)], width=200))
    parts = _by_class(root, "rect", "part")
    assert len(parts) == 2
    assert [float(p.get("width")) for p in parts] == [97.4, 102.6]
    assert [float(p.get("x")) for p in parts] == [0.0, 97.4]
    legend = [t.text for t in _by_class(root, "text", "label")]
    assert legend == [f"Femmes 48,7{NNBSP}%", f"Hommes 51,3{NNBSP}%"]


def test_split_bar_without_values_draws_an_empty_track():
    root = _parse(split_bar_chart([("Femmes", None), ("Hommes", None)], width=200))
    assert [float(p.get("width")) for p in _by_class(root, "rect", "part")] == [0.0, 0.0]
    assert len(_by_class(root, "rect", "track")) == 1


def test_impossible_geometry_is_an_error():
    with pytest.raises(ValueError, match="étroit"):
        horizontal_bar_chart([("A", 1.0)], width=100, label_width=80, value_width=50)
    with pytest.raises(ValueError, match="positive"):
        horizontal_bar_chart([("A", 1.0)], scale_max=0)


def test_decimal_values_as_read_from_duckdb():
    items = [("A", Decimal("50.0")), ("B", Decimal("25.0"))]
    root = _parse(horizontal_bar_chart(items, width=300, label_width=100, value_width=50))
    assert [float(b.get("width")) for b in _by_class(root, "rect", "bar")] == [150.0, 75.0]
    parts = _by_class(_parse(split_bar_chart(items, width=300)), "rect", "part")
    assert [float(p.get("width")) for p in parts] == [200.0, 100.0]
    assert len(_by_class(_parse(vertical_bar_chart(items)), "rect", "bar")) == 2


# --------------------------------------------------------------------------------------------
# Masked values (disclosure control): never drawn, never in a scale or a total
# --------------------------------------------------------------------------------------------
def _texts(root: ET.Element, css_class: str) -> list[str]:
    return [t.text for t in _by_class(root, "text", css_class)]


def test_a_masked_bar_is_left_out_and_said_masked():
    items = [("A", 40.0), ("B", Masque(5)), ("C", "s"), ("D", 20.0)]
    root = _parse(horizontal_bar_chart(items, width=300, label_width=100, value_width=50))
    # the scale is the published maximum (40 fills the room of 150): nothing of the masked values enters it
    assert [float(b.get("width")) for b in _by_class(root, "rect", "bar")] == [150.0, 75.0]
    assert _texts(root, "value") == [f"40,0{NNBSP}%", "<\u00a05", "s", f"20,0{NNBSP}%"]
    assert _texts(root, "masque") == ["valeur masquée", "valeur masquée"]
    assert len(_by_class(root, "rect", "track")) == 4


def test_a_masked_column_is_left_out_and_said_masked():
    root = _parse(vertical_bar_chart([("a", 40.0), ("b", "s"), ("c", 20.0)], width=300, height=150, font_size=10))
    assert [float(b.get("height")) for b in _by_class(root, "rect", "bar")] == [100.0, 50.0]
    assert _texts(root, "masque") == ["valeur", "masquée"]
    assert _texts(root, "value")[1] == "s"


def test_a_split_bar_with_a_masked_part_hatches_the_rest_of_the_known_total():
    # shares: the total is 100; the published part takes its place, the rest (masked) is hatched
    root = _parse(split_bar_chart([("Femmes", 30.0), ("Autre", "s"), ("Hommes", "s")], width=200, total=100))
    assert [(float(p.get("x")), float(p.get("width"))) for p in _by_class(root, "rect", "part")] == [(0.0, 60.0)]
    hachure = _by_class(root, "rect", "masque")
    assert [(float(h.get("x")), float(h.get("width"))) for h in hachure[:1]] == [(60.0, 140.0)]
    assert "masqué" in _texts(root, "masque")
    assert _texts(root, "label") == [f"Femmes 30,0{NNBSP}%", "Autre s", "Hommes s"]


def test_a_split_bar_without_a_known_total_draws_no_part():
    for total in (None, "s"):
        root = _parse(split_bar_chart([("Retraités", Masque(5)), ("Actifs", 12.0)], width=200, total=total,
                                      format_value=lambda v: "<\u00a05" if isinstance(v, Masque) else str(v)))
        assert [float(p.get("width")) for p in _by_class(root, "rect", "part")] == [0.0]
        assert float(_by_class(root, "rect", "masque")[0].get("width")) == 200.0


def test_a_masked_change_draws_no_bar():
    root = _parse(diverging_bar_chart([("PMSMP", -8.0), ("Service civique", "s")], width=400, label_width=100,
                                      font_size=10))
    assert len(_by_class(root, "rect", "bar")) == 1
    assert _texts(root, "value") == [f"-8,0{NNBSP}%", "s"]
    assert _texts(root, "masque") == ["valeur masquée"]


def test_a_masked_part_of_a_stacked_bar_is_neither_drawn_nor_counted():
    root = _parse(stacked_bar_chart([("CDI", [36, Masque(5)]), ("CDD", [7, 2])], ["Femmes", "Hommes"], width=300,
                                    label_width=100, value_width=20))
    # the largest published total is 36 (CDI's masked part is not in it): 36 fills the room of 180
    parts = _by_class(root, "rect", "part")
    assert [(float(p.get("x")), float(p.get("width"))) for p in parts] == [(100.0, 180.0), (100.0, 35.0), (135.0, 10.0)]
    assert _texts(root, "value")[0] == "Hommes <\u00a05 (valeur masquée)"
