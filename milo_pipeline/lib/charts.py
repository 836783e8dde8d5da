"""SVG charts of the report, written as strings by pure functions (no plotting library).

Why hand-built SVG (checked against requirements.lock): matplotlib is not in the stack, nor any other library that
writes static SVG; altair is there (a dependency of Great Expectations) but turns a chart into SVG only through
vl-convert or a browser, neither installed nor wanted in a PDF run. WeasyPrint renders inline SVG as it is. Five
kinds of bars in about 350 lines do what a library would not do here without as much code around it: a masked value
is never drawn (its bar hatched, « valeur masquée », see below), each text element carries its font (WeasyPrint does
not inherit it), rows are 25 px apart to face the table beside the chart, and the same input gives the same bytes
(no ids, dates or float noise), so that the PDFs of two runs compare as equal.

Each function receives (label, value) pairs already computed and only does geometry:
length of a bar = value / scale × available room. Same input → same string (coordinates
written with at most two decimals). Every SVG carries `width`, `height` and `viewBox`, the
font on each text element (renderers do not all inherit it) and XML-escaped labels.
A missing value (None) draws a zero-length bar labelled "–".

Text alternative: each chart's SVG `<title>` (the one child WeasyPrint turns into the tagged PDF's `/Alt`, and what a
browser and axe-core read for `role="img"`) is the chart's title followed by every labelled value as the chart writes
it (« Répartition par sexe : Femmes 47,0 %, Hommes 53,0 % »; masked values as shown, « s », « < 5 »), so that
a reader who does not see the bars gets the same figures. Text drawn on a bar or a part takes the ink (white or
INK) of the higher contrast with its colour, at least 4.5:1 for every colour of PALETTE.

A masked value (disclosure control: `"s"` or a `formatting.Masque`) is never drawn nor counted in a scale or a
total: its bar or segment is left out, its value is written as the formatter writes it (« s », « < 5 ») and the
chart says « valeur masquée » where the bar would be. A split bar with a masked part draws the published parts
on the scale of a known total (100 for shares) and the rest hatched, « masqué »; without a known total, only a
hatched bar (see `split_bar_chart`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from milo_pipeline.lib.formatting import est_masque, fr_evolution, fr_nombre, fr_pct, fr_texte

FONT = "DejaVu Sans, sans-serif"
ACCENT = "#1d5b79"
TRACK = "#e9eff3"
INK = "#222222"
AXIS = "#9aa9b3"
# The 4th colour was #5f7f91: no ink reached 4.5:1 on it (INK 3.74, white 4.26); a sand tone takes INK at 8.9:1.
PALETTE = (ACCENT, "#8cb9d0", "#c9dbe5", "#c9b27c", "#b0b7bc")
WHITE = "#ffffff"
NEGATIVE = "#b5654a"
MUTED = "#5f6b73"
VALEUR_MASQUEE = "valeur masquée"

Items = Sequence[tuple[str, object]]  # (label, value): a number, None, or a masked value
Formatter = Callable[[object], str]


def _n(x: float) -> str:
    """A stable coordinate: at most two decimals, no trailing zeros."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attrs(**attributes: object) -> str:
    """`class_="x", font_size=9` → `class="x" font-size="9"` (None values are left out)."""
    parts = []
    for name, value in attributes.items():
        if value is None:
            continue
        if isinstance(value, float | int):
            value = _n(float(value))
        parts.append(f"{name.rstrip('_').replace('_', '-')}={quoteattr(str(value))}")
    return " ".join(parts)


def _rect(**attributes: object) -> str:
    return f"<rect {_attrs(**attributes)}/>"


def _text(content: str, x: float, y: float, size: float, *, css_class: str, anchor: str = "start",
          bold: bool = False, colour: str = INK, italic: bool = False) -> str:
    attributes = _attrs(class_=css_class, x=x, y=y, font_family=FONT, font_size=size,
                        font_weight="bold" if bold else None, font_style="italic" if italic else None,
                        text_anchor=anchor, fill=colour)
    return f"<text {attributes}>{escape(content)}</text>"


def _svg(width: float, height: float, title: str, figures: Sequence[str], content: list[str]) -> str:
    """The chart's SVG, its `<title>` being its text alternative (`alternative(title, figures)`)."""
    head = _attrs(xmlns="http://www.w3.org/2000/svg", width=width, height=height,
                  viewBox=f"0 0 {_n(width)} {_n(height)}", role="img", font_family=FONT)
    lines = [f"<svg {head}>"]
    if texte := alternative(title, figures):
        lines.append(f"<title>{escape(texte)}</title>")
    return "\n".join([*lines, *content, "</svg>"])


def luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a `#rrggbb` colour."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two `#rrggbb` colours (1 to 21)."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def ink(background: str) -> str:
    """The text colour for a bar or part of colour `background`: white or INK, whichever contrasts more."""
    return WHITE if contrast(WHITE, background) > contrast(INK, background) else INK


def alternative(title: str, figures: Sequence[str]) -> str:
    """A chart's text alternative: its title, « : », its labelled values separated by « ; » (French spacing)."""
    texte = " ; ".join(f for f in figures if f)
    if title and texte:
        texte = f"{title} : {texte}"
    return fr_texte(f"{texte or title}.") if texte or title else ""


def _figures(items: Items, format_value: Formatter) -> list[str]:
    """« label value » for each item, the value as the chart writes it (« s », « < 5 », « – » included)."""
    return [f"{label} {format_value(value)}".strip() for label, value in items]


def _nombre(value: object) -> float | None:
    """The value as a float; None when missing or masked (a masked value is never drawn)."""
    return None if value is None or est_masque(value) else float(value)


def _scale(items: Items, scale_max: float | None) -> float:
    if scale_max is not None:
        if scale_max <= 0:
            raise ValueError(f"L'échelle d'un graphique doit être positive (reçu {scale_max})")
        return scale_max
    return max((v for _, value in items if (v := _nombre(value)) is not None and v > 0), default=1.0)


def _length(value: object, scale: float, room: float) -> float:
    """value / scale × room, 0 for a missing, masked, NaN or negative value, capped at room (Decimal accepted)."""
    v = _nombre(value)
    if v is None or not v > 0:
        return 0.0
    return min(v, scale) / scale * room


def _masquee(x: float, y: float, size: float, anchor: str = "start") -> str:
    """« valeur masquée », in italics, where the bar of a masked value would be."""
    return _text(VALEUR_MASQUEE, x, y, size, css_class="masque", anchor=anchor, colour=MUTED, italic=True)


def _hachures(x: float, y: float, width: float, height: float, step: float = 4.0) -> list[str]:
    """A hatched rectangle (45° lines cut to the rectangle, no pattern or clip path needed): a masked part."""
    content = [_rect(class_="masque", x=x, y=y, width=width, height=height, fill=WHITE, stroke=AXIS,
                     stroke_width=0.6)]
    t = step
    while t < width + height:
        # the line x + y = t in the rectangle's coordinates, from its lower end to its upper end
        x0, y0 = max(0.0, t - height), min(height, t)
        x1, y1 = min(width, t), max(0.0, t - width)
        content.append(f"<line {_attrs(x1=x + x0, y1=y + y0, x2=x + x1, y2=y + y1, stroke=AXIS, stroke_width=0.6)}/>")
        t += step
    return content


def _wrap(label: str, max_chars: int) -> list[str]:
    """Split a label too long for its column in two lines, at the space nearest the middle."""
    if len(label) <= max_chars or " " not in label:
        return [label]
    middle = len(label) / 2
    cut = min((i for i, c in enumerate(label) if c == " "), key=lambda i: (abs(i - middle), i))
    return [label[:cut], label[cut + 1:]]


def _fit(label: str, max_chars: int) -> list[str]:
    """A label on one line, else two (greedy, at spaces), the last one shortened with "…" if still too long."""
    if len(label) <= max_chars:
        return [label]
    first, rest = label, ""
    if " " in label[:max_chars + 1]:
        cut = label.rfind(" ", 0, max_chars + 1)
        first, rest = label[:cut], label[cut + 1:]
    else:
        first, rest = label[:max_chars - 1] + "…", ""
    lines = [first]
    if rest:
        lines.append(rest if len(rest) <= max_chars else rest[:max_chars - 1].rstrip() + "…")
    return lines


def _char_width(font_size: float) -> float:
    """Average advance of a DejaVu Sans character (wide enough for capitals and digits)."""
    return font_size * 0.6


def horizontal_bar_chart(items: Items, *, title: str = "", width: float = 360, label_width: float = 170,
                         value_width: float = 50, bar_height: float = 14, gap: float = 8,
                         font_size: float = 9.5, scale_max: float | None = None,
                         format_value: Formatter = fr_pct) -> str:
    """One row per item: label on the left, the bar over a light track, the formatted value on the right.

    Without `scale_max` the longest bar fills the room (room = width − label_width − value_width);
    with it, length = value / scale_max × room, capped at the room.
    """
    room = width - label_width - value_width
    if room <= 0:
        raise ValueError("Graphique trop étroit pour ses libellés et ses valeurs")
    scale = _scale(items, scale_max)
    margin = 4.0
    max_chars = max(4, int((label_width - 6) / _char_width(font_size)))
    if any(len(_fit(label, max_chars)) > 1 for label, _ in items):
        gap = max(gap, font_size * 2.4 - bar_height)  # room for the labels on two lines
    height = 2 * margin + len(items) * (bar_height + gap) - (gap if items else 0)
    content = []
    for i, (label, value) in enumerate(items):
        y = margin + i * (bar_height + gap)
        baseline = y + bar_height / 2 + font_size * 0.35
        lines = _fit(label, max_chars)
        first = baseline - (len(lines) - 1) * font_size * 0.55
        content += [
            '<g class="row">',
            *[_text(line, label_width - 6, first + j * font_size * 1.1, font_size, css_class="label", anchor="end")
              for j, line in enumerate(lines)],
            _rect(class_="track", x=label_width, y=y, width=room, height=bar_height, fill=TRACK),
            _masquee(label_width + 4, baseline, font_size * 0.9) if est_masque(value) else
            _rect(class_="bar", x=label_width, y=y, width=_length(value, scale, room), height=bar_height,
                  fill=ACCENT),
            _text(format_value(value), label_width + room + 6, baseline, font_size, css_class="value",
                  bold=True),
            "</g>",
        ]
    return _svg(width, height, title, _figures(items, format_value), content)


def vertical_bar_chart(items: Items, *, title: str = "", width: float = 320, height: float = 170,
                       font_size: float = 9, scale_max: float | None = None,
                       format_value: Formatter = fr_pct) -> str:
    """One column per item (e.g. age bands): value above the bar, label (≤ 2 lines) below the axis.

    Bars are 60 % of their column; height = value / scale × room (room = height minus the
    margins for the value and the label), the tallest bar filling the room without `scale_max`.
    """
    top, bottom = font_size * 2, font_size * 3
    room = height - top - bottom
    if room <= 0 or not items:
        raise ValueError("Graphique trop bas, ou sans élément à représenter")
    scale = _scale(items, scale_max)
    column = width / len(items)
    bar_width = column * 0.6
    max_chars = max(4, int(column / (font_size * 0.6)))
    axis = top + room
    content = []
    for i, (label, value) in enumerate(items):
        centre = (i + 0.5) * column
        length = _length(value, scale, room)
        content.append('<g class="column">')
        if est_masque(value):  # no bar: « valeur masquée » on two lines above the axis, the mark above them
            small = font_size * 0.85
            content += [_text(word, centre, axis - small * (1.6 - 1.1 * j), small, css_class="masque",
                              anchor="middle", colour=MUTED, italic=True)
                        for j, word in enumerate(VALEUR_MASQUEE.split())]
            length = small * 2.4
        else:
            content.append(_rect(class_="bar", x=centre - bar_width / 2, y=axis - length, width=bar_width,
                                 height=length, fill=ACCENT))
        content.append(_text(format_value(value), centre, axis - length - font_size * 0.5, font_size,
                             css_class="value", anchor="middle", bold=True))
        for j, line in enumerate(_wrap(label, max_chars)):
            content.append(_text(line, centre, axis + font_size * (1.4 + 1.15 * j), font_size,
                                 css_class="label", anchor="middle"))
        content.append("</g>")
    content.append(f"<line {_attrs(x1=0, y1=axis, x2=width, y2=axis, stroke=AXIS, stroke_width=1)}/>")
    return _svg(width, height, title, _figures(items, format_value), content)


def split_bar_chart(items: Items, *, title: str = "", width: float = 320, bar_height: float = 22,
                    font_size: float = 9.5, format_value: Formatter = fr_pct,
                    colours: Sequence[str] = PALETTE, total: object = None) -> str:
    """A single bar split in parts (e.g. women / men) with a legend below it.

    Each part is its value over the sum of the values (rounded shares may add up to 99.9 or
    100.1): the bar is always full. With no positive value, only the empty track is drawn.

    With a masked part, the sum is unknown: the published parts are drawn over `total` (100 for shares, or the
    published total of the counts) and the rest of the bar, what the masked parts add up to (the reader gets
    it as total − published parts anyway), is hatched and marked « masqué ». Without a known total (None or
    itself masked) no part is drawn: the whole bar is hatched, the legend gives each value (« s », « < 5 »).
    """
    if not items:
        raise ValueError("Répartition sans élément à représenter")
    masquee = any(est_masque(v) for _, v in items)
    if masquee:
        total = _nombre(total)
    else:
        total = sum(v for _, value in items if (v := _nombre(value)) is not None and v > 0)
    connu = total is not None and total > 0
    height = bar_height + 10 + font_size * 1.6
    content = []
    if not connu:
        content += (_hachures(0, 0, width, bar_height) if masquee else
                    [_rect(class_="track", x=0, y=0, width=width, height=bar_height, fill=TRACK)])
    x = 0.0
    for i, (_, value) in enumerate(items):
        if est_masque(value):
            continue
        length = min(_length(value, total, width), width - x) if connu else 0.0
        content.append(_rect(class_="part", x=x, y=0, width=length, height=bar_height,
                             fill=colours[i % len(colours)]))
        x += length
    if masquee and connu and width - x > 0.5:
        content += _hachures(x, 0, width - x, bar_height)
    if masquee and width - x >= _char_width(font_size) * 8:
        content.append(_text("masqué", (x + width) / 2, bar_height / 2 + font_size * 0.35, font_size,
                             css_class="masque", anchor="middle", colour=MUTED, italic=True, bold=True))
    column = width / len(items)
    baseline = bar_height + 10 + font_size
    for i, (label, value) in enumerate(items):
        x0 = i * column
        content += [
            '<g class="legend">',
            *(_hachures(x0, baseline - font_size * 0.85, font_size, font_size, step=3) if est_masque(value) else
              [_rect(x=x0, y=baseline - font_size * 0.85, width=font_size, height=font_size,
                     fill=colours[i % len(colours)])]),
            _text(f"{label} {format_value(value)}", x0 + font_size * 1.5, baseline, font_size,
                  css_class="label"),
            "</g>",
        ]
    return _svg(width, height, title, _figures(items, format_value), content)


def diverging_bar_chart(items: Items, *, title: str = "", width: float = 360, label_width: float = 150,
                        bar_height: float = 16, gap: float = 12, font_size: float = 9.5,
                        format_value: Formatter = fr_evolution) -> str:
    """Changes around a zero axis (e.g. % change against last year): rises to the right, falls to the left.

    The largest absolute value fills half of the room (room = width − label_width, with space kept on
    each side for the value); a missing value draws no bar and "–".
    """
    value_room = font_size * 5.5
    half = (width - label_width) / 2 - value_room
    if half <= 0:
        raise ValueError("Graphique trop étroit pour ses libellés et ses valeurs")
    scale = max((abs(v) for _, value in items if (v := _nombre(value)) is not None), default=0.0) or 1.0
    axis = label_width + value_room + half
    margin = 4.0
    height = 2 * margin + len(items) * (bar_height + gap) - (gap if items else 0)
    max_chars = max(4, int((label_width - 6) / _char_width(font_size)))
    content = []
    for i, (label, value) in enumerate(items):
        y = margin + i * (bar_height + gap)
        baseline = y + bar_height / 2 + font_size * 0.35
        v = _nombre(value)
        length = 0.0 if v is None else min(abs(v), scale) / scale * half
        x = axis - length if v is not None and v < 0 else axis
        value_x = x - 4 if v is not None and v < 0 else axis + length + 4
        content += [
            '<g class="row">',
            _text(_fit(label, max_chars)[0], label_width - 6, baseline, font_size, css_class="label", anchor="end"),
            _masquee(axis + font_size * 2, baseline, font_size * 0.9) if est_masque(value) else
            _rect(class_="bar", x=x, y=y, width=length, height=bar_height,
                  fill=NEGATIVE if v is not None and v < 0 else ACCENT),
            _text(format_value(value), value_x, baseline, font_size, css_class="value", bold=True,
                  anchor="end" if v is not None and v < 0 else "start"),
            "</g>",
        ]
    content.append(f"<line {_attrs(x1=axis, y1=0, x2=axis, y2=height, stroke=AXIS, stroke_width=1)}/>")
    return _svg(width, height, title, _figures(items, format_value), content)


Rows = Sequence[tuple[str, Sequence[float | None]]]


def stacked_bar_chart(rows: Rows, parts: Sequence[str], *, title: str = "", width: float = 360,
                      label_width: float = 150, value_width: float = 40, bar_height: float = 16, gap: float = 10,
                      font_size: float = 9, format_value: Formatter = fr_nombre,
                      colours: Sequence[str] = PALETTE) -> str:
    """One bar per row made of its parts (e.g. staff of a contract type: women, men) on a common scale,
    the largest total filling the room; each part's value is written inside it when it fits, the row's
    values after the bar otherwise. A legend names the parts below the bars. A masked part is not drawn (nor
    counted in the scale): its value (« s », « < 5 ») is written after the bar, « valeur masquée » after it; the
    report shows such a breakdown as a table instead (the bar's length would not be the row's total)."""
    room = width - label_width - value_width
    if room <= 0 or not parts:
        raise ValueError("Graphique trop étroit, ou sans partie à représenter")
    totals = [sum(v for value in values if (v := _nombre(value)) is not None and v > 0) for _, values in rows]
    scale = max(totals, default=0.0) or 1.0
    margin = 4.0
    legend_y = margin + len(rows) * (bar_height + gap) + font_size
    height = legend_y + font_size * 0.6
    max_chars = max(4, int((label_width - 6) / _char_width(font_size)))
    content = []
    for i, (label, values) in enumerate(rows):
        y = margin + i * (bar_height + gap)
        baseline = y + bar_height / 2 + font_size * 0.35
        content += ['<g class="row">',
                    _text(_fit(label, max_chars)[0], label_width - 6, baseline, font_size, css_class="label",
                          anchor="end")]
        x = float(label_width)
        hidden = []
        for j, value in enumerate(values):
            text = format_value(value)
            if est_masque(value):
                hidden.append(f"{parts[j]} {text} ({VALEUR_MASQUEE})" if j < len(parts) else text)
                continue
            length = _length(value, scale, room)
            content.append(_rect(class_="part", x=x, y=y, width=length, height=bar_height,
                                 fill=colours[j % len(colours)]))
            if value and length >= _char_width(font_size) * len(text) + 4:
                content.append(_text(text, x + length / 2, baseline, font_size, css_class="inside",
                                     anchor="middle", bold=True, colour=ink(colours[j % len(colours)])))
            elif value:
                hidden.append(text)
            x += length
        if hidden:
            content.append(_text(" · ".join(hidden), x + 4, baseline, font_size, css_class="value"))
        content.append("</g>")
    column = (width - label_width) / len(parts)
    for j, part in enumerate(parts):
        x0 = label_width + j * column
        content += [
            '<g class="legend">',
            _rect(x=x0, y=legend_y - font_size * 0.85, width=font_size, height=font_size,
                  fill=colours[j % len(colours)]),
            _text(part, x0 + font_size * 1.5, legend_y, font_size, css_class="label"),
            "</g>",
        ]
    figures = [f"{label} : {', '.join(_figures(list(zip(parts, values, strict=False)), format_value))}"
               for label, values in rows]
    return _svg(width, height, title, figures, content)


# --- regional report (lib/report/reseau.py) ---
REFERENCE = PALETTE[3]  # the network's bar: sand, INK on it at 8.9:1


def reference_bar_chart(items: Items, reference: tuple[str, object], *, title: str = "", line: bool = True,
                        width: float = 640, label_width: float = 250, value_width: float = 80,
                        bar_height: float = 12, gap: float = 6, font_size: float = 9,
                        scale_max: float | None = None, format_value: Formatter = fr_pct) -> str:
    """One bar per item (a structure), then, below a rule, the reference row (the network), in bold.

    With `line` (a share, a mean, a ratio: on the items' scale) the reference is a bar of another colour and a
    dashed line across the items' rows at its value; without (a total, far beyond the items' scale) its value is
    written, not drawn. The scale is `scale_max`, else the largest value (the reference's included with `line`).
    A masked value draws no bar (nor line): « valeur masquée » and its mark, as `horizontal_bar_chart`.
    """
    room = width - label_width - value_width
    if room <= 0:
        raise ValueError("Graphique trop étroit pour ses libellés et ses valeurs")
    nom, valeur = reference
    scale = _scale([*items, reference] if line else items, scale_max)
    margin, step = 4.0, bar_height + gap
    max_chars = max(4, int((label_width - 6) / _char_width(font_size)))
    rule = margin + len(items) * step + gap / 2
    height = rule + gap / 2 + bar_height + margin
    content = []
    rows = [(label, value, margin + i * step, False) for i, (label, value) in enumerate(items)]
    for label, value, y, bold in [*rows, (nom, valeur, rule + gap / 2, True)]:
        baseline = y + bar_height / 2 + font_size * 0.35
        if est_masque(value):
            dessin = _masquee(label_width + 4, baseline, font_size * 0.9)
        elif bold and not line:
            dessin = ""
        else:
            dessin = _rect(class_="reference" if bold else "bar", x=label_width, y=y, height=bar_height,
                           width=_length(value, scale, room), fill=REFERENCE if bold else ACCENT)
        content += ['<g class="reference">' if bold else '<g class="row">',
                    _text(_fit(label, max_chars)[0], label_width - 6, baseline, font_size, css_class="label",
                          anchor="end", bold=bold),
                    _rect(class_="track", x=label_width, y=y, width=room, height=bar_height, fill=TRACK),
                    *([dessin] if dessin else []),
                    _text(format_value(value), label_width + room + 6, baseline, font_size, css_class="value",
                          bold=True),
                    "</g>"]
    content.append(f"<line {_attrs(x1=0, y1=rule, x2=width, y2=rule, stroke=AXIS, stroke_width=0.6)}/>")
    if line and _nombre(valeur) is not None:
        x = label_width + _length(valeur, scale, room)
        trait = _attrs(class_="reference", x1=x, y1=margin - 2, x2=x, y2=rule, stroke=INK, stroke_width=1,
                       stroke_dasharray="3 2")
        content.append(f"<line {trait}/>")
    return _svg(width, height, title, _figures([*items, reference], format_value), content)
