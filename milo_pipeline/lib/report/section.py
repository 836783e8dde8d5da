"""What every section builder shares: `Rapport` (the indicators, the programmes' catalogue, the Mission Locale's
texts, the events) and its `section()`, which turns a list of blocks into a section.

A section is a title, a short definition, a list of blocks, and the Mission Locale's own text for it (Markdown from
`saisies/textes/<section>.md`). After the blocks laid out by hand (layout.py) come the section's « Autres
indicateurs »: every id whose dictionary `section` is this section's id, not laid out, with rows in the period, so
that a new indicator shows without a code change. A section left without any block says « Données non disponibles
pour la période » (or « Non renseigné » for the manual inputs) instead of failing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from markupsafe import Markup

from milo_pipeline.lib.formatting import fr_date, fr_texte

from .blocs import Bloc, autres, ids, liste_evenements
from .diffusion import legende_secret
from .indicateurs import Indicateurs, Row
from .rendu import SECTION_TEMPLATE

Section = dict[str, Any]
NON_DISPONIBLE = "Données non disponibles pour la période."
NON_RENSEIGNE = "Non renseigné pour la période."
TEXTE_ABSENT = "Texte non renseigné."
EVENEMENTS_NON_LISTES = ("La liste détaillée des événements n'est pas reprise dans la version publique : elle "
                         "permettrait de recompter des effectifs masqués.")


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


def annuel(ind: Indicateurs) -> bool:
    """Whether the period is a calendar year."""
    return ind.debut == date(ind.debut.year, 1, 1) and ind.fin == date(ind.debut.year, 12, 31)


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
        self.renvoyes: set[str] = set()  # ids a block of a section refers to (its `indicateurs`)

    def texte(self, nom: str) -> Markup | None:
        self.textes_utilises.add(nom)
        return markdown_html(self.textes.get(nom))

    def section(self, id_: str, titre: str, blocs: Iterable[Bloc | None], *, definition: str = "",
                texte: str | None = None, saisie: str | None = None, imilo: bool = True, niveau: int = 1,
                texte_obligatoire: bool = False, autres_ids: Iterable[str] | None = None) -> Section:
        """A section; its blocks are followed by the « Autres indicateurs » of `autres_ids` (by default the
        dictionary's ids of section `id_`); `saisie` = the manual input feeding it (placeholder « Non
        renseigné »), `imilo` = whether i-milo feeds it."""
        blocs = [b for b in blocs if b]
        blocs += autres(self.ind, list(self.ind.de_la_section(id_) if autres_ids is None else autres_ids))
        for bloc in blocs:  # the programmes table names its ids in its columns
            if "colonnes" in bloc:
                bloc.setdefault("indicateurs", ids(c["indicateur"] for c in bloc["colonnes"]))
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
        self.renvoyes.update(i for b in blocs for i in b.get("indicateurs", []))
        legende = legende_secret(self.ind.masques) if blocs else []
        self.ind.masques.clear()
        return {"id": id_, "titre": titre, "definition": definition, "blocs": blocs, "texte": rendu,
                "absent": absent, "sources": " ; ".join(sources), "niveau": niveau, "gabarit": SECTION_TEMPLATE,
                "legende": legende}

    def imprimes(self) -> set[str]:
        """The ids the report prints: those a block refers to, and any other id a section read that has rows in
        the period (the annex « Définitions et sources » defines each)."""
        return self.renvoyes | {i for i in self.montres if i in self.ind.modalites}

    def liste_evenements(self, evenements: list[Row], titre: str | None = None) -> Bloc | None:
        """The list of events, left out of the public version (with a note when there were some)."""
        if self.publique:
            return {"type": "remarque", "titre": titre, "texte": EVENEMENTS_NON_LISTES} if evenements else None
        return liste_evenements(evenements, titre)
