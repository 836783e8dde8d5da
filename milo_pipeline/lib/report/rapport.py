"""The activity report's context: the sections in the order of a Mission Locale's annual report, then « Autres
indicateurs », every indicator of the period that no section showed, then the annex « Définitions et sources »
(annexe.py) that every table and chart refers to."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from milo_pipeline.lib.extraits.tracabilite import Tracabilite

from .annexe import section_annexe
from .blocs import AUTRES_INDICATEURS
from .diffusion import INTERNE, SEUIL_PUBLIC, options_diffusion
from .indicateurs import Indicateurs, Row, as_date
from .rendu import TEMPLATE
from .section import Rapport, Section
from .sections_dispositifs import section_cej, section_ctai, section_dispositifs, section_sante
from .sections_insertion import (
    section_egalite,
    section_emploi,
    section_parrainage,
    section_qpv,
    section_reperage,
    section_territoires,
)
from .sections_jeunes import section_accompagnes, section_parcours, section_premier_accueil, section_synthese
from .sections_structure import (
    section_budget,
    section_evenements,
    section_organigramme,
    section_satisfaction,
    section_structure,
)

Constructeur = Callable[[Rapport], list[Section]]


def section_autres(r: Rapport) -> list[Section]:
    """Every indicator of the period that no section showed: one whose dictionary `section` is not a section of
    this report (a new family), or missing from the dictionary; none in the usual case, and then no section."""
    ids = r.ind.non_lus(r.montres)
    if not ids:
        return []
    return [r.section("autres-indicateurs", AUTRES_INDICATEURS, [], autres_ids=ids,
                      definition="Les indicateurs qu'aucune section de ce rapport ne présente encore, sous leur "
                                 "libellé du dictionnaire des indicateurs.")]


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
    section_autres,
)


def mission_locale_de(meta: Mapping[str, Any]) -> dict[str, Any]:
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
                         seuil: int = SEUIL_PUBLIC, tracabilite: Tracabilite | None = None) -> dict[str, Any]:
    """The report's context: the rows of the period meta['periode_debut']..meta['periode_fin'], selected
    and ordered into sections.

    `rows`: the indicator table (periode_debut, periode_fin, indicateur, modalite, valeur, unite);
    `dictionnaire`, `programmes`, `vocabulaires`: the rows of the seeds indicateurs_dictionnaire.csv,
    programmes.csv and vocabulaires.csv (without `vocabulaires`, breakdowns keep the order of the rows);
    `meta`: mission_locale (config/mission_locale.yaml), periode_debut, periode_fin, date_exports, genere_le;
    `textes`: the Mission Locale's Markdown texts by name (lib.saisies.lire_textes);
    `evenements`: the events (stg_saisies__evenements rows: debut_date, fin_date, titre, description,
    rubrique, visiteurs); only those starting in the period are listed;
    `version`: `interne` (the exact rows) or `publique` (`rows` masked by disclosure control with threshold `seuil`);
    `tracabilite`: the run's source files, lineage, quality status, version and id (lib/extraits/tracabilite.py)
    for the annex; without it the annex gives the definitions only.
    """
    mission_locale = mission_locale_de(meta)
    diffusion = options_diffusion(version, seuil)
    debut, fin = as_date(meta["periode_debut"]), as_date(meta["periode_fin"])
    ind = Indicateurs(rows, dictionnaire, debut, fin, vocabulaires, diffusion["seuil"])
    evenements = sorted((e for e in evenements or [] if debut <= as_date(e["debut_date"]) <= fin),
                        key=lambda e: (as_date(e["debut_date"]), e.get("evenement_ordre") or 0))
    rapport = Rapport(ind, list(programmes), textes or {}, evenements, meta.get("date_exports"),
                      publique=diffusion["publique"])
    sections = [section for construire in SECTIONS for section in construire(rapport)]
    annexe, renvois = section_annexe(rapport, tracabilite, meta.get("genere_le"))
    sections.append(annexe)
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
        "renvois": renvois,
        "textes_ignores": textes_ignores,
        "indicateurs_non_montres": non_montres,
        "diffusion": diffusion,
    }
