"""A report's or dashboard's context written as HTML (Jinja2, milo_pipeline/templates) and as a PDF (WeasyPrint).

The templates only lay out and format (the French filters of lib/formatting.py)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

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


def nom_fichier(periode: Periode, version: str = INTERNE) -> str:
    """The PDF of a run: the monthly dashboard for a month, the activity report otherwise; the public version's
    name ends in `_public` (`rapport_activite_2024_public.pdf`)."""
    prefixe = "tableau_de_bord" if periode.is_mois else "rapport_activite"
    return f"{prefixe}_{periode.label}{'_public' if version == PUBLIQUE else ''}.pdf"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(nombre=fr_nombre, pct=fr_pct, eur=fr_eur, date=fr_date, valeur=fr_valeur,
                       texte=fr_texte, evolution=fr_evolution, date_courte=fr_date_courte)
    env.globals["periode"] = fr_periode
    return env


def render_html(context: Mapping[str, Any]) -> str:
    """The document as HTML (its stylesheet `rapport.css` is linked, relative to TEMPLATES_DIR)."""
    return _environment().get_template(context.get("gabarit", TEMPLATE)).render(**context)


def render_pdf(context: Mapping[str, Any], path: str | Path) -> Path:
    """Write the document as an A4 PDF at `path` (parent folders created) and return the path."""
    from weasyprint import HTML  # imported here: ~1 s, only needed to write the PDF

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=render_html(context), base_url=str(TEMPLATES_DIR)).write_pdf(path)
    return path
