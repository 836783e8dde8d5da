"""The activity report ("rapport d'activité") and the monthly dashboard: context, HTML and PDF.

Where to look (a newcomer's map):
- `layout.py`: which indicator goes in which tile, table or chart of which section: plain data, the only place of
  the report where an indicator id is written;
- `sections_jeunes.py` (synthèse, premier accueil, accompagnés, parcours), `sections_dispositifs.py` (dispositifs,
  CEJ, CTAI, santé), `sections_insertion.py` (parrainage, emploi, QPV, territoires, repérage, égalité),
  `sections_structure.py` (structure, organigramme, événements, budget, satisfaction): one function per section;
- `rapport.py`: the sections' order, the closing « Autres indicateurs », `build_report_context`;
  `tableau_de_bord.py`: `build_dashboard_context`;
- `section.py` (a section: blocks, « Autres indicateurs » of its dictionary `section`, placeholders, sources),
  `blocs.py` (the block builders), `indicateurs.py` (the rows of a period and their dictionary);
- `run.py`: what the PDF of a run is made of (the warehouse's rows, the manual inputs, the report or the
  dashboard); the domain's facts the report names as dbt does (CEJ launch, « Ensemble », « Hors territoire »)
  come from the vars of dbt_project.yml (lib/dbt_project.py);
- `comparaison.py`: last year beside this year (N−1 from the warehouse, else the register, else « n.d. »);
- `diffusion.py`: internal and public versions (config/diffusion.yaml), the marks of masked values;
- `rendu.py`: HTML (milo_pipeline/templates) and PDF (WeasyPrint).

The context builders only select, order and label values already computed (the `indicateurs` table): they never
do arithmetic on them, except the geometry of the charts. The templates only lay out and format (French filters).
An indicator's section comes from the dictionary's `section` column: a section shows, after its blocks laid out by
hand, every other indicator of its section that has rows in the period (« Autres indicateurs »), and the report
ends with « Autres indicateurs », the indicators no section showed (a new `section` value, an id outside the
dictionary). A new indicator thus shows with its label and values without a code change, masked in the public
version like any other.
"""

from .blocs import AUTRES_INDICATEURS
from .diffusion import (
    INTERNE,
    LEGENDE_PRIMAIRE,
    LEGENDE_SECRET,
    PUBLIQUE,
    SEUIL_PUBLIC,
    VERSIONS,
    Diffusion,
    legende_secret,
    lire_diffusion,
)
from .indicateurs import Indicateurs
from .rapport import SECTIONS, build_report_context
from .rendu import TEMPLATE, TEMPLATE_TABLEAU_DE_BORD, TEMPLATES_DIR, nom_fichier, render_html, render_pdf
from .section import EVENEMENTS_NON_LISTES, NON_DISPONIBLE, NON_RENSEIGNE, TEXTE_ABSENT, markdown_html
from .tableau_de_bord import build_dashboard_context

__all__ = [
    "AUTRES_INDICATEURS", "EVENEMENTS_NON_LISTES", "INTERNE", "LEGENDE_PRIMAIRE", "LEGENDE_SECRET", "NON_DISPONIBLE",
    "NON_RENSEIGNE", "PUBLIQUE", "SECTIONS", "SEUIL_PUBLIC", "TEMPLATE", "TEMPLATES_DIR", "TEMPLATE_TABLEAU_DE_BORD",
    "TEXTE_ABSENT", "VERSIONS", "Diffusion", "Indicateurs", "build_dashboard_context", "build_report_context",
    "legende_secret", "lire_diffusion", "markdown_html", "nom_fichier", "render_html", "render_pdf",
]
