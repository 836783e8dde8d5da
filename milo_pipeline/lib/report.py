"""The annual activity report ("rapport d'activité"): context, HTML and PDF.

`build_report_context` only selects and orders indicator values already computed (the
`indicateurs` table): it never does arithmetic on them, except the geometry of the charts.
The templates (milo_pipeline/templates) only lay out and format (French filters).

A report is a list of sections; a section is a title, a short definition and a list of
blocks. Each block has a `type` rendered by the partial `_bloc_<type>.html.j2`
(`chiffres`: key-figure tiles, `repartition`: a breakdown as a chart and optionally a
table, `tableau_dispositifs`: the programmes table). A new section (CEJ, mentoring,
employment, territories…) is one more builder in `SECTIONS`, reusing these blocks or
adding a partial; a section may also name its own template in `gabarit`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from milo_pipeline.lib import charts
from milo_pipeline.lib.formatting import fr_date, fr_eur, fr_nombre, fr_pct, fr_periode, fr_texte, fr_valeur

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE = "rapport.html.j2"
SECTION_TEMPLATE = "_section.html.j2"

ECHELONS = ("National", "Régional", "Local")
NON_CLASSE = "Non classé"
ENSEMBLE = "Ensemble"
SANS_NOM = "(dispositif non renseigné)"

# Display labels of vocabulary codes (the vocabularies hold the codes only).
LIBELLES_MODALITES = {("sexe", "F"): "Femmes", ("sexe", "H"): "Hommes"}

# Columns of the programmes table, in order; their headers come from the dictionary.
COLONNES_DISPOSITIFS = (
    "disp_nb_beneficiaires",
    "disp_femmes_pct",
    "disp_mineurs_pct",
    "disp_sans_qualification_pct",
    "disp_qpv_pct",
    "disp_zrr_pct",
    "disp_nb_presents_fin",
)

Row = Mapping[str, Any]
Section = dict[str, Any]


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise ValueError(f"Date attendue dans la table des indicateurs, reçu {value!r}")


def _clean(value: Any) -> Any:
    """NaN (a NULL read through pandas) → None; other values unchanged."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _modalite(value: Any) -> str | None:
    value = _clean(value)
    return None if value is None or value == "" else str(value)


class Indicateurs:
    """The indicator rows of one period, looked up by (indicateur, modalité), with their dictionary."""

    def __init__(self, rows: Iterable[Row], dictionnaire: Iterable[Row], debut: date, fin: date,
                 vocabulaires: Iterable[Row] | None = None):
        self.dictionnaire = {d["indicateur"]: d for d in dictionnaire}
        self.valeurs: dict[tuple[str, str | None], Row] = {}
        self.modalites: dict[str, list[str | None]] = {}
        for row in rows:
            if _as_date(row["periode_debut"]) != debut or _as_date(row["periode_fin"]) != fin:
                continue
            cle = (row["indicateur"], _modalite(row.get("modalite")))
            if cle in self.valeurs:
                raise ValueError(
                    f"Table des indicateurs : ligne en double pour la période {debut} → {fin}, "
                    f"indicateur « {cle[0]} », modalité « {cle[1] or ''} »"
                )
            self.valeurs[cle] = row
            self.modalites.setdefault(cle[0], []).append(cle[1])
        self.vocabulaires: dict[str, list[str]] = {}
        for v in sorted(vocabulaires or [], key=lambda v: (v["vocabulaire"], int(v["ordre"]))):
            self.vocabulaires.setdefault(v["vocabulaire"], []).append(v["modalite"])

    def libelle(self, indicateur: str) -> str:
        return self.dictionnaire.get(indicateur, {}).get("libelle") or indicateur

    def definition(self, indicateur: str) -> str:
        return self.dictionnaire.get(indicateur, {}).get("definition") or ""

    def unite(self, indicateur: str, row: Row | None = None) -> str:
        if row is not None and row.get("unite"):
            return row["unite"]
        return self.dictionnaire.get(indicateur, {}).get("unite") or "nb"

    def valeur(self, indicateur: str, modalite: str | None = None) -> dict[str, Any]:
        """{valeur, unite} of one cell; valeur None when the indicator has no row."""
        row = self.valeurs.get((indicateur, modalite))
        return {"valeur": None if row is None else _clean(row.get("valeur")),
                "unite": self.unite(indicateur, row)}

    def chiffre(self, indicateur: str, modalite: str | None = None, libelle: str | None = None) -> dict:
        """A key figure: the value, its unit and its label (the dictionary's unless given)."""
        return {"indicateur": indicateur, "libelle": libelle or self.libelle(indicateur),
                **self.valeur(indicateur, modalite)}

    def repartition(self, indicateur: str) -> list[dict[str, Any]]:
        """A breakdown, every modality of its vocabulary in the vocabulary's order.

        Without the vocabulary (or for modalities outside it), the order of the rows.
        """
        vocabulaire = self.dictionnaire.get(indicateur, {}).get("vocabulaire") or ""
        modalites = list(self.vocabulaires.get(vocabulaire, []))
        modalites += [m for m in self.modalites.get(indicateur, []) if m is not None and m not in modalites]
        return [{"modalite": m, "libelle": LIBELLES_MODALITES.get((vocabulaire, m), m),
                 **self.valeur(indicateur, m)} for m in modalites]


def _chiffres(titre: str | None, chiffres: list[dict]) -> dict:
    return {"type": "chiffres", "titre": titre, "chiffres": chiffres}


Dessin = Callable[..., str]
# 376 px = the chart's column in rapport.css; rows 25 px apart, as the table rows beside it.
BARRES_HORIZONTALES: Dessin = partial(charts.horizontal_bar_chart, width=376, label_width=176, gap=11)
BARRES_VERTICALES: Dessin = partial(charts.vertical_bar_chart, height=140)
BARRE_PARTAGEE: Dessin = charts.split_bar_chart


def _repartition(ind: Indicateurs, indicateur: str, dessin: Dessin, *, tableau: bool, demi: bool) -> dict:
    """A breakdown block: its chart, and its rows for an optional table beside it (no chart without rows)."""
    lignes = ind.repartition(indicateur)
    titre = ind.libelle(indicateur)
    svg = dessin([(ligne["libelle"], ligne["valeur"]) for ligne in lignes], title=titre) if lignes else None
    return {"type": "repartition", "titre": titre, "note": ind.definition(indicateur), "lignes": lignes,
            "graphique": svg and Markup(svg), "tableau": tableau, "demi": demi}


def section_synthese(ind: Indicateurs, programmes: list[Row]) -> Section:
    return {
        "id": "synthese",
        "titre": "Synthèse",
        "definition": "Les chiffres clés de la période. Chacun est détaillé et défini dans les pages "
                      "suivantes.",
        "blocs": [
            _chiffres("Accueil et accompagnement", [
                ind.chiffre("pa_nb_jeunes"),
                ind.chiffre("acc_nb_jeunes"),
                ind.chiffre("acc_nb_entretiens_individuels"),
                ind.chiffre("disp_nb_beneficiaires", ENSEMBLE, "Jeunes entrés dans un dispositif"),
            ]),
            _chiffres("Allocations PACEA", [
                ind.chiffre("pacea_montant_eur"),
                ind.chiffre("pacea_nb_jeunes"),
                ind.chiffre("pacea_moyenne_eur"),
            ]),
        ],
    }


def _blocs_cohorte(ind: Indicateurs, prefixe: str) -> list[dict]:
    """The blocks shared by the two cohorts (premier accueil `pa`, jeunes accompagnés `acc`)."""
    return [
        _chiffres(None, [ind.chiffre(f"{prefixe}_nb_jeunes", libelle="jeunes")]
                  + [ind.chiffre(f"{prefixe}_{c}_pct") for c in ("qpv", "zrr", "sans_qualification")]),
        _repartition(ind, f"{prefixe}_hebergement_pct", BARRES_HORIZONTALES, tableau=True, demi=False),
        _repartition(ind, f"{prefixe}_sexe_pct", BARRE_PARTAGEE, tableau=False, demi=True),
        _repartition(ind, f"{prefixe}_tranche_age_pct", BARRES_VERTICALES, tableau=False, demi=True),
        _chiffres("Mobilité", [ind.chiffre(f"{prefixe}_{c}_nb")
                               for c in ("sans_locomotion", "permis_b", "voiture")]),
    ]


def section_premier_accueil(ind: Indicateurs, programmes: list[Row]) -> Section:
    return {
        "id": "premier_accueil",
        "titre": "Jeunes reçus pour la première fois",
        "definition": "Jeunes venus pour leur premier entretien individuel avec un conseiller au cours de la "
                      "période. Leur profil (logement, âge, lieu de résidence, niveau, mobilité) est celui "
                      "enregistré dans i-milo à la date des exports.",
        "blocs": _blocs_cohorte(ind, "pa"),
    }


def section_accompagnes(ind: Indicateurs, programmes: list[Row]) -> Section:
    return {
        "id": "accompagnes",
        "titre": "Jeunes accompagnés",
        "definition": ind.definition("acc_nb_jeunes"),
        "blocs": _blocs_cohorte(ind, "acc") + [
            _chiffres("Entretiens et allocations PACEA", [
                ind.chiffre("acc_nb_entretiens_individuels"),
                ind.chiffre("pacea_montant_eur"),
                ind.chiffre("pacea_nb_jeunes"),
                ind.chiffre("pacea_moyenne_eur"),
            ]),
        ],
    }


def _lignes_dispositifs(ind: Indicateurs, programmes: list[Row]) -> list[dict[str, Any]]:
    """Catalogue programmes, then programmes found only in the rows ("Non classé"), ordered by
    échelon then `ordre`; programmes whose counts are all 0 (or absent) are left out."""
    catalogue = {p["dispositif"]: p for p in programmes}
    trouves = {m for c in COLONNES_DISPOSITIFS for m in ind.modalites.get(c, []) if m != ENSEMBLE}
    candidats = [(nom, p.get("libelle") or nom, p.get("echelon") or NON_CLASSE,
                  float(p.get("ordre") or math.inf)) for nom, p in catalogue.items()]
    hors_catalogue = sorted(trouves - catalogue.keys(), key=lambda nom: (nom is None, nom or ""))
    candidats += [(nom, nom or SANS_NOM, NON_CLASSE, math.inf) for nom in hors_catalogue]

    def rang(echelon: str) -> int:
        return ECHELONS.index(echelon) if echelon in ECHELONS else len(ECHELONS) + (echelon == NON_CLASSE)

    candidats.sort(key=lambda c: (rang(c[2]), c[2], c[3]))
    lignes = []
    for nom, libelle, echelon, _ in candidats:
        valeurs = [ind.valeur(c, nom) for c in COLONNES_DISPOSITIFS]
        if not any(v["valeur"] for v in valeurs if v["unite"] == "nb"):
            continue
        debut_groupe = not lignes or lignes[-1]["echelon"] != echelon
        lignes.append({"echelon": echelon, "libelle": libelle, "valeurs": valeurs,
                       "debut_groupe": debut_groupe, "ensemble": False})
    lignes.append({"echelon": "", "libelle": ENSEMBLE, "debut_groupe": True, "ensemble": True,
                   "valeurs": [ind.valeur(c, ENSEMBLE) for c in COLONNES_DISPOSITIFS]})
    return lignes


def section_dispositifs(ind: Indicateurs, programmes: list[Row]) -> Section:
    return {
        "id": "dispositifs",
        "titre": "Dispositifs et formations",
        "definition": "Jeunes entrés dans chaque dispositif au cours de la période, avec leur profil, "
                      "et jeunes encore présents à la fin de la période. Un jeune entré dans plusieurs "
                      "dispositifs compte une fois par dispositif, et une seule fois dans la ligne "
                      "« Ensemble ».",
        "blocs": [{
            "type": "tableau_dispositifs",
            "colonnes": [{"indicateur": c, "libelle": ind.libelle(c)} for c in COLONNES_DISPOSITIFS],
            "lignes": _lignes_dispositifs(ind, programmes),
            "notes": [{"libelle": ind.libelle(c), "definition": ind.definition(c)}
                      for c in COLONNES_DISPOSITIFS],
        }],
    }


SECTIONS: tuple[Callable[[Indicateurs, list[Row]], Section], ...] = (
    section_synthese,
    section_premier_accueil,
    section_accompagnes,
    section_dispositifs,
)


def build_report_context(rows: Iterable[Row], dictionnaire: Iterable[Row], programmes: Iterable[Row],
                         meta: Mapping[str, Any],
                         vocabulaires: Iterable[Row] | None = None) -> dict[str, Any]:
    """The report's context: the rows of the period meta['periode_debut']..meta['periode_fin'], selected
    and ordered into sections.

    `rows`: the indicator table (periode_debut, periode_fin, indicateur, modalite, valeur, unite);
    `dictionnaire`, `programmes`, `vocabulaires`: the rows of the seeds indicateurs_dictionnaire.csv,
    programmes.csv and vocabulaires.csv (without `vocabulaires`, breakdowns keep the order of the rows);
    `meta`: mission_locale (config/mission_locale.yaml), periode_debut, periode_fin, date_exports, genere_le.
    """
    mission_locale = dict(meta.get("mission_locale") or {})
    if not mission_locale.get("nom"):
        raise ValueError("Rapport : le nom de la Mission Locale manque "
                         "(clé « nom » de config/mission_locale.yaml)")
    mission_locale.setdefault("nom_court", mission_locale["nom"])
    debut, fin = _as_date(meta["periode_debut"]), _as_date(meta["periode_fin"])
    ind = Indicateurs(rows, dictionnaire, debut, fin, vocabulaires)
    programmes = list(programmes)
    sections = [{"gabarit": SECTION_TEMPLATE, **construire(ind, programmes)} for construire in SECTIONS]
    return {
        "titre": "Rapport d'activité",
        "mission_locale": mission_locale,
        "periode_debut": debut,
        "periode_fin": fin,
        "date_exports": meta.get("date_exports"),
        "genere_le": meta.get("genere_le"),
        "sections": sections,
    }


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(nombre=fr_nombre, pct=fr_pct, eur=fr_eur, date=fr_date, valeur=fr_valeur,
                       texte=fr_texte)
    env.globals["periode"] = fr_periode
    return env


def render_html(context: Mapping[str, Any]) -> str:
    """The report as one HTML document (its stylesheet `rapport.css` is linked, relative to TEMPLATES_DIR)."""
    return _environment().get_template(TEMPLATE).render(**context)


def render_pdf(context: Mapping[str, Any], path: str | Path) -> Path:
    """Write the report as an A4 PDF at `path` (parent folders created) and return the path."""
    from weasyprint import HTML  # imported here: ~1 s, only needed to write the PDF

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=render_html(context), base_url=str(TEMPLATES_DIR)).write_pdf(path)
    return path

