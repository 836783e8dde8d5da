"""A report's or dashboard's context written as HTML (Jinja2, milo_pipeline/templates) and as a PDF (WeasyPrint).

The templates only lay out and format (the French filters of lib/formatting.py). One HTML string is rendered per
document and written twice (`render_report`):
- as a tagged PDF, WeasyPrint's PDF/UA-1 variant (`pdf_variant="pdf/ua-1"`): the structure tree of `pdf_tags=True`
  (headings, lists, tables with TH/TD and their /Headers, each chart a /Figure whose /Alt is its SVG `<title>`,
  backgrounds and borders as artifacts), /Lang from `<html lang="fr">`, the `<title>` as document title shown by the
  viewer, plus the XMP metadata PDF/UA-1 requires (`pdfuaid:part` 1, `dc:title`), which `pdf_tags` alone does not
  write; PDF 1.7, more widely read than the PDF 2.0 of `pdf/ua-2`;
- as a web page beside it (same name, `.html`): one self-contained file, the stylesheet `rapport.css` inlined in
  a `<style>` element (for the PDF too: the same bytes), the charts inline SVG, no link, script, font or image to
  fetch. Deterministic: the same context gives the same bytes; the only varying line is the generation date
  (« Document produit le … », `genere_le`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from milo_pipeline.lib.formatting import (
    fr_date,
    fr_date_courte,
    fr_eur,
    fr_evolution,
    fr_nombre,
    fr_pct,
    fr_periode,
    fr_texte,
    fr_valeur,
)
from milo_pipeline.lib.periods import Periode

from .diffusion import INTERNE, PUBLIQUE

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
TEMPLATE = "rapport.html.j2"
TEMPLATE_TABLEAU_DE_BORD = "tableau_de_bord.html.j2"
SECTION_TEMPLATE = "_section.html.j2"


STYLESHEET = "rapport.css"
PDF_VARIANT = "pdf/ua-1"


def nom_fichier(periode: Periode, version: str = INTERNE, extension: str = "pdf") -> str:
    """The PDF (or, `extension="html"`, the web page) of a run: the monthly dashboard for a month, the activity
    report otherwise; the public version's name ends in `_public` (`rapport_activite_2024_public.pdf`)."""
    prefixe = "tableau_de_bord" if periode.is_mois else "rapport_activite"
    return f"{prefixe}_{periode.label}{'_public' if version == PUBLIQUE else ''}.{extension}"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(nombre=fr_nombre, pct=fr_pct, eur=fr_eur, date=fr_date, valeur=fr_valeur,
                       texte=fr_texte, evolution=fr_evolution, date_courte=fr_date_courte)
    env.globals["periode"] = fr_periode
    env.globals["feuille_de_style"] = feuille_de_style
    return env


def feuille_de_style() -> Markup:
    """The whole of `rapport.css`, to be inlined in the document's `<style>` (a `</style>` in it would end the
    element early: refused)."""
    css = (TEMPLATES_DIR / STYLESHEET).read_text(encoding="utf-8")
    if "</" in css:
        raise ValueError(f"{STYLESHEET} : « </ » interdit dans une feuille de style incluse dans la page")
    return Markup(css)


def render_html(context: Mapping[str, Any]) -> str:
    """The document as one self-contained HTML page (stylesheet inlined, charts inline SVG)."""
    return _environment().get_template(context.get("gabarit", TEMPLATE)).render(**context)


def _write_pdf(html: str, path: Path) -> None:
    from weasyprint import HTML  # imported here: ~1 s, only needed to write the PDF

    HTML(string=html, base_url=str(TEMPLATES_DIR)).write_pdf(path, pdf_variant=PDF_VARIANT)


def render_pdf(context: Mapping[str, Any], path: str | Path) -> Path:
    """Write the document as a tagged A4 PDF (PDF/UA-1) at `path` (parent folders created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_pdf(render_html(context), path)
    return path


def render_report(context: Mapping[str, Any], path: str | Path) -> tuple[Path, Path]:
    """Write the document as a tagged PDF at `path` and, from the same HTML, as a web page beside it (same name,
    `.html`); return both paths."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render_html(context)
    _write_pdf(html, path)
    page = path.with_suffix(".html")
    page.write_bytes(html.encode("utf-8"))
    return path, page
