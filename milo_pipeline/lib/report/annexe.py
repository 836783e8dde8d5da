"""The report's last section, « Définitions et sources »: every indicator the report prints (label, definition,
unit, the exports it comes from by dbt lineage), the run's source files (name, export date, SHA-256, rows read and
quarantined: the extracts' manifest lists the same), the quality status of the run, the version of milo-pipeline,
and ONE generation line (`<p class="generation">`: the run id and the date), the only part of the report's HTML
that differs between two runs on the same exports.

Each table, chart and group of tiles refers to its indicators' entries here (`renvois`: id → number and label,
rendered by `_renvois.html.j2` after each block, a link `#def-<id>`, also a link in the PDF). The definitions and the
file list are public: an export's name is its table and date (the input contract), and a SHA-256 reveals nothing of
a file's content; the public version shows the same annex.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from milo_pipeline.lib.extraits.tracabilite import Tracabilite, definitions

from .section import Rapport, Section

ANNEXE = "definitions-sources"
TITRE_ANNEXE = "Définitions et sources"
TEMPLATE_ANNEXE = "_annexe.html.j2"
ANCRE = "def-{}"


def section_annexe(r: Rapport, tracabilite: Tracabilite | None, genere_le: date | None) -> tuple[Section, dict]:
    """The annex section and the references of the blocks (id → {numero, libelle, ancre})."""
    t = tracabilite or Tracabilite()
    entrees = definitions(r.ind.dictionnaire.values(), r.imprimes(), t)
    for numero, entree in enumerate(entrees, 1):
        entree |= {"numero": numero, "ancre": ANCRE.format(entree["indicateur"])}
    renvois = {e["indicateur"]: {"numero": e["numero"], "libelle": e["libelle"], "ancre": e["ancre"]}
               for e in entrees}
    section: dict[str, Any] = {
        "id": ANNEXE, "titre": TITRE_ANNEXE, "niveau": 1, "gabarit": TEMPLATE_ANNEXE,
        "definition": "Chaque indicateur de ce rapport, sous le numéro auquel renvoient ses tableaux et graphiques, "
                      "avec sa définition (dictionnaire des indicateurs) et les exports i-milo ou saisies dont il est "
                      "calculé : ceux que lit le modèle dbt qui le calcule (lignage dbt). Puis les fichiers sources de "
                      "cette exécution et l'état de ses contrôles de qualité.",
        "indicateurs": entrees,
        "fichiers": list(t.fichiers),
        "qualite": t.qualite,
        "version": t.version,
        "run_id": t.run_id,
        "genere_le": genere_le,
        "blocs": [], "absent": None, "texte": None, "legende": [],
        "sources": "dictionnaire des indicateurs, modèles dbt et fichiers de l'exécution",
    }
    return section, renvois
