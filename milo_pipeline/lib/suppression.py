"""Statistical disclosure control ("secret statistique") of a table of aggregates. Pure: no I/O.

Vocabulary
- a *cellule* is one published value. Its *effectif* is the number of people (or events) it publishes or lets
  one compute: the value of a count, the numerator a share gives with its denominator, the previous-year count
  an evolution gives with the current one. A value that is no count (an amount, a mean, a ratio) has none.
- its *populations* are the counts the value is computed over (the denominator of a share, the youths behind an
  amount): the value is published only if they are.
- a *groupe* ties a total to its parts: total = Σ parts. A group whose total is not a cell of the table
  (`total=None`) has a total the reader is assumed to know (published elsewhere, or derivable): it is never
  masked.

Algorithm (k = `seuil`)
1. primary: an effectif from 1 to k−1 is masked; zeros and empty values stay published;
2. populations: a value whose population is masked, or not in the table, is masked (so is a share whose
   denominator is below k);
3. secondary, in each group holding a masked cell:
   - total known: at least two masked parts whose effectifs sum to k or more (total − published parts gives
     that sum: it must not be a small count itself);
   - total masked: at least one masked part (otherwise total = Σ published parts);
   the cell masked in addition is the published part with the smallest non-zero effectif (the first in table
   order on ties), else the total;
4. rules 2 and 3 again until nothing changes; then an audit of all the groups' equations together: a masked
   cell whose value they determine (a cycle of groups can, even with two masked cells in each) gets a published
   neighbour masked, and the loop resumes. The masked set only grows: this ends.

Cells already published (`figees`: cell → masked or not, from the register of what was sent) keep their state:
a cell sent masked stays masked, a cell sent as a value is never chosen to be masked (the reader has it). They
take part in the groups and the audit like any cell: this is how the equations across periods (a year and its
months, two years to date) are checked together with this table's (`lib/extraits.py` builds those groups).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

MASQUE = "s"
PRIMAIRE, POPULATION, SECONDAIRE, ANTERIEUR = "primaire", "population", "secondaire", "déjà masqué"


@dataclass(frozen=True)
class Cellule:
    effectif: int | None = None
    populations: tuple[Hashable, ...] = ()
    virtuelle: bool = False
    """A value nobody is sent (the difference of two cells): masking it costs nothing, so it is masked first."""


@dataclass(frozen=True)
class Groupe:
    """total = Σ parties; `total=None`: a total known outside the table."""

    parties: tuple[Hashable, ...]
    total: Hashable | None = None

    @property
    def cellules(self) -> tuple[Hashable, ...]:
        return self.parties if self.total is None else (self.total, *self.parties)


def secretiser(cellules: Mapping[Hashable, Cellule], groupes: Iterable[Groupe], seuil: int = 5,
               figees: Mapping[Hashable, bool] | None = None) -> dict[Hashable, str]:
    """The masked cells, each with why: `primaire`, `population`, `secondaire` or `déjà masqué` (a cell of
    `figees` sent masked before). `cellules` in table order (the order breaks ties, so the result is the same for
    the same table); `figees`: cells already published, True when they were sent masked."""
    if seuil < 2:
        raise ValueError(f"seuil du secret statistique invalide : {seuil} (attendu un entier ≥ 2)")
    groupes = list(groupes)
    for groupe in groupes:
        if inconnues := [c for c in groupe.cellules if c not in cellules]:
            raise ValueError(f"groupe de secret statistique sur des cellules absentes du tableau : {inconnues}")
    figees = dict(figees or {})
    if inconnues := [c for c in figees if c not in cellules]:
        raise ValueError(f"cellules déjà publiées absentes du tableau : {inconnues}")
    rang = {cle: i for i, cle in enumerate(cellules)}
    motifs = {cle: ANTERIEUR for cle, masquee in figees.items() if masquee}
    motifs |= {cle: PRIMAIRE for cle, c in cellules.items()
               if cle not in figees and c.effectif is not None and 1 <= c.effectif < seuil}
    while True:
        if _populations(cellules, motifs, figees) or _secondaire(cellules, groupes, motifs, seuil, rang, figees):
            continue
        if not _proteger(recalculables(groupes, motifs), cellules, groupes, motifs, rang, figees):
            return motifs


def _populations(cellules: Mapping[Hashable, Cellule], motifs: dict, figees: Mapping) -> bool:
    ajout = False
    for cle, cellule in cellules.items():
        if cle not in motifs and cle not in figees and any(p in motifs or p not in cellules
                                                           for p in cellule.populations):
            motifs[cle] = POPULATION
            ajout = True
    return ajout


def _secondaire(cellules, groupes: list[Groupe], motifs: dict, seuil: int, rang: dict, figees: Mapping) -> bool:
    ajout = False
    for groupe in groupes:
        masquees = [p for p in groupe.parties if p in motifs]
        if groupe.total is not None and groupe.total in motifs:
            sur = bool(masquees)
        else:
            sur = not masquees or (len(masquees) >= 2 and sum(cellules[p].effectif or 0 for p in masquees) >= seuil)
        if not sur and (cle := _candidat(groupe, cellules, motifs, rang, figees)) is not None:
            motifs[cle] = SECONDAIRE
            ajout = True
    return ajout


def _candidat(groupe: Groupe, cellules, motifs: dict, rang: dict, figees: Mapping) -> Hashable | None:
    """A virtual part (free), else the published part with the smallest non-zero effectif, else the published total,
    else None. A cell already published (`figees`) is never a candidate."""
    publiees = [p for p in groupe.parties if p not in motifs and p not in figees and (cellules[p].effectif or 0) > 0]
    if publiees:
        return min(publiees, key=lambda p: (not cellules[p].virtuelle, cellules[p].effectif, rang[p]))
    if groupe.total is not None and groupe.total not in motifs and groupe.total not in figees:
        return groupe.total
    return None


def recalculables(groupes: Iterable[Groupe], masquees: Iterable[Hashable]) -> set[Hashable]:
    """The masked cells whose value the published cells determine through the groups' equations.

    Unknowns are the masked cells, each group gives one equation (published cells are constants). A cell is
    determined when its unit vector lies in the row space of the system, i.e. every vector of the null space
    is zero on it."""
    masquees = set(masquees)
    lignes = [g for g in groupes if any(c in masquees for c in g.cellules)]
    inconnues = list(dict.fromkeys(c for g in lignes for c in g.cellules if c in masquees))
    if not inconnues:
        return set()
    colonne = {c: j for j, c in enumerate(inconnues)}
    systeme = np.zeros((len(lignes), len(inconnues)))
    for i, groupe in enumerate(lignes):
        for partie in groupe.parties:
            if partie in masquees:
                systeme[i, colonne[partie]] += 1
        if groupe.total in masquees:
            systeme[i, colonne[groupe.total]] -= 1
    _, valeurs, vt = np.linalg.svd(systeme)
    rang_systeme = int((valeurs > 1e-9).sum())
    noyau = vt[rang_systeme:]
    return {c for c, j in colonne.items() if np.all(np.abs(noyau[:, j]) < 1e-9)}


def _proteger(fuites: set, cellules, groupes: list[Groupe], motifs: dict, rang: dict, figees: Mapping) -> bool:
    """Masks one published cell for the first recomputable cell: in a group holding it, else in the nearest group
    linked to it through masked cells. False when there is none left to mask (the determination then rests only
    on totals known outside the table)."""
    for fuite in sorted(fuites, key=rang.__getitem__):
        vues, frontiere = {fuite}, [fuite]
        while frontiere:
            voisins = [g for g in groupes if any(c in frontiere for c in g.cellules)]
            for groupe in voisins:
                if (cle := _candidat(groupe, cellules, motifs, rang, figees)) is not None:
                    motifs[cle] = SECONDAIRE
                    return True
            frontiere = [c for g in voisins for c in g.cellules if c in motifs and c not in vues]
            vues.update(frontiere)
    return False
