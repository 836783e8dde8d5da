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

Across periods (`lib/extraits.py` gives the pairs): two cells of the same indicator and modality over nested
periods (a month and its year to date, a year and its months) are tied by *outer = inner + difference*, the
difference being the people of the outer period outside the inner one. When both are published the difference
is published too: it must be 0 or at least k, otherwise the inner cell (or the outer one, or the one not sent yet)
is masked — rule 3b, `ecarts`. The difference is an unknown of that equation alone, so these equations determine
no masked cell by themselves: the audit of the groups stays complete with them.
Cells already published (`figees`: cell → masked or not, from the register of what was sent) keep their state:
a cell sent masked stays masked, a cell sent as a value is never chosen to be masked (the reader has it).
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

MASQUE = "s"
PRIMAIRE, POPULATION, SECONDAIRE, ECART, ANTERIEUR = "primaire", "population", "secondaire", "écart", "déjà masqué"


@dataclass(frozen=True)
class Cellule:
    effectif: int | None = None
    populations: tuple[Hashable, ...] = ()


@dataclass(frozen=True)
class Groupe:
    """total = Σ parties; `total=None`: a total known outside the table."""

    parties: tuple[Hashable, ...]
    total: Hashable | None = None

    @cached_property
    def cellules(self) -> tuple[Hashable, ...]:
        return self.parties if self.total is None else (self.total, *self.parties)


def secretiser(cellules: Mapping[Hashable, Cellule], groupes: Iterable[Groupe], seuil: int = 5,
               figees: Mapping[Hashable, bool] | None = None,
               ecarts: Iterable[tuple[Hashable, Hashable]] = (), par_lot: bool = False) -> dict[Hashable, str]:
    """The masked cells, each with why: `primaire`, `population`, `secondaire` or `déjà masqué` (a cell of
    `figees` sent masked before). `cellules` in table order (the order breaks ties, so the result is the same for
    the same table); `figees`: cells already published, True when they were sent masked; `ecarts`: pairs (outer,
    inner) of cells over nested periods whose difference, when both are published, must be 0 or at least k;
    `par_lot`: the audit masks a neighbour for every recomputable cell not linked to one already handled in the
    same pass, instead of for the first one only (a large table, the network's: far fewer passes, a few more
    cells masked)."""
    if seuil < 2:
        raise ValueError(f"seuil du secret statistique invalide : {seuil} (attendu un entier ≥ 2)")
    groupes = list(groupes)
    for groupe in groupes:
        if inconnues := [c for c in groupe.cellules if c not in cellules]:
            raise ValueError(f"groupe de secret statistique sur des cellules absentes du tableau : {inconnues}")
    ecarts = list(ecarts)
    if inconnues := [c for paire in ecarts for c in paire if c not in cellules]:
        raise ValueError(f"écart de secret statistique entre des cellules absentes du tableau : {inconnues}")
    figees = dict(figees or {})
    if inconnues := [c for c in figees if c not in cellules]:
        raise ValueError(f"cellules déjà publiées absentes du tableau : {inconnues}")
    rang = {cle: i for i, cle in enumerate(cellules)}
    systemes: dict = {}
    par_cellule: dict[Hashable, list[int]] = {}
    for i, groupe in enumerate(groupes):
        for c in groupe.cellules:
            par_cellule.setdefault(c, []).append(i)
    motifs = {cle: ANTERIEUR for cle, masquee in figees.items() if masquee}
    motifs |= {cle: PRIMAIRE for cle, c in cellules.items()
               if cle not in figees and c.effectif is not None and 1 <= c.effectif < seuil}
    while True:
        if (_populations(cellules, motifs, figees) or _secondaire(cellules, groupes, motifs, seuil, rang, figees)
                or _ecarts(cellules, ecarts, motifs, seuil, rang, figees)):
            continue
        if not _proteger(recalculables(groupes, motifs, systemes, par_cellule), cellules, groupes, motifs, rang, figees,
                         par_cellule, par_lot):
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


def _ecarts(cellules, ecarts: list[tuple], motifs: dict, seuil: int, rang: dict, figees: Mapping) -> bool:
    """Rule 3b: two published cells over nested periods whose difference is from 1 to k−1: the inner one is masked
    (the smaller period, usually the smaller count), or the outer one when the inner was already sent."""
    ajout = False
    for exterieure, interieure in ecarts:
        if exterieure in motifs or interieure in motifs:
            continue
        if 1 <= abs(cellules[exterieure].effectif - cellules[interieure].effectif) < seuil:
            cle = next((c for c in (interieure, exterieure) if c not in figees), None)
            if cle is not None:
                motifs[cle] = ECART
                ajout = True
    return ajout


def _candidat(groupe: Groupe, cellules, motifs: dict, rang: dict, figees: Mapping) -> Hashable | None:
    """The published part with the smallest non-zero effectif, else the published total, else None. A cell already
    published (`figees`) is never a candidate."""
    publiees = [p for p in groupe.parties if p not in motifs and p not in figees and (cellules[p].effectif or 0) > 0]
    if publiees:
        return min(publiees, key=lambda p: (cellules[p].effectif, rang[p]))
    if groupe.total is not None and groupe.total not in motifs and groupe.total not in figees:
        return groupe.total
    return None


def recalculables(groupes: Iterable[Groupe], masquees: Iterable[Hashable], systemes: dict | None = None,
                  par_cellule: Mapping[Hashable, list[int]] | None = None) -> set[Hashable]:
    """The masked cells whose value the published cells determine through the groups' equations.

    Unknowns are the masked cells, each group gives one equation (published cells are constants). A cell is
    determined when its unit vector lies in the row space of the system, i.e. when it is 0 in every solution of the
    homogeneous system (exact sparse elimination, `_determinees`). The system is solved per connected component
    (equations sharing unknowns): small systems instead of one large one. `systemes`: the cells each system
    determines, kept across calls on the same `groupes` (the loop of `secretiser` masks one cell at a time: the
    other systems stay); `par_cellule`: each cell → the indices of the groups holding it (only the groups holding a
    masked cell are read, not all)."""
    masquees = set(masquees)
    groupes = groupes if isinstance(groupes, list) else list(groupes)
    indices = (range(len(groupes)) if par_cellule is None
               else sorted({i for c in masquees for i in par_cellule.get(c, ())}))
    parent: dict[Hashable, Hashable] = {}

    def racine(c: Hashable) -> Hashable:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    lignes = []
    for i in indices:
        groupe = groupes[i]
        inconnues = [c for c in groupe.cellules if c in masquees]
        if not inconnues:
            continue
        lignes.append((i, groupe, inconnues))
        for c in inconnues:
            parent.setdefault(c, c)
        for c in inconnues[1:]:
            parent[racine(c)] = racine(inconnues[0])
    composantes: dict[Hashable, list[tuple]] = {}
    for i, groupe, inconnues in lignes:
        composantes.setdefault(racine(inconnues[0]), []).append((i, groupe, tuple(inconnues)))
    determinees = set()
    systemes = {} if systemes is None else systemes
    for equations in composantes.values():
        cle = tuple((i, inconnues) for i, _, inconnues in equations)
        if cle not in systemes:
            systemes[cle] = _determinees([g for _, g, _ in equations], masquees)
        determinees |= systemes[cle]
    return determinees


_PREMIER = (1 << 61) - 1  # a prime: the random solution's arithmetic (exact elimination first, over the integers)


def _determinees(equations: list[Groupe], masquees: set) -> set[Hashable]:
    """The unknowns (masked cells) one connected system of equations determines, exactly.

    A cell is determined when it takes the same value in every solution, i.e. when every solution of the homogeneous
    system has it at 0. The system is brought to row echelon form by sparse elimination over the integers (exact: no
    rounding, no tolerance; the pivot is taken in the shortest row, on its least shared unknown, so that the rows of
    one structure are eliminated before the network's long equations fill): its rank, its pivots and its free
    unknowns are exact. A free unknown is never determined. A solution of the homogeneous system is then drawn at
    random (free unknowns random, the pivots by back-substitution, modulo a prime of 61 bits): a determined pivot is
    0 in it for sure; an undetermined one is 0 only by a chance below 2⁻⁶⁰, and is then counted determined (a
    neighbour masked in addition: never a leak). The seed is fixed: the same table gives the same result."""
    indice: dict[Hashable, int] = {}
    lignes: list[dict[int, int]] = []
    for groupe in equations:
        ligne: dict[int, int] = {}
        for c, coef in ((p, 1) for p in groupe.parties):
            if c in masquees:
                j = indice.setdefault(c, len(indice))
                ligne[j] = ligne.get(j, 0) + coef
        if groupe.total in masquees:
            j = indice.setdefault(groupe.total, len(indice))
            ligne[j] = ligne.get(j, 0) - 1
        lignes.append({j: v for j, v in ligne.items() if v})
    par_colonne: list[set[int]] = [set() for _ in indice]
    for i, ligne in enumerate(lignes):
        for j in ligne:
            par_colonne[j].add(i)
    tas = [(len(ligne), i) for i, ligne in enumerate(lignes)]
    heapq.heapify(tas)
    faites = [False] * len(lignes)
    pivots: list[tuple[int, dict[int, int]]] = []
    while tas:
        n, i = heapq.heappop(tas)
        ligne = lignes[i]
        if faites[i] or n != len(ligne):
            continue  # done, or pushed again since with another length
        faites[i] = True
        if not ligne:
            continue  # a combination of the rows before: no information
        for j in ligne:
            par_colonne[j].discard(i)
        p = min(ligne, key=lambda j: (len(par_colonne[j]), abs(ligne[j]) != 1, j))
        a = ligne[p]
        pivots.append((p, ligne))
        for k in sorted(par_colonne[p]):
            autre = lignes[k]
            b = autre.pop(p)
            par_colonne[p].discard(k)
            if a in (1, -1):
                facteur = b * a
                for j, v in ligne.items():
                    if j != p:
                        w = autre.get(j, 0) - facteur * v
                        _poser(autre, j, w, k, par_colonne)
            else:
                for j in list(autre):
                    autre[j] *= a
                for j, v in ligne.items():
                    if j != p:
                        _poser(autre, j, autre.get(j, 0) - b * v, k, par_colonne)
                if autre and (d := math.gcd(*autre.values())) > 1:
                    for j in autre:
                        autre[j] //= d
            heapq.heappush(tas, (len(autre), k))
    hasard = random.Random(20240101)
    valeurs = [0] * len(indice)
    est_pivot = [False] * len(indice)
    for p, _ in pivots:
        est_pivot[p] = True
    for j in range(len(indice)):
        if not est_pivot[j]:
            valeurs[j] = hasard.randrange(1, _PREMIER)
    for p, ligne in reversed(pivots):
        somme = sum(v * valeurs[j] for j, v in ligne.items() if j != p)
        valeurs[p] = -somme * pow(ligne[p], -1, _PREMIER) % _PREMIER
    return {c for c, j in indice.items() if est_pivot[j] and valeurs[j] == 0}


def _poser(ligne: dict[int, int], j: int, valeur: int, i: int, par_colonne: list[set[int]]) -> None:
    """Row i's coefficient of unknown j set to `valeur` (removed at 0), the index of the rows per unknown kept."""
    if valeur:
        if j not in ligne:
            par_colonne[j].add(i)
        ligne[j] = valeur
    elif j in ligne:
        del ligne[j]
        par_colonne[j].discard(i)


def _proteger(fuites: set, cellules, groupes: list[Groupe], motifs: dict, rang: dict, figees: Mapping,
              par_cellule: Mapping[Hashable, list[int]], par_lot: bool = False) -> bool:
    """Masks one published cell for the first recomputable cell: in a group holding it, else in the nearest group
    linked to it through masked cells. False when there is none left to mask (the determination then rests only
    on totals known outside the table). `par_cellule`: each cell → the indices of the groups holding it;
    `par_lot`: one for each recomputable cell not reached from one handled before in this call."""
    ajout, traitees = False, set()
    for fuite in sorted(fuites, key=rang.__getitem__):
        if fuite in traitees:
            continue
        vues, frontiere = {fuite}, [fuite]
        while frontiere:
            voisins = [groupes[i] for i in sorted({i for c in frontiere for i in par_cellule.get(c, ())})]
            cle = next((k for g in voisins if (k := _candidat(g, cellules, motifs, rang, figees)) is not None), None)
            if cle is not None:
                motifs[cle] = SECONDAIRE
                ajout = True
                break
            frontiere = [c for g in voisins for c in g.cellules if c in motifs and c not in vues]
            vues.update(frontiere)
        if ajout and not par_lot:
            return True
        traitees |= vues
    return ajout
