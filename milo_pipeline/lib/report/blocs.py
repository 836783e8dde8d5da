"""The blocks of a section. Each block is a dict whose `type` is rendered by the partial `_bloc_<type>.html.j2`:
`chiffres` (key-figure tiles), `repartition` (a breakdown: chart, optionally a table), `graphique` (a chart),
`tableau` (a generic table), `tableau_dispositifs` (the programmes table), `evenements` (a list of events),
`intertitre` (a heading between blocks), `remarque` (a short text).

A builder returns None when its indicators have no row in the period: the section leaves the block out.

Every block says which indicators it shows (`indicateurs`, ids in order): the report refers each table, chart and
group of tiles to their definitions in the annex « Définitions et sources » (`_renvois.html.j2`). The tiles, a
breakdown and « Autres indicateurs » know them; a chart or a table drawn from values already selected is told them
by its section (`indicateurs=`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from markupsafe import Markup

from milo_pipeline.lib import charts
from milo_pipeline.lib.formatting import fr_eur, fr_jours, fr_nombre, fr_pct

from .indicateurs import Indicateurs, Row, as_date, clean

Bloc = dict[str, Any]
Dessin = Callable[..., str]
# 376 px = the chart's column in rapport.css; rows 25 px apart, as the table rows beside it.
BARRES_HORIZONTALES: Dessin = partial(charts.horizontal_bar_chart, width=376, label_width=176, gap=11)
BARRES_VERTICALES: Dessin = partial(charts.vertical_bar_chart, height=140)
BARRE_PARTAGEE: Dessin = partial(charts.split_bar_chart, total=100)  # the sex shares: they sum to 100
# A full-width chart (the text column is 665 px wide).
BARRES_LARGES: Dessin = partial(charts.horizontal_bar_chart, width=640, label_width=250, value_width=80,
                                bar_height=12, gap=6, font_size=9)
AUTRES_INDICATEURS = "Autres indicateurs"


def chiffres(titre: str | None, tuiles: list[dict]) -> Bloc | None:
    """Key-figure tiles; tiles without a row are left out, and the block when none is left."""
    presents = [c for c in tuiles if c["present"]]
    if not presents:
        return None
    return {"type": "chiffres", "titre": titre, "chiffres": presents,
            "indicateurs": ids(c["indicateur"] for c in presents)}


def ids(indicateurs: Iterable[str]) -> list[str]:
    """The ids of a block, each once, in order."""
    return list(dict.fromkeys(indicateurs))


def intertitre(titre: str) -> Bloc:
    return {"type": "intertitre", "titre": titre}


def graphique(titre: str, svg: str, note: str = "", demi: bool = False, indicateurs: Iterable[str] = ()) -> Bloc:
    return {"type": "graphique", "titre": titre, "graphique": Markup(svg), "note": note, "demi": demi,
            "indicateurs": ids(indicateurs)}


def repartition(ind: Indicateurs, indicateur: str, dessin: Dessin, *, tableau: bool, demi: bool) -> Bloc | None:
    """A breakdown block: its chart, and its rows for an optional table beside it (none without rows)."""
    if not ind.a(indicateur):
        return None
    lignes = ind.repartition(indicateur)
    titre = ind.libelle(indicateur)
    svg = dessin([(ligne["libelle"], ligne["valeur"]) for ligne in lignes], title=titre)
    return {"type": "repartition", "titre": titre, "note": ind.definition(indicateur), "lignes": lignes,
            "graphique": Markup(svg), "tableau": tableau, "demi": demi, "indicateurs": [indicateur]}


def barres(titre: str, items: list[tuple[str, Any]], unite: str, note: str = "", *, large: bool = True,
           echelle_100: bool = False, demi: bool = False, indicateurs: Iterable[str] = ()) -> Bloc | None:
    """A bar chart of (label, value) pairs already selected; None without any value."""
    if not any(v is not None for _, v in items):
        return None
    format_ = {"pct": fr_pct, "eur": fr_eur}.get(unite, fr_nombre)
    dessin = BARRES_LARGES if large else BARRES_HORIZONTALES
    svg = dessin(items, title=titre, format_value=format_, scale_max=100 if echelle_100 else None)
    return graphique(titre, svg, note, demi, indicateurs)


def tableau(titre: str | None, entetes: list[str], lignes: list[dict[str, Any]], note: str = "",
            premiere_colonne: str = "", indicateurs: Iterable[str] = ()) -> Bloc | None:
    """A table: `lignes` = [{libelle, cellules: [{valeur, unite} | {texte}], total?}]; None without rows or
    when no cell holds a value."""
    if not lignes or not any(c.get("present", True) and (c.get("valeur") is not None or c.get("texte"))
                             for ligne in lignes for c in ligne["cellules"]):
        return None
    return {"type": "tableau", "titre": titre, "premiere_colonne": premiere_colonne, "entetes": entetes,
            "lignes": lignes, "note": note, "indicateurs": ids(indicateurs)}


def texte(valeur: str) -> dict[str, Any]:
    """A table cell holding a text."""
    return {"texte": valeur, "present": True}


def autres(ind: Indicateurs, ids: list[str]) -> list[Bloc]:
    """« Autres indicateurs »: the ids not laid out yet (not read by the section) that have rows, with their
    label and values: those without breakdown as tiles, each breakdown as a table of its modalities."""
    scalaires, blocs = [], []
    for indicateur in ids:
        if indicateur in ind.lus or not ind.a(indicateur):
            continue
        modalites = [m for m in ind.modalites.get(indicateur, []) if m is not None]
        if not modalites:
            scalaires.append(ind.chiffre(indicateur))
            continue
        lignes = [{"libelle": m, "cellules": [ind.valeur(indicateur, m)]} for m in ind.modalites_de(indicateur)]
        blocs.append(tableau(ind.libelle(indicateur), [ind.libelle(indicateur)], lignes, ind.definition(indicateur),
                             indicateurs=[indicateur]))
    tuiles = chiffres(AUTRES_INDICATEURS, scalaires)
    return [b for b in [tuiles, *blocs] if b]


def liste_evenements(evenements: list[Row], titre: str | None = None) -> Bloc | None:
    """The list of events (days, title, description, heading, visitors); None without any."""
    if not evenements:
        return None
    return {"type": "evenements", "titre": titre, "evenements": [
        {"jours": fr_jours(as_date(e["debut_date"]), as_date(e["fin_date"]) if e.get("fin_date") else None),
         "titre": e["titre"], "description": e.get("description") or "", "rubrique": e.get("rubrique") or "",
         "visiteurs": clean(e.get("visiteurs"))} for e in evenements]}
