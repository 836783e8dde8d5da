"""The activity report ("rapport d'activité") and the monthly dashboard: context, HTML and PDF.

The context builders only select, order and label values already computed (the `indicateurs` table):
they never do arithmetic on them, except the geometry of the charts. The templates
(milo_pipeline/templates) only lay out and format (French filters).

A report is a list of sections in the order of a Mission Locale's annual report; a section is a
title, a short definition, a list of blocks, and the Mission Locale's own text for it (Markdown from
`saisies/textes/<section>.md`). Each block has a `type` rendered by the partial `_bloc_<type>.html.j2`:
`chiffres` (key-figure tiles), `repartition` (a breakdown: chart, optionally a table), `graphique`
(a chart), `tableau` (a generic table), `tableau_dispositifs` (the programmes table), `evenements`
(a list of events), `intertitre` (a heading between blocks), `remarque` (a short text).

Sections are driven by the indicator dictionary: every id belongs to one section (by its prefix, else
by the dictionary's `section`); the blocks a section lays out by hand come first, then any other id of
the section that has rows in the period ("Autres indicateurs"), so a new indicator shows without a
template change. A block whose indicators have no row in the period is left out; a section left
without any block says « Données non disponibles pour la période » (or « Non renseigné » for the
manual inputs) instead of failing.

Diffusion (config/diffusion.yaml): the same builders make the internal version (the exact table, « Diffusion
restreinte » on every page) and the public one, built from the table masked by disclosure control (a masked cell's
`valeur` is `"s"`, its `secret` the reason). The public version never sees a hidden value: each masked cell reaches
the templates and charts as a `formatting.Masque`, written « < k » for a count masked because it is from 1 to k−1,
« s » otherwise, never summed, sorted by value nor drawn; each section lists the marks it shows. The list of
events is left out of the public version (it would let a reader count masked events and visitors).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from milo_pipeline.lib import charts
from milo_pipeline.lib.extraits import ConfigurationInvalide
from milo_pipeline.lib.formatting import (
    Masque,
    est_masque,
    fr_date,
    fr_date_courte,
    fr_eur,
    fr_evolution,
    fr_jours,
    fr_nombre,
    fr_pct,
    fr_periode,
    fr_texte,
    fr_valeur,
)
from milo_pipeline.lib.periods import Periode
from milo_pipeline.lib.saisies import CONTRATS, slug
from milo_pipeline.lib.suppression import PRIMAIRE

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE = "rapport.html.j2"
TEMPLATE_TABLEAU_DE_BORD = "tableau_de_bord.html.j2"
SECTION_TEMPLATE = "_section.html.j2"

ECHELONS = ("National", "Régional", "Local")
NON_CLASSE = "Non classé"
ENSEMBLE = "Ensemble"
SANS_NOM = "(dispositif non renseigné)"
HORS_TERRITOIRE = "Hors territoire"
CEJ_DEBUT = date(2022, 3, 1)
# Programmes of the thematic sections, by the start of their name (case ignored): "PROJET SANTE 2024"…
PROGRAMMES_CTAI = ("CTAI",)
PROGRAMMES_SANTE = ("PROJET SANTE", "EN MARCHE AU FEMININ", "Psychologue")
RUBRIQUE_SANTE = "Santé"

INTERNE, PUBLIQUE = "interne", "publique"
VERSIONS = (INTERNE, PUBLIQUE)
SEUIL_PUBLIC = 5
LEGENDE_PRIMAIRE = "< {k} : effectif de 1 à {k1}, masqué (secret statistique)."
LEGENDE_SECRET = "s : secret statistique (valeur masquée)."
EVENEMENTS_NON_LISTES = ("La liste détaillée des événements n'est pas reprise dans la version publique : elle "
                         "permettrait de recompter des effectifs masqués.")
NON_DISPONIBLE = "Données non disponibles pour la période."
NON_RENSEIGNE = "Non renseigné pour la période."
TEXTE_ABSENT = "Texte non renseigné."

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
Bloc = dict[str, Any]


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


def _decroissant(valeur: Any) -> tuple[int, float]:
    """Sort key, largest value first, masked values last (their true value is unknown: never ordered by it), then
    missing ones."""
    if est_masque(valeur):
        return (1, 0.0)
    return (0, -float(valeur)) if valeur is not None else (2, 0.0)


def _commence(nom: str | None, prefixes: Sequence[str]) -> bool:
    return nom is not None and any(nom.lower().startswith(p.lower()) for p in prefixes)


class Indicateurs:
    """The indicator rows of one period, looked up by (indicateur, modalité), with their dictionary.

    Every id read through it is remembered in `lus` (reset by each section), so that a section can add
    the ids of its scope it did not lay out itself."""

    def __init__(self, rows: Iterable[Row], dictionnaire: Iterable[Row], debut: date, fin: date,
                 vocabulaires: Iterable[Row] | None = None, seuil: int | None = None):
        self.debut, self.fin = debut, fin
        self.seuil = seuil  # k of a masked table: a count masked as primary (1 to k−1) reads as Masque(k)
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
        self.lus: set[str] = set()
        self.masques: set[Masque] = set()  # the masked values read (reset by each section, for its legend)

    def a(self, indicateur: str, modalite: str | None = None) -> bool:
        """Whether the indicator has a row in the period (for this modality, or any when None)."""
        self.lus.add(indicateur)
        if modalite is None:
            return indicateur in self.modalites
        return (indicateur, modalite) in self.valeurs

    def libelle(self, indicateur: str) -> str:
        return self.dictionnaire.get(indicateur, {}).get("libelle") or indicateur

    def definition(self, indicateur: str) -> str:
        return self.dictionnaire.get(indicateur, {}).get("definition") or ""

    def unite(self, indicateur: str, row: Row | None = None) -> str:
        if row is not None and row.get("unite"):
            return row["unite"]
        return self.dictionnaire.get(indicateur, {}).get("unite") or "nb"

    def valeur(self, indicateur: str, modalite: str | None = None) -> dict[str, Any]:
        """{valeur, unite, present} of one cell; valeur None when the indicator has no row."""
        self.lus.add(indicateur)
        row = self.valeurs.get((indicateur, modalite))
        unite = self.unite(indicateur, row)
        valeur = None if row is None else _clean(row.get("valeur"))
        if est_masque(valeur):
            primaire = row.get("secret") == PRIMAIRE and unite == "nb" and self.seuil
            valeur = Masque(self.seuil if primaire else None)
            self.masques.add(valeur)
        return {"valeur": valeur, "unite": unite, "present": row is not None}

    def nombre(self, indicateur: str, modalite: str | None = None) -> Any:
        return self.valeur(indicateur, modalite)["valeur"]

    def chiffre(self, indicateur: str, modalite: str | None = None, libelle: str | None = None,
                signe: bool = False) -> dict:
        """A key figure: the value, its unit and its label (the dictionary's unless given); `signe` writes
        a change with its sign (+16,7 %)."""
        return {"indicateur": indicateur, "libelle": libelle or self.libelle(indicateur), "signe": signe,
                **self.valeur(indicateur, modalite)}

    def modalites_de(self, indicateur: str) -> list[str]:
        """The modalities of an indicator: its vocabulary's (in order) then the others, in the rows' order."""
        self.lus.add(indicateur)
        vocabulaire = self.dictionnaire.get(indicateur, {}).get("vocabulaire") or ""
        trouvees = [m for m in self.modalites.get(indicateur, []) if m is not None]
        if not trouvees:
            return []
        modalites = list(self.vocabulaires.get(vocabulaire, []))
        return modalites + [m for m in trouvees if m not in modalites]

    def repartition(self, indicateur: str) -> list[dict[str, Any]]:
        """A breakdown, every modality of its vocabulary in the vocabulary's order.

        Without the vocabulary (or for modalities outside it), the order of the rows.
        """
        vocabulaire = self.dictionnaire.get(indicateur, {}).get("vocabulaire") or ""
        modalites = list(self.vocabulaires.get(vocabulaire, []))
        modalites += [m for m in self.modalites.get(indicateur, []) if m is not None and m not in modalites]
        self.lus.add(indicateur)
        return [{"modalite": m, "libelle": LIBELLES_MODALITES.get((vocabulaire, m), m),
                 **self.valeur(indicateur, m)} for m in modalites]

    def sous_modalites(self, indicateur: str, parent: str) -> list[tuple[str, dict[str, Any]]]:
        """For a modality « parent|détail » (e.g. « CEJ|Abandon »): [(détail, cell)] of the parent."""
        self.lus.add(indicateur)
        prefixe = parent + "|"
        return [(m[len(prefixe):], self.valeur(indicateur, m))
                for m in self.modalites.get(indicateur, []) if m is not None and m.startswith(prefixe)]


# --------------------------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------------------------
Dessin = Callable[..., str]
# 376 px = the chart's column in rapport.css; rows 25 px apart, as the table rows beside it.
BARRES_HORIZONTALES: Dessin = partial(charts.horizontal_bar_chart, width=376, label_width=176, gap=11)
BARRES_VERTICALES: Dessin = partial(charts.vertical_bar_chart, height=140)
BARRE_PARTAGEE: Dessin = partial(charts.split_bar_chart, total=100)  # the sex shares: they sum to 100
# A full-width chart (the text column is 665 px wide).
BARRES_LARGES: Dessin = partial(charts.horizontal_bar_chart, width=640, label_width=250, value_width=80,
                                bar_height=12, gap=6, font_size=9)


def _chiffres(titre: str | None, chiffres: list[dict]) -> Bloc | None:
    """Key-figure tiles; tiles without a row are left out, and the block when none is left."""
    presents = [c for c in chiffres if c["present"]]
    return {"type": "chiffres", "titre": titre, "chiffres": presents} if presents else None


def _intertitre(titre: str) -> Bloc:
    return {"type": "intertitre", "titre": titre}


def _graphique(titre: str, svg: str, note: str = "", demi: bool = False) -> Bloc:
    return {"type": "graphique", "titre": titre, "graphique": Markup(svg), "note": note, "demi": demi}


def _repartition(ind: Indicateurs, indicateur: str, dessin: Dessin, *, tableau: bool, demi: bool) -> Bloc | None:
    """A breakdown block: its chart, and its rows for an optional table beside it (none without rows)."""
    if not ind.a(indicateur):
        return None
    lignes = ind.repartition(indicateur)
    titre = ind.libelle(indicateur)
    svg = dessin([(ligne["libelle"], ligne["valeur"]) for ligne in lignes], title=titre)
    return {"type": "repartition", "titre": titre, "note": ind.definition(indicateur), "lignes": lignes,
            "graphique": Markup(svg), "tableau": tableau, "demi": demi}


def _barres(titre: str, items: list[tuple[str, Any]], unite: str, note: str = "", *, large: bool = True,
            echelle_100: bool = False, demi: bool = False) -> Bloc | None:
    """A bar chart of (label, value) pairs already selected; None without any value."""
    if not any(v is not None for _, v in items):
        return None
    format_ = {"pct": fr_pct, "eur": fr_eur}.get(unite, fr_nombre)
    dessin = BARRES_LARGES if large else BARRES_HORIZONTALES
    svg = dessin(items, title=titre, format_value=format_, scale_max=100 if echelle_100 else None)
    return _graphique(titre, svg, note, demi)


def _tableau(titre: str | None, entetes: list[str], lignes: list[dict[str, Any]], note: str = "",
             premiere_colonne: str = "") -> Bloc | None:
    """A table: `lignes` = [{libelle, cellules: [{valeur, unite} | {texte}], total?}]; None without rows or
    when no cell holds a value."""
    if not lignes or not any(c.get("present", True) and (c.get("valeur") is not None or c.get("texte"))
                             for ligne in lignes for c in ligne["cellules"]):
        return None
    return {"type": "tableau", "titre": titre, "premiere_colonne": premiere_colonne, "entetes": entetes,
            "lignes": lignes, "note": note}


def _texte(valeur: str) -> dict[str, Any]:
    return {"texte": valeur, "present": True}


def _autres(ind: Indicateurs, ids: list[str]) -> list[Bloc]:
    """The ids of a section's scope it did not lay out: scalars as tiles, breakdowns as tables."""
    scalaires, blocs = [], []
    for indicateur in ids:
        if indicateur in ind.lus or not ind.a(indicateur):
            continue
        modalites = [m for m in ind.modalites.get(indicateur, []) if m is not None]
        if not modalites:
            scalaires.append(ind.chiffre(indicateur))
            continue
        lignes = [{"libelle": m, "cellules": [ind.valeur(indicateur, m)]} for m in ind.modalites_de(indicateur)]
        blocs.append(_tableau(ind.libelle(indicateur), [ind.libelle(indicateur)], lignes,
                              ind.definition(indicateur)))
    tuiles = _chiffres("Autres indicateurs", scalaires)
    return [b for b in [tuiles, *blocs] if b]


# --------------------------------------------------------------------------------------------
# Markdown (the Mission Locale's texts)
# --------------------------------------------------------------------------------------------
def markdown_html(texte: str | None) -> Markup | None:
    """A safe HTML rendering of a small Markdown subset: paragraphs, **bold**, *italic*, lists, headings
    (`#` → h3, `##` → h4) and quotes. Raw HTML, links and images are shown as text; HTML comments
    (`<!-- … -->`, e.g. a file's header) are removed; French spacing rules apply to the text."""
    if texte is None:
        return None
    from markdown_it import MarkdownIt  # already a dependency (rich, used by Dagster)

    texte = re.sub(r"<!--.*?-->", "", texte, flags=re.DOTALL).strip()
    if not texte:
        return None
    md = MarkdownIt("zero").enable(["heading", "emphasis", "list", "blockquote"])
    tokens = md.parse(texte)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
        for enfant in token.children or []:
            if enfant.type == "text":
                enfant.content = fr_texte(enfant.content)
    return Markup(md.renderer.render(tokens, md.options, {}))


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------
class Rapport:
    """What the section builders share: the indicators, the catalogue, the texts, the events."""

    def __init__(self, ind: Indicateurs, programmes: list[Row], textes: Mapping[str, str],
                 evenements: list[Row], date_exports: date | None, publique: bool = False):
        self.ind = ind
        self.publique = publique
        self.programmes = programmes
        self.textes = dict(textes)
        self.evenements = evenements
        self.date_exports = date_exports
        self.textes_utilises: set[str] = set()
        self.montres: set[str] = set()  # ids read by at least one section

    def texte(self, nom: str) -> Markup | None:
        self.textes_utilises.add(nom)
        return markdown_html(self.textes.get(nom))

    def section(self, id_: str, titre: str, blocs: Iterable[Bloc | None], *, definition: str = "",
                texte: str | None = None, saisie: str | None = None, imilo: bool = True,
                portee: Sequence[str] = (), niveau: int = 1, texte_obligatoire: bool = False) -> Section:
        """A section; `portee` = ids of its scope shown after its blocks if not laid out; `saisie` = the
        manual input feeding it (placeholder « Non renseigné »), `imilo` = whether i-milo feeds it."""
        blocs = [b for b in blocs if b]
        blocs += _autres(self.ind, list(portee))
        rendu = self.texte(texte) if texte else None
        sources = []
        if imilo:
            sources.append("exports i-milo" + (f" du {fr_date(self.date_exports)}" if self.date_exports else ""))
        if saisie:
            sources.append(f"saisie de la Mission Locale ({saisie})")
        absent = None
        if not any(b["type"] != "intertitre" for b in blocs):
            blocs = []
            if texte_obligatoire:
                absent = None if rendu else TEXTE_ABSENT
            else:
                absent = NON_RENSEIGNE if saisie and not imilo else NON_DISPONIBLE
        self.montres |= self.ind.lus
        self.ind.lus.clear()
        legende = legende_secret(self.ind.masques) if blocs else []
        self.ind.masques.clear()
        return {"id": id_, "titre": titre, "definition": definition, "blocs": blocs, "texte": rendu,
                "absent": absent, "sources": " ; ".join(sources), "niveau": niveau, "gabarit": SECTION_TEMPLATE,
                "legende": legende}

    def liste_evenements(self, evenements: list[Row], titre: str | None = None) -> Bloc | None:
        """The list of events, left out of the public version (with a note when there were some)."""
        if self.publique:
            return {"type": "remarque", "titre": titre, "texte": EVENEMENTS_NON_LISTES} if evenements else None
        return _liste_evenements(evenements, titre)


def legende_secret(masques: Iterable[Masque]) -> list[str]:
    """What the marks shown mean: « < k » (a count from 1 to k−1), « s » (any other masked value)."""
    seuils = sorted({m.seuil for m in masques if m.seuil})
    legende = [LEGENDE_PRIMAIRE.format(k=k, k1=k - 1) for k in seuils]
    if any(not m.seuil for m in masques):
        legende.append(LEGENDE_SECRET)
    return legende


Constructeur = Callable[[Rapport], list[Section]]


def _portee(ind: Indicateurs, prefixes: Sequence[str], section: str) -> list[str]:
    """Ids of a section's scope, in the dictionary's order: by id prefix, or by the dictionary's `section`;
    then ids of the rows missing from the dictionary, by prefix."""
    ids = [i for i, d in sorted(ind.dictionnaire.items(), key=lambda kv: float(kv[1].get("ordre") or math.inf))
           if i.startswith(tuple(prefixes)) or (d.get("section") == section and not _section_par_prefixe(i))]
    return ids + sorted(i for i in ind.modalites if i.startswith(tuple(prefixes)) and i not in ind.dictionnaire)


def section_synthese(r: Rapport) -> list[Section]:
    ind = r.ind
    titre = f"Synthèse {ind.debut.year}" if _annuel(ind) else "Synthèse"
    return [r.section("synthese", titre, [
        _chiffres("Accueil et accompagnement", [
            ind.chiffre("pa_nb_jeunes"),
            ind.chiffre("acc_nb_jeunes"),
            ind.chiffre("acc_nb_entretiens_individuels"),
            ind.chiffre("disp_nb_beneficiaires", ENSEMBLE, "Jeunes entrés dans un dispositif"),
        ]),
        _chiffres("Parcours et emploi", [
            ind.chiffre("cej_nb_entrees"),
            ind.chiffre("parr_nb_jeunes"),
            ind.chiffre("emploi_acces_pct"),
            ind.chiffre("pmsmp_nb"),
            ind.chiffre("pacea_montant_eur"),
            ind.chiffre("entreprises_nb_contacts"),
        ]),
        _chiffres("Aller vers et vie de la structure", [
            ind.chiffre("rep_nb_reperes"),
            ind.chiffre("rep_nb_remobilises"),
            ind.chiffre("evenements_nb"),
            ind.chiffre("rh_nb_salaries"),
        ]),
    ], definition="Les chiffres clés de la période. Chacun est détaillé et défini dans les pages suivantes.",
        texte="synthese")]


def _blocs_cohorte(ind: Indicateurs, prefixe: str) -> list[Bloc | None]:
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


def section_premier_accueil(r: Rapport) -> list[Section]:
    return [r.section(
        "premier_accueil", "Jeunes reçus pour la première fois", _blocs_cohorte(r.ind, "pa"),
        definition="Jeunes venus pour leur premier entretien individuel avec un conseiller au cours de la "
                   "période. Leur profil (logement, âge, lieu de résidence, niveau, mobilité) est celui "
                   "enregistré dans i-milo à la date des exports.",
        texte="premier_accueil", portee=_portee(r.ind, ("pa_",), "premier_accueil"))]


def section_accompagnes(r: Rapport) -> list[Section]:
    ind = r.ind
    return [r.section("accompagnes", "Jeunes accompagnés", _blocs_cohorte(ind, "acc") + [
        _chiffres("Entretiens et allocations PACEA", [
            ind.chiffre("acc_nb_entretiens_individuels"),
            ind.chiffre("pacea_montant_eur"),
            ind.chiffre("pacea_nb_jeunes"),
            ind.chiffre("pacea_moyenne_eur"),
        ]),
    ], definition=ind.definition("acc_nb_jeunes"), texte="accompagnes",
        portee=_portee(ind, ("acc_", "pacea_"), "accompagnes"))]


def section_parcours(r: Rapport) -> list[Section]:
    return [r.section("parcours", "Présentation de parcours", [], texte="parcours", imilo=False,
                      saisie="textes/parcours.md", texte_obligatoire=True)]


def _lignes_dispositifs(ind: Indicateurs, programmes: list[Row],
                        filtre: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Catalogue programmes, then programmes found only in the rows ("Non classé"), ordered by
    échelon then `ordre`; programmes whose counts are all 0 (or absent) are left out. With `filtre`
    (name prefixes), only those programmes and no « Ensemble » row."""
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
        if filtre is not None and not _commence(nom, filtre):
            continue
        valeurs = [ind.valeur(c, nom) for c in COLONNES_DISPOSITIFS]
        if not any(v["valeur"] for v in valeurs if v["unite"] == "nb"):
            continue
        debut_groupe = not lignes or lignes[-1]["echelon"] != echelon
        lignes.append({"echelon": echelon, "libelle": libelle, "dispositif": nom, "valeurs": valeurs,
                       "debut_groupe": debut_groupe, "ensemble": False})
    if filtre is None:
        lignes.append({"echelon": "", "libelle": ENSEMBLE, "dispositif": ENSEMBLE, "debut_groupe": True,
                       "ensemble": True, "valeurs": [ind.valeur(c, ENSEMBLE) for c in COLONNES_DISPOSITIFS]})
    return lignes


def _tableau_dispositifs(ind: Indicateurs, programmes: list[Row], filtre: Sequence[str] | None = None
                         ) -> Bloc | None:
    if not ind.a("disp_nb_beneficiaires"):
        return None
    lignes = _lignes_dispositifs(ind, programmes, filtre)
    if not lignes:
        return None
    return {
        "type": "tableau_dispositifs",
        "colonnes": [{"indicateur": c, "libelle": ind.libelle(c)} for c in COLONNES_DISPOSITIFS],
        "lignes": lignes,
        "notes": [{"libelle": ind.libelle(c), "definition": ind.definition(c)}
                  for c in COLONNES_DISPOSITIFS] if filtre is None else [],
    }


def _motifs(ind: Indicateurs, dispositif: str) -> str:
    """« Emploi durable 12 · Abandon 3 · … », largest first (the rows as they are, only ordered)."""
    motifs = [(m, c["valeur"]) for m, c in ind.sous_modalites("disp_sorties_motif_nb", dispositif)
              if c["valeur"]]
    motifs.sort(key=lambda mv: (_decroissant(mv[1]), mv[0]))
    return " · ".join(f"{m} {fr_nombre(v)}" for m, v in motifs)


def section_dispositifs(r: Rapport) -> list[Section]:
    ind = r.ind
    lignes = _lignes_dispositifs(ind, r.programmes) if ind.a("disp_nb_beneficiaires") else []
    programmes = [ligne for ligne in lignes if not ligne["ensemble"]]
    beneficiaires = _barres(
        ind.libelle("disp_nb_beneficiaires") + " par dispositif",
        [(ligne["libelle"], ligne["valeurs"][0]["valeur"]) for ligne in programmes], "nb")
    sorties = _tableau(
        "Sorties de la période", [ind.libelle("disp_nb_sorties"), ind.libelle("disp_sorties_motif_nb")],
        [{"libelle": ligne["libelle"],
          "cellules": [ind.valeur("disp_nb_sorties", ligne["dispositif"]), _texte(_motifs(ind, ligne["dispositif"]))]}
         for ligne in programmes if ind.nombre("disp_nb_sorties", ligne["dispositif"])],
        ind.definition("disp_nb_sorties"), "Dispositif") if ind.a("disp_nb_sorties") else None
    return [r.section("dispositifs", "Dispositifs et formations", [
        _tableau_dispositifs(ind, r.programmes), beneficiaires, sorties,
    ], definition="Jeunes entrés dans chaque dispositif au cours de la période, avec leur profil, et jeunes "
                  "encore présents à la fin de la période. Un jeune entré dans plusieurs dispositifs compte une "
                  "fois par dispositif, et une seule fois dans la ligne « Ensemble ».",
        texte="dispositifs", portee=_portee(ind, ("disp_",), "dispositifs"))]


def section_cej(r: Rapport) -> list[Section]:
    ind = r.ind
    ids = _portee(ind, ("cej_",), "cej")
    cumuls = [i for i in ids if i.endswith("_cumul")]
    paires = [(i.removesuffix("_cumul"), i) for i in cumuls if i.removesuffix("_cumul") in ids]
    debut_cej = f"Depuis le {fr_date(CEJ_DEBUT)}"
    tableau = _tableau(
        "La période et le cumul depuis le lancement", [fr_periode(ind.debut, ind.fin).capitalize(), debut_cej],
        [{"libelle": ind.libelle(p), "cellules": [ind.valeur(p), ind.valeur(c)]} for p, c in paires],
        premiere_colonne="Indicateur")
    return [r.section("cej", "Contrat d'Engagement Jeune", [
        _chiffres(debut_cej, [ind.chiffre(c) for c in cumuls]),
        tableau,
    ], definition="Le Contrat d'Engagement Jeune (CEJ), lancé le 1er mars 2022 : entrées, sorties et profil des "
                  "jeunes, sur la période et en cumul depuis son lancement.", texte="cej", portee=ids)]


def section_parrainage(r: Rapport) -> list[Section]:
    ind = r.ind
    parrains = None
    if ind.a("parr_nb_parrains_retraites") or ind.a("parr_nb_parrains_actifs"):
        items = [(ind.libelle(i), ind.nombre(i)) for i in ("parr_nb_parrains_retraites", "parr_nb_parrains_actifs")]
        parrains = _graphique("Parrains et marraines selon leur statut", charts.split_bar_chart(
            items, format_value=fr_nombre, width=640, total=ind.nombre("parr_nb_parrains")), demi=False)
    return [r.section("parrainage", "Parrainage", [
        _chiffres("Les jeunes parrainés", [ind.chiffre(i) for i in (
            "parr_nb_jeunes", "parr_nb_jeunes_qpv", "parr_nb_jeunes_zrr", "parr_mineurs_pct")]),
        _chiffres("Les solutions", [ind.chiffre(i) for i in (
            "parr_nb_sorties", "parr_nb_sorties_solution", "parr_nb_abandons")]),
        _chiffres("Les parrains et marraines", [ind.chiffre(i) for i in (
            "parr_nb_parrains", "parr_nb_parrains_retraites", "parr_nb_parrains_actifs", "parr_nb_nouveaux_parrains",
            "parr_jeunes_par_parrain", "parr_entretiens_par_parrain", "parr_duree_moyenne_mois")]),
        parrains,
    ], definition="Des bénévoles, salariés ou retraités, accompagnent un jeune vers l'emploi en complément de "
                  "son conseiller.", texte="parrainage", portee=_portee(ind, ("parr_",), "parrainage"))]


PREFIXES_EMPLOI = ("emploi_", "pmsmp_", "immersion_", "service_civique_", "volontariat_", "entreprises_")


def section_emploi(r: Rapport) -> list[Section]:
    ind = r.ind
    ids = _portee(ind, PREFIXES_EMPLOI, "emploi")
    evolutions = [i for i in ids if i.endswith("_evolution_pct") and ind.a(i)]
    graphique = None
    if evolutions:
        graphique = _graphique(
            "Évolution par rapport à la même période de l'année précédente",
            charts.diverging_bar_chart([(ind.libelle(i), ind.nombre(i)) for i in evolutions], width=640,
                                       label_width=260),
            " ".join(ind.definition(i) for i in evolutions[:1]))
    return [r.section("emploi", "Accès à l'emploi", [
        _chiffres(None, [ind.chiffre("emploi_acces_pct"), ind.chiffre("emploi_nb_jeunes")]),
        _chiffres("Immersions en entreprise", [
            ind.chiffre("pmsmp_nb"), ind.chiffre("pmsmp_evolution_pct", signe=True),
            ind.chiffre("immersion_autres_nb"), ind.chiffre("immersion_nb_jeunes")]),
        _chiffres("Volontariat", [
            ind.chiffre("service_civique_nb"), ind.chiffre("service_civique_evolution_pct", signe=True),
            ind.chiffre("volontariat_autres_nb"), ind.chiffre("volontariat_nb_jeunes")]),
        graphique,
        _chiffres("Acteurs économiques en contact", [
            ind.chiffre("entreprises_nb_contacts"), ind.chiffre("entreprises_nb_nouveaux_contacts")]),
    ], definition="L'accès des jeunes accompagnés à l'emploi, les immersions en entreprise, le volontariat et "
                  "les relations avec les employeurs.", texte="emploi", portee=ids)]


def section_qpv(r: Rapport) -> list[Section]:
    ind = r.ind
    qpv = [(m, ind.nombre("qpv_nb_jeunes", m)) for m in ind.modalites_de("qpv_nb_jeunes")]
    return [r.section("qpv", "Intervention dans les quartiers prioritaires de la ville", [
        _chiffres(None, [ind.chiffre("pa_qpv_pct"), ind.chiffre("acc_qpv_pct"),
                         ind.chiffre("disp_qpv_pct", ENSEMBLE, "Part des jeunes entrés en dispositif résidant en QPV"),
                         ind.chiffre("parr_nb_jeunes_qpv")]),
        _barres(ind.libelle("qpv_nb_jeunes"), qpv, "nb", ind.definition("qpv_nb_jeunes")),
    ], definition="Les jeunes qui résident dans un quartier prioritaire de la politique de la ville (QPV).",
        texte="qpv", portee=_portee(ind, ("qpv_",), "qpv"))]


def _epci(ind: Indicateurs) -> list[str]:
    return [m for m in ind.modalites_de("terr_nb_jeunes") if m != HORS_TERRITOIRE]


def section_territoires(r: Rapport) -> list[Section]:
    ind = r.ind
    ids = [i for i in _portee(ind, ("terr_",), "territoires") if ind.a(i)]
    territoires = ind.modalites_de("terr_nb_jeunes")
    comparaison = _barres(ind.libelle("terr_nb_jeunes"),
                          [(t, ind.nombre("terr_nb_jeunes", t)) for t in territoires], "nb",
                          ind.definition("terr_nb_jeunes"))
    tableau = _tableau("Comparaison des territoires", [ind.libelle(i) for i in ids],
                       [{"libelle": t, "cellules": [ind.valeur(i, t) for i in ids], "total": t == HORS_TERRITOIRE}
                        for t in territoires], premiere_colonne="Territoire")
    sections = [r.section("territoires", "Intervention sur les territoires", [comparaison, tableau],
                          definition="Les jeunes accompagnés selon l'intercommunalité (EPCI) de leur commune de "
                                     "résidence ; « Hors territoire » : communes extérieures au ressort de la Mission "
                                     "Locale.", texte="territoires", portee=ids)]
    profil = ("terr_nb_jeunes", "terr_emploi_pct", "terr_zrr_pct", "terr_nb_jeunes_dispositif",
              "terr_nb_entretiens_individuels")
    mobilite = ("terr_sans_locomotion_nb", "terr_permis_b_nb", "terr_voiture_nb")
    for epci in _epci(ind):
        autres = [i for i in ids if i not in profil + mobilite]
        sections.append(r.section(
            f"territoire-{slug(epci)}", epci, [
                _chiffres(None, [ind.chiffre(i, epci) for i in profil]),
                _chiffres("Mobilité", [ind.chiffre(i, epci) for i in mobilite]),
                _chiffres("Autres indicateurs", [ind.chiffre(i, epci) for i in autres]),
            ], definition=f"Les jeunes accompagnés qui résident sur le territoire de : {epci}.",
            texte=f"territoires/{slug(epci)}", niveau=2))
    return sections


def _dispositifs_nommes(ind: Indicateurs, prefixes: Sequence[str]) -> list[str]:
    return [m for m in ind.modalites.get("disp_nb_beneficiaires", []) if _commence(m, prefixes)]


def section_ctai(r: Rapport) -> list[Section]:
    ind = r.ind
    blocs: list[Bloc | None] = []
    for dispositif in _dispositifs_nommes(ind, PROGRAMMES_CTAI):
        blocs += [
            _intertitre(dispositif),
            _chiffres(None, [ind.chiffre(i, dispositif) for i in (
                "disp_nb_beneficiaires", "disp_nb_presents_fin", "disp_nb_sorties", "disp_femmes_pct",
                "disp_mineurs_pct", "disp_sans_qualification_pct", "disp_qpv_pct")]),
            _barres("Sorties par motif", [(m, c["valeur"]) for m, c in
                                          ind.sous_modalites("disp_sorties_motif_nb", dispositif)], "nb",
                    ind.definition("disp_sorties_motif_nb")),
        ]
    return [r.section("ctai", "CTAI – L'insertion des jeunes primo-arrivants", blocs,
                      definition="Jeunes accompagnés dans le cadre du contrat territorial d'accueil et d'intégration "
                                 "(dispositif « " + " », « ".join(PROGRAMMES_CTAI) + " … » d'i-milo).",
                      texte="ctai")]


def _liste_evenements(evenements: list[Row], titre: str | None = None) -> Bloc | None:
    if not evenements:
        return None
    return {"type": "evenements", "titre": titre, "evenements": [
        {"jours": fr_jours(_as_date(e["debut_date"]), _as_date(e["fin_date"]) if e.get("fin_date") else None),
         "titre": e["titre"], "description": e.get("description") or "", "rubrique": e.get("rubrique") or "",
         "visiteurs": _clean(e.get("visiteurs"))} for e in evenements]}


def section_sante(r: Rapport) -> list[Section]:
    ind = r.ind
    evenements = [e for e in r.evenements if e.get("rubrique") == RUBRIQUE_SANTE]
    return [r.section("sante", "Action santé", [
        _tableau_dispositifs(ind, r.programmes, PROGRAMMES_SANTE),
        _chiffres("Événements santé", [
            ind.chiffre("evenements_rubrique_nb", RUBRIQUE_SANTE, "Événements santé"),
            ind.chiffre("evenements_rubrique_visiteurs_nb", RUBRIQUE_SANTE, "Visiteurs des événements santé")]),
        r.liste_evenements(evenements),
    ], definition="Les dispositifs de santé (psychologue, projets santé, actions sport et santé) et les "
                  "événements de la rubrique « Santé ».", texte="sante", saisie="evenements.yaml")]


def section_reperage(r: Rapport) -> list[Section]:
    ind = r.ind
    ids = _portee(ind, ("rep_",), "reperage")
    par_canal = [i for i in ids if i.endswith("_canal") and ind.a(i)]
    canaux: list[str] = []
    for i in par_canal:
        canaux += [m for m in ind.modalites_de(i) if m not in canaux]
    tableau = _tableau("Par canal de repérage", [ind.libelle(i) for i in par_canal],
                       [{"libelle": c, "cellules": [ind.valeur(i, c) for i in par_canal]} for c in canaux],
                       premiere_colonne="Canal")
    reperes = _barres(ind.libelle("rep_nb_reperes_canal"),
                      [(c, ind.nombre("rep_nb_reperes_canal", c)) for c in ind.modalites_de("rep_nb_reperes_canal")],
                      "nb", ind.definition("rep_nb_reperes"))
    return [r.section("reperage", "Repérage et remobilisation", [
        _chiffres(None, [ind.chiffre(i) for i in ("rep_nb_contacts", "rep_nb_reperes", "rep_nb_remobilises")]),
        reperes, tableau,
    ], definition="Les actions « aller vers » : contacts avec des jeunes hors de tout accompagnement, jeunes "
                  "repérés et remobilisés.", texte="reperage", portee=ids)]


def section_egalite(r: Rapport) -> list[Section]:
    ind = r.ind
    publics = [("Jeunes reçus pour la première fois", ind.nombre("pa_sexe_pct", "F")),
               ("Jeunes accompagnés", ind.nombre("acc_sexe_pct", "F")),
               ("Jeunes entrés dans un dispositif", ind.nombre("disp_femmes_pct", ENSEMBLE)),
               ("Jeunes entrés en CEJ", ind.nombre("cej_femmes_pct")),
               ("Jeunes entrés en CEJ depuis 2022", ind.nombre("cej_femmes_pct_cumul"))]
    lignes = _lignes_dispositifs(ind, r.programmes) if ind.a("disp_femmes_pct") else []
    programmes = [(ligne["libelle"], ind.nombre("disp_femmes_pct", ligne["dispositif"]))
                  for ligne in lignes if not ligne["ensemble"]]
    equipe = None
    if ind.a("rh_sexe_nb"):
        equipe = _graphique("L'équipe de la Mission Locale", charts.split_bar_chart(
            [(ligne["libelle"], ligne["valeur"]) for ligne in ind.repartition("rh_sexe_nb")],
            format_value=fr_nombre, width=640, total=ind.nombre("rh_nb_salaries")), ind.definition("rh_sexe_nb"))
    return [r.section("egalite", "Égalité filles-garçons", [
        _barres("Part des jeunes femmes selon le public", [(p, v) for p, v in publics if v is not None], "pct",
                "Part des femmes dans chaque public, d'après les répartitions par sexe de ce rapport.",
                echelle_100=True),
        _barres("Part des jeunes femmes par dispositif", programmes, "pct", ind.definition("disp_femmes_pct"),
                echelle_100=True),
        equipe,
    ], definition="La place des jeunes femmes et des jeunes hommes dans chaque public et chaque dispositif.",
        texte="egalite")]


def section_structure(r: Rapport) -> list[Section]:
    if "structure" not in r.textes:
        return []
    return [r.section("structure", "Vie de la structure", [], texte="structure", imilo=False,
                      saisie="textes/structure.md", texte_obligatoire=True)]


def section_organigramme(r: Rapport) -> list[Section]:
    ind = r.ind
    contrats = sorted(ind.modalites_de("rh_contrat_nb"),
                      key=lambda c: (CONTRATS.index(c) if c in CONTRATS else len(CONTRATS), c))
    sexes = ind.repartition("rh_sexe_nb") if ind.a("rh_sexe_nb") else []
    graphique, note = None, ""
    barres = [(c, [ind.nombre("rh_contrat_sexe_nb", f"{c}|{s['modalite']}") for s in sexes]) for c in contrats]
    if any(est_masque(v) for _, valeurs in barres for v in valeurs):
        # a bar without its masked part would not be the contract's headcount: the table alone shows them
        note = "Le graphique par type de contrat n'est pas repris : une partie des effectifs est masquée."
    elif contrats and ind.a("rh_contrat_sexe_nb"):
        graphique = _graphique("Salariés par type de contrat et sexe", charts.stacked_bar_chart(
            barres, [s["libelle"] for s in sexes], width=640, label_width=200))
    tableau = _tableau(None, [s["libelle"] for s in sexes] + [ENSEMBLE],
                       [{"libelle": c, "cellules": [ind.valeur("rh_contrat_sexe_nb", f"{c}|{s['modalite']}")
                                                    for s in sexes] + [ind.valeur("rh_contrat_nb", c)]}
                        for c in contrats], note, premiere_colonne="Type de contrat")
    return [r.section("organigramme", "Organigramme", [
        _chiffres(None, [ind.chiffre("rh_nb_salaries")]
                  + [ind.chiffre("rh_sexe_nb", s["modalite"], s["libelle"]) for s in sexes]),
        graphique, tableau,
    ], definition="L'équipe de la Mission Locale au 31 décembre : salariés par sexe et par type de contrat.",
        texte="organigramme", saisie="effectifs.yaml", imilo=False,
        portee=_portee(ind, ("rh_",), "organigramme"))]


def section_evenements(r: Rapport) -> list[Section]:
    ind = r.ind
    par_rubrique = ("evenements_rubrique_nb", "evenements_rubrique_visiteurs_nb")
    rubriques = sorted((m for m in ind.modalites_de(par_rubrique[0]) if ind.nombre(par_rubrique[0], m)),
                       key=lambda m: _decroissant(ind.nombre(par_rubrique[0], m)))
    titre = f"Événements {ind.debut.year}" if _annuel(ind) else "Événements"
    return [r.section("evenements", titre, [
        _chiffres(None, [ind.chiffre("evenements_nb"), ind.chiffre("evenements_visiteurs_nb")]),
        _tableau("Par rubrique", [ind.libelle(i) for i in par_rubrique],
                 [{"libelle": m, "cellules": [ind.valeur(i, m) for i in par_rubrique]} for m in rubriques],
                 premiere_colonne="Rubrique"),
        r.liste_evenements(r.evenements, "Les événements de la période"),
    ], definition="Les événements organisés ou co-organisés par la Mission Locale pendant la période.",
        texte="evenements", saisie="evenements.yaml", imilo=False,
        portee=_portee(ind, ("evenements_",), "evenements"))]


def section_budget(r: Rapport) -> list[Section]:
    ind = r.ind
    budgets: list[str] = []
    for i in ("budget_charges_eur", "budget_produits_eur"):
        budgets += [m for m in ind.modalites_de(i) if m not in budgets]
    blocs: list[Bloc | None] = []
    for budget in budgets:
        blocs += [_intertitre(f"Budget {budget[:1].lower()}{budget[1:]}"),
                  _chiffres(None, [ind.chiffre("budget_charges_eur", budget),
                                   ind.chiffre("budget_produits_eur", budget)])]
        for i in ("budget_charges_poste_eur", "budget_produits_poste_eur"):
            postes = sorted(((p, c["valeur"]) for p, c in ind.sous_modalites(i, budget)),
                            key=lambda pv: _decroissant(pv[1] or 0))
            blocs.append(_barres(ind.libelle(i), postes, "eur", demi=False))
    titre = "Budget"
    if len(budgets) == 1:
        titre = f"Budget {budgets[0][:1].lower()}{budgets[0][1:]}"
        blocs = blocs[1:]
    return [r.section("budget", titre, blocs, definition="Charges et produits du budget de l'association.",
                      texte="budget", saisie="budget.yaml", imilo=False,
                      portee=_portee(ind, ("budget_",), "budget"))]


def section_satisfaction(r: Rapport) -> list[Section]:
    ind = r.ind
    blocs: list[Bloc | None] = []
    for public, titre in (("jeunes", "Satisfaction des jeunes"), ("employeurs", "Satisfaction des employeurs")):
        questions = sorted(((q, ind.nombre(f"satisfaction_{public}_pct", q))
                            for q in ind.modalites_de(f"satisfaction_{public}_pct")),
                           key=lambda qv: _decroissant(qv[1] or 0))
        repondants = _chiffres(None, [ind.chiffre(f"satisfaction_repondants_{public}_nb")])
        barres = _barres(ind.libelle(f"satisfaction_{public}_pct"), questions, "pct",
                         ind.definition(f"satisfaction_{public}_pct"), echelle_100=True)
        if repondants or barres:
            blocs += [_intertitre(titre), repondants, barres]
    return [r.section("satisfaction", "Baromètre de satisfaction", blocs,
                      definition="Les résultats des enquêtes de satisfaction menées auprès des jeunes accompagnés "
                                 "et des employeurs partenaires.", texte="satisfaction", saisie="satisfaction.yaml",
                      imilo=False, portee=_portee(ind, ("satisfaction_",), "satisfaction"))]


# The sections in the order of the seed report (rapport d'activité 2024 of a Mission Locale).
SECTIONS: tuple[Constructeur, ...] = (
    section_synthese,
    section_premier_accueil,
    section_accompagnes,
    section_parcours,
    section_dispositifs,
    section_cej,
    section_parrainage,
    section_emploi,
    section_qpv,
    section_territoires,
    section_ctai,
    section_sante,
    section_reperage,
    section_egalite,
    section_structure,
    section_organigramme,
    section_evenements,
    section_budget,
    section_satisfaction,
)
# Id prefix → the one section that shows it (others may quote it, not list it).
PREFIXES_SECTIONS = {
    "pa_": "premier_accueil", "acc_": "accompagnes", "pacea_": "accompagnes", "disp_": "dispositifs",
    "cej_": "cej", "parr_": "parrainage", **dict.fromkeys(PREFIXES_EMPLOI, "emploi"), "qpv_": "qpv",
    "terr_": "territoires", "rep_": "reperage", "rh_": "organigramme", "evenements_": "evenements",
    "budget_": "budget", "satisfaction_": "satisfaction",
}


def _section_par_prefixe(indicateur: str) -> str | None:
    return next((s for p, s in PREFIXES_SECTIONS.items() if indicateur.startswith(p)), None)


def _annuel(ind: Indicateurs) -> bool:
    return ind.debut == date(ind.debut.year, 1, 1) and ind.fin == date(ind.debut.year, 12, 31)


def _mission_locale(meta: Mapping[str, Any]) -> dict[str, Any]:
    mission_locale = dict(meta.get("mission_locale") or {})
    if not mission_locale.get("nom"):
        raise ValueError("Rapport : le nom de la Mission Locale manque "
                         "(clé « nom » de config/mission_locale.yaml)")
    mission_locale.setdefault("nom_court", mission_locale["nom"])
    return mission_locale


def build_report_context(rows: Iterable[Row], dictionnaire: Iterable[Row], programmes: Iterable[Row],
                         meta: Mapping[str, Any], vocabulaires: Iterable[Row] | None = None, *,
                         textes: Mapping[str, str] | None = None,
                         evenements: Iterable[Row] | None = None, version: str = INTERNE,
                         seuil: int = SEUIL_PUBLIC) -> dict[str, Any]:
    """The report's context: the rows of the period meta['periode_debut']..meta['periode_fin'], selected
    and ordered into sections.

    `rows`: the indicator table (periode_debut, periode_fin, indicateur, modalite, valeur, unite);
    `dictionnaire`, `programmes`, `vocabulaires`: the rows of the seeds indicateurs_dictionnaire.csv,
    programmes.csv and vocabulaires.csv (without `vocabulaires`, breakdowns keep the order of the rows);
    `meta`: mission_locale (config/mission_locale.yaml), periode_debut, periode_fin, date_exports, genere_le;
    `textes`: the Mission Locale's Markdown texts by name (lib.saisies.lire_textes);
    `evenements`: the events (stg_saisies__evenements rows: debut_date, fin_date, titre, description,
    rubrique, visiteurs); only those starting in the period are listed;
    `version`: `interne` (the exact rows) or `publique` (`rows` masked by disclosure control with threshold `seuil`).
    """
    mission_locale = _mission_locale(meta)
    diffusion = _diffusion(version, seuil)
    debut, fin = _as_date(meta["periode_debut"]), _as_date(meta["periode_fin"])
    ind = Indicateurs(rows, dictionnaire, debut, fin, vocabulaires, diffusion["seuil"])
    evenements = sorted((e for e in evenements or [] if debut <= _as_date(e["debut_date"]) <= fin),
                        key=lambda e: (_as_date(e["debut_date"]), e.get("evenement_ordre") or 0))
    rapport = Rapport(ind, list(programmes), textes or {}, evenements, meta.get("date_exports"),
                      publique=diffusion["publique"])
    sections = [section for construire in SECTIONS for section in construire(rapport)]
    textes_ignores = sorted(set(rapport.textes) - rapport.textes_utilises)
    non_montres = sorted(set(ind.modalites) - rapport.montres)
    return {
        "gabarit": TEMPLATE,
        "titre": "Rapport d'activité",
        "mission_locale": mission_locale,
        "periode_debut": debut,
        "periode_fin": fin,
        "date_exports": meta.get("date_exports"),
        "genere_le": meta.get("genere_le"),
        "sections": sections,
        "textes_ignores": textes_ignores,
        "indicateurs_non_montres": non_montres,
        "diffusion": diffusion,
    }


# --------------------------------------------------------------------------------------------
# Monthly dashboard
# --------------------------------------------------------------------------------------------
# (group title, [(indicateur, modalité, libellé or None)]): the key figures of a month.
CHIFFRES_MOIS: tuple[tuple[str, tuple[tuple[str, str | None, str | None], ...]], ...] = (
    ("Accueil et accompagnement", (
        ("pa_nb_jeunes", None, None), ("acc_nb_jeunes", None, None),
        ("acc_nb_entretiens_individuels", None, None), ("pacea_montant_eur", None, None),
        ("pacea_nb_jeunes", None, None))),
    ("Dispositifs", (
        ("disp_nb_beneficiaires", ENSEMBLE, "Jeunes entrés dans un dispositif"),
        ("disp_nb_sorties", ENSEMBLE, "Jeunes sortis d'un dispositif"),
        ("cej_nb_entrees", None, None), ("cej_nb_sorties", None, None), ("cej_sorties_positives_pct", None, None))),
    ("Parrainage", (
        ("parr_nb_jeunes", None, None), ("parr_nb_parrains", None, None), ("parr_nb_sorties_solution", None, None))),
    ("Emploi et immersions", (
        ("emploi_nb_jeunes", None, None), ("emploi_acces_pct", None, None), ("pmsmp_nb", None, None),
        ("pmsmp_evolution_pct", None, None), ("service_civique_nb", None, None),
        ("entreprises_nb_contacts", None, None), ("entreprises_nb_nouveaux_contacts", None, None))),
    ("Repérage", (
        ("rep_nb_contacts", None, None), ("rep_nb_reperes", None, None), ("rep_nb_remobilises", None, None))),
    ("Événements", (("evenements_nb", None, None), ("evenements_visiteurs_nb", None, None))),
)


def build_dashboard_context(rows: Iterable[Row], dictionnaire: Iterable[Row], programmes: Iterable[Row],
                            meta: Mapping[str, Any], vocabulaires: Iterable[Row] | None = None, *,
                            version: str = INTERNE, seuil: int = SEUIL_PUBLIC) -> dict[str, Any]:
    """The monthly dashboard: key figures of the month meta['periode_debut']..meta['periode_fin'] beside
    those of the year to date (1 January → end of the month), and the programme entries of both.
    Rows missing in both periods are left out; a group without rows says « Données non disponibles ».
    `version`, `seuil`: as for the report."""
    mission_locale = _mission_locale(meta)
    diffusion = _diffusion(version, seuil)
    rows = list(rows)
    dictionnaire = list(dictionnaire)
    debut, fin = _as_date(meta["periode_debut"]), _as_date(meta["periode_fin"])
    cumul_debut = date(debut.year, 1, 1)
    mois = Indicateurs(rows, dictionnaire, debut, fin, vocabulaires, diffusion["seuil"])
    cumul = Indicateurs(rows, dictionnaire, cumul_debut, fin, vocabulaires, diffusion["seuil"])
    groupes = []
    for titre, chiffres in CHIFFRES_MOIS:
        lignes = []
        for indicateur, modalite, libelle in chiffres:
            m, c = mois.valeur(indicateur, modalite), cumul.valeur(indicateur, modalite)
            if m["present"] or c["present"]:
                lignes.append({"libelle": libelle or mois.libelle(indicateur), "mois": m, "cumul": c,
                               "signe": indicateur.endswith("_evolution_pct")})
        groupes.append({"titre": titre, "lignes": lignes})
    programmes = list(programmes)
    entrees = []
    for ligne in _lignes_dispositifs(cumul, programmes) if cumul.a("disp_nb_beneficiaires") else []:
        entrees.append({"libelle": ligne["libelle"], "ensemble": ligne["ensemble"],
                        "mois": mois.valeur("disp_nb_beneficiaires", ligne["dispositif"]),
                        "cumul": ligne["valeurs"][0]})
    return {
        "gabarit": TEMPLATE_TABLEAU_DE_BORD,
        "titre": "Tableau de bord mensuel",
        "mission_locale": mission_locale,
        "periode_debut": debut,
        "periode_fin": fin,
        "cumul_debut": cumul_debut,
        "date_exports": meta.get("date_exports"),
        "genere_le": meta.get("genere_le"),
        "groupes": groupes,
        "entrees": entrees,
        "definition_entrees": mois.definition("disp_nb_beneficiaires"),
        "diffusion": diffusion,
        "legende": legende_secret(mois.masques | cumul.masques),
    }


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------
def nom_fichier(periode: Periode, version: str = INTERNE) -> str:
    """The PDF of a run: the monthly dashboard for a month, the activity report otherwise; the public version's
    name ends in `_public` (`rapport_activite_2024_public.pdf`)."""
    prefixe = "tableau_de_bord" if periode.is_mois else "rapport_activite"
    return f"{prefixe}_{periode.label}{'_public' if version == PUBLIQUE else ''}.pdf"


def _diffusion(version: str, seuil: int) -> dict[str, Any]:
    """What the templates need to know of the version: the internal one is marked « Diffusion restreinte »."""
    if version not in VERSIONS:
        raise ValueError(f"Version du rapport inconnue : {version!r} (attendu : {', '.join(VERSIONS)})")
    publique = version == PUBLIQUE
    return {"version": version, "publique": publique, "interne": not publique, "seuil": seuil}


@dataclass(frozen=True)
class Diffusion:
    """Which versions of the report a run writes, and the threshold k of the public one (config/diffusion.yaml)."""

    versions: tuple[str, ...] = VERSIONS
    seuil: int = SEUIL_PUBLIC


def lire_diffusion(path: str | Path) -> Diffusion:
    """config/diffusion.yaml (keys `versions`, `seuil`); a missing file gives the defaults (both, k = 5). A mistake
    is refused with the file and the key named."""
    path = Path(path)
    nom = f"config/{path.name}"
    if not path.is_file():
        return Diffusion()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigurationInvalide(f"{nom} : YAML illisible ({exc})") from None
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ConfigurationInvalide(f"{nom} : attendu les clés versions et seuil")
    problemes = []
    if inconnues := sorted(set(data) - {"versions", "seuil"}):
        problemes.append(f"clé(s) inconnue(s) {inconnues} (attendu versions, seuil)")
    versions = data.get("versions", list(VERSIONS))
    if isinstance(versions, str):
        versions = [versions]
    if not isinstance(versions, list) or not versions:
        problemes.append(f"`versions` : {versions!r} invalide (attendu une liste parmi {list(VERSIONS)})")
        versions = []
    elif bad := [v for v in versions if v not in VERSIONS]:
        problemes.append(f"`versions` : {bad} inconnue(s) (attendu parmi {list(VERSIONS)})")
    seuil = data.get("seuil", SEUIL_PUBLIC)
    if not isinstance(seuil, int) or isinstance(seuil, bool) or seuil < 2:
        problemes.append(f"`seuil` : {seuil!r} invalide (attendu un entier ≥ 2)")
    if problemes:
        raise ConfigurationInvalide("\n".join(f"{nom} : {p}" for p in problemes))
    return Diffusion(tuple(v for v in VERSIONS if v in versions), seuil)


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
