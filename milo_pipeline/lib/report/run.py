"""What the PDF of a run is made of: for a year (or any period that is not a month) the activity report, with the
Mission Locale's texts and events entered by hand; for a month the dashboard (the month beside the year to date).
The sources are read once from the built warehouse and the manual inputs; each version of config/diffusion.yaml
(internal, public) is then built from its own rows of `indicateurs`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..configuration import mission_locale
from ..extraits.tracabilite import Qualite, Tracabilite, lire_tracabilite
from ..periods import Periode
from ..saisies import DOSSIER as DOSSIER_SAISIES
from ..saisies import lire_textes
from ..warehouse import (
    date_exports,
    lire_dictionnaire,
    lire_evenements_saisis,
    lire_programmes,
    lire_vocabulaires,
)
from .comparaison import lignes_du_rapport  # the run's rows, and last year's for the comparisons
from .rapport import build_report_context
from .tableau_de_bord import build_dashboard_context


@dataclass(frozen=True)
class SourcesRapport:
    periode: Periode
    lignes: list[dict]  # the exact table `indicateurs` (the internal version)
    dictionnaire: list[dict]
    programmes: list[dict]
    vocabulaires: list[dict]
    meta: dict
    textes: dict[str, str]
    evenements: list[dict]
    tracabilite: Tracabilite | None = None  # the annex's files, lineage, quality status, version, run id

    def contexte(self, lignes: list[dict], version: str, seuil: int) -> dict:
        """The template context of one version, from its rows (exact, or as the masked table has them)."""
        sources = (lignes, self.dictionnaire, self.programmes, self.meta, self.vocabulaires)
        if self.periode.is_mois:
            return build_dashboard_context(*sources, version=version, seuil=seuil)
        return build_report_context(*sources, textes=self.textes, evenements=self.evenements,
                                    version=version, seuil=seuil, tracabilite=self.tracabilite)

    def avertissements(self, contexte: dict) -> list[str]:
        """What the activity report could not show (texts that match no section, sections without data); nothing
        for the dashboard of a month."""
        if self.periode.is_mois:
            return []
        return [*(f"{DOSSIER_SAISIES}/textes/{nom}.md : aucune section du rapport ne correspond (territoire "
                  "inconnu ?), texte non repris" for nom in contexte["textes_ignores"]),
                *(f"Rapport, section « {s['titre']} » : {s['absent']}" for s in contexte["sections"] if s["absent"])]


def lire_sources(warehouse: Path, exports: Path, periode: Periode, genere_le: date, qualite: Qualite | None = None,
                 run_id: str | None = None) -> SourcesRapport:
    """The sources of the run's PDF. A year's report also reads the texts of `saisies/textes/` beside the exports
    (ExportsInvalides, in French, for a text refused), the events entered by hand, and what its annex « Définitions
    et sources » lists (the run's quality status `qualite` and id `run_id` come from the Dagster run)."""
    textes, evenements, tracabilite = {}, [], None
    if not periode.is_mois:
        textes = lire_textes(exports / DOSSIER_SAISIES)
        evenements = lire_evenements_saisis(warehouse)
        tracabilite = lire_tracabilite(warehouse, qualite, run_id)
    meta = {"mission_locale": mission_locale(), "periode_debut": periode.debut, "periode_fin": periode.fin,
            "date_exports": date_exports(warehouse), "genere_le": genere_le}
    return SourcesRapport(periode, lignes_du_rapport(warehouse, periode), lire_dictionnaire(warehouse),
                          lire_programmes(warehouse), lire_vocabulaires(warehouse), meta, textes, evenements,
                          tracabilite)
