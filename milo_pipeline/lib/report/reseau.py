"""The network's activity report (« Rapport d'activité du réseau »): the consolidation of many Missions Locales'
packages laid out as a Mission Locale's report, then compared structure by structure.

- The network part is `build_report_context` on the network's rows only (structure = the network's code), with the
  network's identity in place of the Mission Locale's: the same sections, in the same order. The network has no
  texts or events entered by hand: the sections that need them say so, as for a Mission Locale without them. An
  indicator that does not aggregate (dictionary `agregation` = `non_agregeable`, the territories: each structure
  has its own) has no network row: its section says it is left to each structure's own report.
- « Comparaison des structures »: for each headline indicator (layout.RESEAU_COMPARAISON) a table, one row per
  included structure (its short name, its value) then the network's row in bold, and a bar chart, the network as a
  bar of another colour and a dashed line for a share or a mean, its total written for a count.
- « Structures consolidées »: the structures included (with their package's date when known), refused (with the
  reason) and missing.
- The annex « Définitions et sources » defines every indicator printed; its source files are each structure's.

The context is built from plain data (the consolidation's network, period, structures and rows) so that the caller
(lib/reseau) passes what it has. The public version is built from the rows masked by disclosure control (a masked
cell's `valeur` is `"s"`, its `secret` the reason, as `extraits.table_publique` gives them): a count masked because
it is from 1 to k−1 reads « < k », any other masked value « s », never drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from milo_pipeline.lib import charts
from milo_pipeline.lib.extraits.tracabilite import Tracabilite
from milo_pipeline.lib.formatting import Masque, fr_date, fr_nombre, fr_texte, fr_valeur
from milo_pipeline.lib.periods import Periode

from . import layout
from .annexe import ANNEXE
from .blocs import Bloc, graphique, tableau, texte
from .diffusion import INTERNE, PUBLIQUE, SEUIL_PUBLIC, legende_secret
from .indicateurs import Indicateurs, Row
from .rapport import build_report_context
from .rendu import SECTION_TEMPLATE, render_report

TITRE = "Rapport d'activité du réseau"
TEMPLATE_RESEAU = "_reseau_rapport.html.j2"
INCLUSE, REFUSEE, MANQUANTE = "incluse", "refusee", "manquante"
STATUTS = (INCLUSE, REFUSEE, MANQUANTE)
NON_AGREGEABLE = "non_agregeable"
SOMME = "somme"
# Beyond this many structures a chart would no longer fit a page, and a table per indicator would take a hundred
# pages: one table of every headline indicator, no chart.
MAX_BARRES = 40
SOURCES = "paquets réseau des structures incluses"
NON_AGREGEABLE_TEXTE = ("Indicateurs non agrégeables au niveau du réseau : chaque structure les rend selon son propre "
                        "ressort (ses intercommunalités, « Hors territoire ») ; voir le rapport d'activité de chaque "
                        "structure.")
# The network part's sources, said of the structures (section.Rapport.section writes them for one Mission Locale).
SOURCES_STRUCTURES = (("exports i-milo", "exports i-milo des structures"),
                      ("saisie de la Mission Locale", "saisies des structures"))
FICHIERS_RESEAU = ("Les fichiers sources sont ceux de chaque structure (listés dans l'annexe de son propre rapport "
                   "d'activité) ; les paquets consolidés sont listés dans « Structures consolidées ».")


@dataclass(frozen=True)
class QualiteReseau:
    """The quality line of the network's annex (what `Qualite` gives a Mission Locale's)."""

    paquets: int
    avertissements: tuple[str, ...] = ()
    ingestion: tuple[str, ...] = ()

    def resume(self) -> str:
        n = self.paquets
        publies = "chacun publié" if n > 1 else "publié"
        return (f"{fr_nombre(n)} paquet{'s' if n > 1 else ''} consolidé{'s' if n > 1 else ''}, {publies} par une "
                "exécution dont les contrôles bloquants ont tous réussi ; sommes de contrôle, contrat, période et "
                "version du dictionnaire des indicateurs vérifiés à la consolidation.")


def nom_fichier_reseau(periode: Periode, version: str = INTERNE, extension: str = "pdf") -> str:
    """`rapport_reseau_2024.pdf`, `rapport_reseau_2024_public.html`…"""
    return f"rapport_reseau_{periode.label}{'_public' if version == PUBLIQUE else ''}.{extension}"


def _champ(objet: Any, nom: str) -> Any:
    """A field of a structure given as a mapping or as an object (lib/reseau's StructureReseau)."""
    return objet.get(nom) if isinstance(objet, Mapping) else getattr(objet, nom, None)


def _structures(structures: Iterable[Any]) -> list[dict[str, Any]]:
    resultat = []
    for s in structures:
        code, statut = _champ(s, "code"), _champ(s, "statut")
        if statut not in STATUTS:
            raise ValueError(f"Rapport du réseau : statut « {statut} » de la structure {code} inconnu "
                             f"(attendu : {', '.join(STATUTS)})")
        nom = _champ(s, "nom") or code
        resultat.append({"code": code, "nom": nom, "nom_court": _champ(s, "nom_court") or nom, "statut": statut,
                         "motif": _champ(s, "motif"), "genere_le": _champ(s, "genere_le")})
    return sorted(resultat, key=lambda s: s["code"])


def _identite(reseau: Mapping[str, Any]) -> dict[str, Any]:
    if not reseau.get("code") or not reseau.get("nom"):
        raise ValueError("Rapport du réseau : le code et le nom du réseau manquent (clés « code » et « nom » de "
                         "config/reseau.yaml)")
    return {"code": reseau["code"], "nom": reseau["nom"], "nom_court": reseau.get("nom_court") or reseau["nom"],
            "region": reseau.get("region")}


def perimetre(structures: Sequence[Mapping[str, Any]]) -> str:
    """« Réseau de 3 structures consolidées (sur 5 : 1 refusée, 1 manquante). »"""
    n = {statut: sum(s["statut"] == statut for s in structures) for statut in STATUTS}
    texte_ = f"Réseau de {fr_nombre(n[INCLUSE])} structure{'s' if n[INCLUSE] > 1 else ''} " \
             f"consolidée{'s' if n[INCLUSE] > 1 else ''}"
    ecarts = [f"{fr_nombre(n[s])} {mot}{'s' if n[s] > 1 else ''}"
              for s, mot in ((REFUSEE, "refusée"), (MANQUANTE, "manquante")) if n[s]]
    if ecarts:
        texte_ += f" (sur {fr_nombre(len(structures))} : {', '.join(ecarts)})"
    return texte_ + "."


def _par_structure(lignes: Iterable[Row], code_reseau: str, incluses: set[str]) -> dict[str, list[Row]]:
    groupes: dict[str, list[Row]] = {code: [] for code in (code_reseau, *incluses)}
    for ligne in lignes:
        code = ligne["structure"]
        if code not in groupes:
            raise ValueError(f"Rapport du réseau : lignes de la structure « {code} », qui n'est pas une structure "
                             "incluse de la consolidation")
        groupes[code].append(ligne)
    return groupes


def _section(id_: str, titre: str, blocs: list[Bloc], *, definition: str = "", niveau: int = 1,
             absent: str | None = None, masques: Iterable[Masque] = (), sources: str = SOURCES) -> dict[str, Any]:
    """A section of the network's own parts, in the shape `section.Rapport.section` gives."""
    return {"id": id_, "titre": titre, "definition": definition, "blocs": blocs, "texte": None, "absent": absent,
            "sources": sources, "niveau": niveau, "gabarit": SECTION_TEMPLATE, "legende": legende_secret(masques)}


@dataclass(frozen=True)
class Comparaison:
    """One headline indicator: its dictionary row, each included structure's cell (short name, cell), the network's."""

    indicateur: str
    modalite: str | None
    dictionnaire: Row
    cellules: list[tuple[str, dict[str, Any]]]
    reseau: dict[str, Any]
    masques: set[Masque]  # the masked values among them (the legend of their section)

    @property
    def libelle(self) -> str:
        return self.dictionnaire.get("libelle") or self.indicateur

    @property
    def unite(self) -> str:
        return self.dictionnaire.get("unite") or "nb"

    @property
    def somme(self) -> bool:
        return (self.dictionnaire.get("agregation") or SOMME) == SOMME


def comparaisons(reseau: Mapping[str, Any], incluses: Sequence[Mapping[str, Any]],
                 valeurs: Mapping[str, Indicateurs], dictionnaire: Mapping[str, Row]) -> list[Comparaison]:
    """The headline indicators (layout.RESEAU_COMPARAISON) with a value somewhere, each structure's and the
    network's cells."""
    resultat = []
    for indicateur, modalite in layout.RESEAU_COMPARAISON:
        if indicateur not in dictionnaire:
            continue
        cellules = [(s["nom_court"], valeurs[s["code"]].valeur(indicateur, modalite)) for s in incluses]
        du_reseau = valeurs[reseau["code"]].valeur(indicateur, modalite)
        masques = _masques(valeurs)
        if any(c["present"] for _, c in [*cellules, (None, du_reseau)]):
            resultat.append(Comparaison(indicateur, modalite, dictionnaire[indicateur], cellules, du_reseau, masques))
    return resultat


def _masques(valeurs: Mapping[str, Indicateurs]) -> set[Masque]:
    """The masked values read since the last call (a section's legend)."""
    masques = set().union(*(v.masques for v in valeurs.values()))
    for v in valeurs.values():
        v.masques.clear()
    return masques


def _section_indicateur(c: Comparaison, libelle_reseau: str, ids: list[str]) -> dict[str, Any]:
    """One headline indicator: its table (each structure, then the network in bold) and its chart."""
    calcul = ("la somme des structures" if c.somme else
              "calculée sur les sommes des numérateurs et des dénominateurs des structures (ce n'est pas la "
              "moyenne de leurs valeurs)")
    lignes = [{"libelle": nom, "cellules": [cellule]} for nom, cellule in c.cellules]
    lignes.append({"libelle": libelle_reseau, "cellules": [c.reseau], "total": True})
    svg = charts.reference_bar_chart(
        [(nom, cellule["valeur"]) for nom, cellule in c.cellules], (libelle_reseau, c.reseau["valeur"]),
        title=c.libelle, line=not c.somme, scale_max=100 if c.unite == "pct" else None,
        format_value=lambda v, unite=c.unite: fr_valeur(v, unite))
    note = ("La valeur du réseau est écrite sans barre : c'est le total des structures." if c.somme else
            "La valeur du réseau est la barre claire et le trait pointillé.")
    blocs = [tableau("Par structure", [c.libelle], lignes, premiere_colonne="Structure", indicateurs=ids),
             graphique("Graphique par structure", svg, note, indicateurs=ids)]
    return _section(f"comparaison-{c.indicateur}" + (f"-{c.modalite}" if c.modalite else ""), c.libelle,
                    [b for b in blocs if b], niveau=2, masques=c.masques,
                    definition=f"{c.dictionnaire.get('definition') or ''} Valeur du réseau : {calcul}.".strip())


def sections_comparaison(reseau: Mapping[str, Any], incluses: Sequence[Mapping[str, Any]],
                         valeurs: Mapping[str, Indicateurs], dictionnaire: Mapping[str, Row],
                         renvois: Mapping[str, Any]) -> list[dict[str, Any]]:
    """« Comparaison des structures », then one sub-section per headline indicator with a value somewhere (a table
    and a chart); beyond MAX_BARRES structures, one table of every headline indicator instead (no chart: its bars
    would not fit a page; a table per indicator would take a hundred pages)."""
    libelle_reseau = f"Réseau ({reseau['nom_court']})"
    liste = comparaisons(reseau, incluses, valeurs, dictionnaire)
    ids = [c.indicateur for c in liste if c.indicateur in renvois]
    if len(incluses) <= MAX_BARRES:
        sous_sections = [_section_indicateur(c, libelle_reseau, [c.indicateur] if c.indicateur in renvois else [])
                         for c in liste]
    else:
        lignes = [{"libelle": nom, "cellules": [c.cellules[k][1] for c in liste]}
                  for k, (nom, _) in enumerate(liste[0].cellules if liste else [])]
        lignes.append({"libelle": libelle_reseau, "cellules": [c.reseau for c in liste], "total": True})
        bloc = tableau(None, [c.libelle for c in liste], lignes, premiere_colonne="Structure", indicateurs=ids,
                       note=f"Au-delà de {MAX_BARRES} structures, un seul tableau et pas de graphique.")
        sous_sections = [_section("comparaison-tableau", "Indicateurs principaux par structure", [bloc] if bloc else [],
                                  niveau=2, masques=set().union(*(c.masques for c in liste)))] if liste else []
    entete = _section(
        "comparaison-structures", "Comparaison des structures", [],
        definition="Les indicateurs principaux de chaque structure incluse, côte à côte avec la valeur du réseau "
                   "(dernière ligne de chaque tableau, en gras) : pour un effectif, la somme des structures ; pour "
                   "une part ou une moyenne, le rapport des sommes de leurs numérateurs et dénominateurs. Les "
                   "structures sont dans l'ordre de leur code.",
        absent=None if incluses else "Aucune structure incluse dans la consolidation.")
    return [entete, *sous_sections]


def section_structures(structures: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """« Structures consolidées »: included (with their package's date when known), refused (reason), missing."""
    incluses = [s for s in structures if s["statut"] == INCLUSE]
    dates = any(s["genere_le"] for s in incluses)
    blocs: list[Bloc] = []
    for statut, titre, colonne, aucune in (
            (INCLUSE, "Structures incluses", "Paquet produit le" if dates else None, "Aucune structure incluse."),
            (REFUSEE, "Paquets refusés", "Motif du refus", "Aucun paquet refusé."),
            (MANQUANTE, "Structures manquantes", "Motif", "Aucune structure manquante.")):
        lignes = []
        for s in (s for s in structures if s["statut"] == statut):
            cellules = [texte(s["code"])]
            if statut == INCLUSE and dates:
                cellules.append(texte(fr_date(_date(s["genere_le"])) if s["genere_le"] else "inconnue"))
            elif statut == REFUSEE:
                cellules.append(texte(s["motif"] or "non précisé"))
            elif statut == MANQUANTE:
                cellules.append(texte(s["motif"] or "aucun paquet reçu pour la période"))
            lignes.append({"libelle": s["nom"], "cellules": cellules})
        entetes = ["Code"] + ([colonne] if colonne else [])
        blocs.append(tableau(titre, entetes, lignes, premiere_colonne="Structure")
                     or {"type": "remarque", "titre": titre, "texte": aucune})
    return _section("structures-consolidees", "Structures consolidées", blocs,
                    definition="Les structures dont le paquet réseau a été vérifié et consolidé, celles dont le paquet "
                               "a été refusé (somme de contrôle, contrat, période, version du dictionnaire ou qualité) "
                               "et celles attendues sans paquet : ni les unes ni les autres ne comptent dans les "
                               "valeurs du réseau.",
                    sources="vérification des paquets réseau")


def _date(valeur: Any) -> date:
    return valeur if isinstance(valeur, date) else date.fromisoformat(str(valeur)[:10])


def contexte_rapport_reseau(reseau: Mapping[str, Any], periode: Periode, structures: Iterable[Any],
                            lignes: Iterable[Row], dictionnaire: Iterable[Row], programmes: Iterable[Row],
                            vocabulaires: Iterable[Row] | None = None, *, version: str = INTERNE,
                            seuil: int = SEUIL_PUBLIC, genere_le: date | None = None,
                            tracabilite: Tracabilite | None = None) -> dict[str, Any]:
    """The regional report's context, for `render_report` (or `rendre_rapport_reseau`).

    `reseau`: config/reseau.yaml (code, nom, nom_court, region); `periode`: the consolidated period;
    `structures`: each expected or found structure, a mapping or an object with code, nom, nom_court,
    statut (incluse | refusee | manquante), motif, and optionally genere_le (its package's date);
    `lignes`: the consolidated table (structure, periode_debut, periode_fin, indicateur, modalite, valeur, unite),
    the network's rows having structure = reseau["code"]: exact (version `interne`) or masked by disclosure control
    with threshold `seuil` (version `publique`: valeur "s" and `secret` the reason of a masked cell);
    `dictionnaire`, `programmes`, `vocabulaires`: the seeds' rows; `tracabilite`: for the annex, the dbt lineage of
    the indicators (its files and quality status are replaced by the network's).
    """
    identite = _identite(reseau)
    structures = _structures(structures)
    incluses = [s for s in structures if s["statut"] == INCLUSE]
    dictionnaire = list(dictionnaire)
    groupes = _par_structure(lignes, identite["code"], {s["code"] for s in incluses})
    meta = {"mission_locale": identite, "periode_debut": periode.debut, "periode_fin": periode.fin,
            "date_exports": None, "genere_le": genere_le}
    t = tracabilite or Tracabilite()
    t = Tracabilite(lignage=t.lignage, modeles=t.modeles, qualite=QualiteReseau(len(incluses)), version=t.version)
    ctx = build_report_context(groupes[identite["code"]], dictionnaire, programmes, meta, vocabulaires,
                               version=version, seuil=seuil, tracabilite=t)
    par_id = {d["indicateur"]: d for d in dictionnaire}
    sections = ctx["sections"]
    for section in sections:
        ids = [i for i, d in par_id.items() if d.get("section") == section["id"]]
        if section["absent"] and ids and all(par_id[i].get("agregation") == NON_AGREGEABLE for i in ids):
            section["absent"] = NON_AGREGEABLE_TEXTE
        for structure, reseau_ in SOURCES_STRUCTURES:
            section["sources"] = section["sources"].replace(structure, reseau_)
    annexe = sections.pop()
    if annexe["id"] != ANNEXE:
        raise RuntimeError("Rapport du réseau : l'annexe n'est plus la dernière section du rapport")
    annexe["fichiers_absents"] = fr_texte(FICHIERS_RESEAU)
    seuil_lu = ctx["diffusion"]["seuil"]
    valeurs = {code: Indicateurs(rows, dictionnaire, periode.debut, periode.fin, None, seuil_lu)
               for code, rows in groupes.items()}
    sections += [*sections_comparaison(identite, incluses, valeurs, par_id, ctx["renvois"]),
                 section_structures(structures), annexe]
    return ctx | {
        "gabarit": TEMPLATE_RESEAU,
        "titre": TITRE,
        "reseau": identite | {"perimetre": perimetre(structures), "structures": structures},
        "fichier": nom_fichier_reseau(periode, version),
    }


def rendre_rapport_reseau(contexte: Mapping[str, Any], dossier: str | Path) -> tuple[Path, Path]:
    """Write the regional report of `contexte` as `dossier/rapport_reseau_<période>[_public].pdf` (tagged PDF/UA-1)
    and the same page beside it (`.html`); return both paths."""
    return render_report(contexte, Path(dossier) / contexte["fichier"])
