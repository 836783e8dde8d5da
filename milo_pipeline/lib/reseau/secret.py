"""Disclosure control of the network's consolidated table (the network's rows and each included structure's rows),
masked once for every recipient (the public regional report, the regional funder extracts). Pure: no I/O.

Each structure's table, and the network's, gets the groups a Mission Locale's table gets (`extraits.preparer`:
breakdowns and their totals, populations, sums, evolutions, cells already sent, nested periods), its keys prefixed
with the structure: (structure, début, fin, indicateur, modalité). Across structures, the network's value is the sum
of the structures' (`agregation` of the dictionary), one more equation for the engine (`suppression.Groupe`):
- `somme` counts (unit nb): network = Σ structures, so that the network minus the other structures never gives a
  count from 1 to k−1, nor a masked count;
- `rapport` shares (unit pct): the effectif of a share is its numerator (share × denominator), and the network's
  numerator is the sum of the structures' (the network's share is Σ numerators / Σ denominators): network
  numerator = Σ structures' numerators, so the network's share with its denominator, minus the other structures'
  shares with theirs, never gives a small or masked numerator;
- `evolution`: its effectif is last year's count, and the network's is the sum of the structures';
- amounts, means and ratios (no effectif) get no equation across structures: what a difference gives is a sum of
  money or of durations, no count of people; a value whose population is masked is masked (`populations`).
Nested sets: the network holds each structure, so a network cell and a structure's cell of the same indicator and
modality over nested periods (the network's year and a structure's month) are a pair whose difference must be 0 or
at least k (`ecarts`), like two periods of one structure. Over the same period the equation above covers it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from ..extraits.secret import (
    SEUIL_DEFAUT,
    Ligne,
    Publiee,
    Secretisation,
    Structure,
    emboitees,
    preparer,
    structure_du_dictionnaire,
)
from ..suppression import ECART, MASQUE, Cellule, Groupe, secretiser

CleReseau = tuple  # (structure, periode_debut, periode_fin, indicateur, modalite)
SOMME, RAPPORT, EVOLUTION = "somme", "rapport", "evolution"


def cle_reseau(ligne: Mapping) -> CleReseau:
    return (ligne["structure"], ligne["periode_debut"], ligne["periode_fin"], ligne["indicateur"], ligne["modalite"])


@dataclass(frozen=True)
class PublieeReseau:
    """A cell the consolidation sent before (`registre_reseau`): a structure's or the network's."""

    structure: str
    periode_debut: date
    periode_fin: date
    indicateur: str
    modalite: str | None
    valeur: float | None
    masque: bool
    effectif: int | None

    @property
    def cle(self) -> CleReseau:
        return (self.structure, self.periode_debut, self.periode_fin, self.indicateur, self.modalite)

    @property
    def publiee(self) -> Publiee:
        return Publiee(self.periode_debut, self.periode_fin, self.indicateur, self.modalite, self.valeur, self.masque,
                       self.effectif)


def _prefixe(structure: str, cle: Hashable) -> Hashable:
    """A cell's key within a structure's table → its key in the network's table (a key that is no cell, such as an
    undeclared population, stays no cell)."""
    return (structure, *cle) if isinstance(cle, tuple) else (structure, cle)


def _agregeable(ligne: Mapping) -> bool:
    """A cell whose effectif the network adds up over the structures (see the module's docstring)."""
    agregation = ligne.get("agregation")
    return ((agregation == SOMME and ligne["unite"] == "nb") or (agregation == RAPPORT and ligne["unite"] == "pct")
            or agregation == EVOLUTION)


def groupes_reseau(lignes: Iterable[Ligne], cellules: Mapping[CleReseau, Cellule], reseau: str) -> list[Groupe]:
    """One equation per network cell that aggregates an effectif: network = Σ structures (those of the table that
    have the cell; a structure without the row adds nothing to the network)."""
    parties: dict[tuple, list[CleReseau]] = defaultdict(list)
    totaux: dict[tuple, CleReseau] = {}
    for r in lignes:
        k = cle_reseau(r)
        if not _agregeable(r) or cellules[k].effectif is None:  # an empty value: nothing to add up
            continue
        if r["structure"] == reseau:
            totaux[k[1:]] = k
        else:
            parties[k[1:]].append(k)
    return [Groupe(tuple(parties[k]), total) for k, total in totaux.items() if parties.get(k)]


def paires_reseau(cellules: Mapping[CleReseau, Cellule], figees: Mapping[CleReseau, bool],
                  reseau: str) -> list[tuple[CleReseau, CleReseau]]:
    """(network cell, structure's cell): same indicator and modality, the network's period holding the structure's
    (and different: over the same period the group network = Σ structures covers it), one at least not sent yet."""
    du_reseau: dict[tuple, list[CleReseau]] = defaultdict(list)
    des_structures: dict[tuple, list[CleReseau]] = defaultdict(list)
    for k, c in cellules.items():
        if c.effectif is not None:
            (du_reseau if k[0] == reseau else des_structures)[k[3:]].append(k)
    paires = []
    for indicateur, exterieures in du_reseau.items():
        for a in exterieures:
            for b in des_structures.get(indicateur, ()):
                if emboitees(a[1:3], b[1:3]) and a[1] <= b[1] and b[2] <= a[2] and not (a in figees and b in figees):
                    paires.append((a, b))
    return paires


def secretiser_reseau(lignes: Iterable[Ligne], structure: Structure | None = None, seuil: int = SEUIL_DEFAUT,
                      publiees: Iterable[PublieeReseau] = (), reseau: str | None = None) -> Secretisation:
    """The consolidated table masked once: `valeur` → `s` for every masked cell (the value sent, for a cell sent
    before; in both cases `numerateur` and `denominateur` emptied). `lignes`: rows with `structure` (the network's
    code for the network's rows, first, as `Consolidation.lignes` has them), `periode_debut`, `periode_fin`,
    `indicateur`, `modalite`, `valeur`, `unite`, `agregation`; `structure`: of the dictionary (the seed's by
    default); `publiees`: the cells the consolidation sent before (`registre.publiees_reseau`); `reseau`: the
    network's code (by default the first row's structure).
    The result's keys (`motifs`, `effectifs`, `figees_differentes`) are `cle_reseau`s."""
    lignes = [dict(r) for r in lignes]
    structure = structure or structure_du_dictionnaire()
    if reseau is None:
        reseau = lignes[0]["structure"] if lignes else ""
    par_structure: dict[str, list[Ligne]] = defaultdict(list)
    for r in lignes:
        par_structure[r["structure"]].append(r)
    envoyees: dict[str, list[Publiee]] = defaultdict(list)
    for p in publiees:
        envoyees[p.structure].append(p.publiee)
    cellules: dict[CleReseau, Cellule] = {}
    groupes: list[Groupe] = []
    figees: dict[CleReseau, bool] = {}
    paires: list[tuple[CleReseau, CleReseau]] = []
    effectifs: dict[CleReseau, int | None] = {}
    non_declares: dict[str, None] = {}
    figees_differentes: list[CleReseau] = []
    valeurs: dict[CleReseau, object] = {}
    for code in dict.fromkeys([*par_structure, *envoyees]):
        p = preparer(par_structure.get(code, ()), structure, envoyees.get(code, ()))
        cellules |= {_prefixe(code, k): Cellule(c.effectif, tuple(_prefixe(code, q) for q in c.populations))
                     for k, c in p.cellules.items()}
        groupes += [Groupe(tuple(_prefixe(code, q) for q in g.parties),
                           None if g.total is None else _prefixe(code, g.total)) for g in p.groupes]
        figees |= {_prefixe(code, k): m for k, m in p.figees.items()}
        paires += [(_prefixe(code, a), _prefixe(code, b)) for a, b in p.paires]
        effectifs |= {_prefixe(code, k): e for k, e in p.effectifs.items()}
        non_declares |= dict.fromkeys(p.non_declares)
        figees_differentes += [_prefixe(code, k) for k in p.figees_differentes]
        valeurs |= {_prefixe(code, (r["periode_debut"], r["periode_fin"], r["indicateur"], r["modalite"])): r["valeur"]
                    for r in p.lignes}
    groupes += groupes_reseau(lignes, cellules, reseau)
    paires += paires_reseau(cellules, figees, reseau)
    motifs = secretiser(cellules, groupes, seuil, figees, paires, par_lot=True)
    masquees, differentes = [], set(figees_differentes)
    for r in lignes:
        k = cle_reseau(r)
        ligne = {**r, "valeur": MASQUE if k in motifs else valeurs[k]}
        if k in motifs or k in differentes:  # its numerator and denominator would give the value computed now
            ligne |= {c: None for c in ("numerateur", "denominateur") if c in r}
        masquees.append(ligne)
    motifs = {k: m for k, m in motifs.items() if k in effectifs}
    return Secretisation(tuple(masquees), motifs, tuple(non_declares), effectifs,
                         sum(m == ECART for m in motifs.values()), tuple(figees_differentes))


def table_publique_reseau(lignes: Iterable[Ligne], seuil: int, publiees: Iterable[PublieeReseau] = (),
                          structure: Structure | None = None, reseau: str | None = None) -> list[Ligne]:
    """The consolidated rows masked (`secretiser_reseau`) with why each is (`secret`: None when published): what the
    public regional report shows."""
    table = secretiser_reseau(lignes, structure, seuil, publiees, reseau)
    return [{**r, "secret": table.motifs.get(cle_reseau(r))} for r in table.lignes]
