"""Disclosure control of the run's whole indicator table, once for every recipient: the structure of the indicators
from the dictionary (population, total, somme_de, evolution_de), the cells and groups `suppression` masks, the
pairs of nested periods, and the cells already sent (the register, `lib/registre.py`). Pure: no I/O."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from .. import dictionnaire
from ..dictionnaire import Indicateur, Reference
from ..outputs import format_valeur
from ..periods import un_an_avant
from ..suppression import ECART, MASQUE, Cellule, Groupe, secretiser

SEUIL_DEFAUT = 5

Ligne = dict
Cle = tuple  # (periode_debut, periode_fin, indicateur, modalite)

@dataclass(frozen=True)
class Structure:
    """What disclosure control knows of the indicators: their columns population, evolution_de, total and
    somme_de in the dictionary (`structure`)."""

    populations: dict[str, tuple[Reference, ...]] = field(default_factory=dict)
    evolutions: dict[str, Reference] = field(default_factory=dict)
    totaux: dict[str, Reference | None] = field(default_factory=dict)
    """A breakdown → the cell its modalities sum to; None: no total (`aucun`). A breakdown absent: its total is
    assumed known to the reader (prudence)."""
    sommes: dict[Reference, tuple[Reference, ...]] = field(default_factory=dict)


def structure(indicateurs: Iterable[Indicateur]) -> Structure:
    """The structure of disclosure control from the dictionary (`dictionnaire.indicateurs`)."""
    indicateurs = list(indicateurs)
    return Structure(
        populations={i.id: i.population for i in indicateurs if i.population is not None},
        evolutions={i.id: i.evolution_de for i in indicateurs if i.evolution_de is not None},
        totaux={i.id: (i.total or (None,))[0] for i in indicateurs if i.total is not None},
        sommes={Reference(i.id): i.somme_de for i in indicateurs if i.somme_de},
    )


def structure_du_dictionnaire(lignes: Iterable[Mapping] | None = None) -> Structure:
    """The structure from the dictionary's rows (`warehouse.lire_dictionnaire`); the seed's by default."""
    return structure(dictionnaire.indicateurs(dictionnaire.lire_csv() if lignes is None else lignes).values())


# ------------------------------------------------------------------------------------ disclosure control

def cle(ligne: Mapping) -> Cle:
    return (ligne["periode_debut"], ligne["periode_fin"], ligne["indicateur"], ligne["modalite"])


@dataclass(frozen=True)
class Publiee:
    """A cell already sent to someone (the register, `lib/registre.py`): its value, whether it was masked, and its
    effectif (count, numerator of a share, last year's count of an evolution) when it has one."""

    periode_debut: date
    periode_fin: date
    indicateur: str
    modalite: str | None
    valeur: float | None
    masque: bool
    effectif: int | None

    @property
    def cle(self) -> Cle:
        return (self.periode_debut, self.periode_fin, self.indicateur, self.modalite)


@dataclass(frozen=True)
class Secretisation:
    lignes: tuple[Ligne, ...]
    """The rows of the table, `valeur` replaced by `s` where masked (and by the value already sent, for a cell
    sent before)."""
    motifs: dict[Cle, str]
    """Why each masked cell of the table is: primaire, population, secondaire, déjà masqué."""
    non_declares: tuple[str, ...]
    """Values that are no count and that the structure gives no population: all masked."""
    effectifs: dict[Cle, int | None] = field(default_factory=dict)
    """The effectif of each cell of the table (what the register keeps with it)."""
    differences: int = 0
    """Cells masked because their difference with a cell of a nested period (this table's or one already sent)
    would be a count from 1 to k−1 (motif `écart`)."""
    figees_differentes: tuple[Cle, ...] = ()
    """Cells already sent whose value computed now differs: the value sent is kept."""


def _entier(x: float) -> int:
    return math.floor(x + 0.5)


def cellules_et_groupes(lignes: Iterable[Ligne], structure: Structure) -> tuple[dict, list[Groupe], list[str]]:
    """The cells of the indicator table with their effectif and populations, the groups tying totals to parts,
    and the ids of the values without a declared population."""
    lignes = list(lignes)
    valeurs = {cle(r): r["valeur"] for r in lignes}
    cellules: dict[Cle, Cellule] = {}
    non_declares: dict[str, None] = {}
    for r in lignes:
        k, v, ind = cle(r), r["valeur"], r["indicateur"]
        periode = k[:2]
        if r["unite"] == "nb":
            cellules[k] = Cellule(None if v is None else _entier(v))
        elif ind in structure.evolutions:
            n_cle = structure.evolutions[ind].cle(periode, k[3])
            n = valeurs.get(n_cle)
            precedent = None if v is None or n is None or v <= -100 else _entier(100 * n / (100 + v))
            cellules[k] = Cellule(precedent, (n_cle,))
        elif ind in structure.populations:
            pops = tuple(ref.cle(periode, k[3]) for ref in structure.populations[ind])
            d = valeurs.get(pops[0]) if pops else None
            numerateur = _entier(v * d / 100) if r["unite"] == "pct" and v is not None and d is not None else None
            cellules[k] = Cellule(numerateur, pops)
        else:
            non_declares[ind] = None
            cellules[k] = Cellule(None, (("population non déclarée", ind),))
    return cellules, _groupes(lignes, cellules, structure), list(non_declares)


def _groupes(lignes: list[Ligne], cellules: dict, structure: Structure) -> list[Groupe]:
    repartitions: dict[tuple, list[Cle]] = defaultdict(list)
    for r in lignes:
        if r["modalite"] is not None:
            repartitions[(r["periode_debut"], r["periode_fin"], r["indicateur"])].append(cle(r))
    groupes = []
    for (debut, fin, ind), cles in repartitions.items():
        if ind in structure.totaux and structure.totaux[ind] is None:
            continue
        ref = structure.totaux.get(ind)
        par_total: dict[Cle | None, list[Cle]] = defaultdict(list)
        for k in cles:
            if ref is None:
                par_total[None].append(k)
            else:
                total = ref.cle((debut, fin), k[3].split("|")[0])
                if total != k:
                    par_total[total].append(k)
        for total, parties in par_total.items():
            groupes.append(Groupe(tuple(parties), total if total in cellules else None))
    periodes = dict.fromkeys((r["periode_debut"], r["periode_fin"]) for r in lignes)
    for total_ref, parties_refs in structure.sommes.items():
        for periode in periodes:
            total = total_ref.cle(periode, None)
            parties = tuple(k for ref in parties_refs if (k := ref.cle(periode, None)) in cellules)
            if total in cellules and parties:
                groupes.append(Groupe(parties, total))
    return groupes


def groupes_evolutions(cellules: Mapping[Cle, Cellule], structure: Structure) -> list[Groupe]:
    """An evolution and its count of the year before, when that count is a cell (of this table, or already sent):
    the evolution gives that count with the current one (its effectif), so they are one equation, count N−1 =
    effectif of the evolution: a count N−1 masked (even by secondary suppression) masks the evolution, and an
    evolution masked masks the count N−1."""
    groupes = []
    for k, c in cellules.items():
        if k[2] in structure.evolutions and c.effectif is not None:
            avant = structure.evolutions[k[2]].cle((un_an_avant(k[0]), un_an_avant(k[1])), k[3])
            if avant in cellules:
                groupes.append(Groupe((k,), avant))
    return groupes


def emboitees(a: tuple[date, date], b: tuple[date, date]) -> bool:
    """Two different periods one of which holds the other (a month and its year to date, two years to date, a
    year and one of its months)."""
    return a != b and ((a[0] <= b[0] and b[1] <= a[1]) or (b[0] <= a[0] and a[1] <= b[1]))


def paires_emboitees(cellules: Mapping[Cle, Cellule], figees: Mapping[Cle, bool]) -> list[tuple[Cle, Cle]]:
    """(outer, inner): every two cells with an effectif, of the same indicator and modality over nested periods,
    one of them at least not sent yet."""
    par_cellule: dict[tuple, list[Cle]] = defaultdict(list)
    for k, c in cellules.items():
        if c.effectif is not None:
            par_cellule[k[2:]].append(k)
    paires = []
    for cles in par_cellule.values():
        for i, a in enumerate(cles):
            for b in cles[i + 1:]:
                if emboitees(a[:2], b[:2]) and not (a in figees and b in figees):
                    paires.append((a, b) if a[0] <= b[0] and b[1] <= a[1] else (b, a))
    return paires


@dataclass(frozen=True)
class Preparation:
    """What `secretiser` is given for one table: its rows (a value already sent put back), cells, groups, cells
    already sent (`figees`) and pairs over nested periods; what the result keeps of it."""

    lignes: list[Ligne]
    cellules: dict[Cle, Cellule]
    groupes: list[Groupe]
    figees: dict[Cle, bool]
    paires: list[tuple[Cle, Cle]]
    effectifs: dict[Cle, int | None]
    non_declares: list[str]
    figees_differentes: list[Cle]


def preparer(lignes: Iterable[Ligne], structure: Structure, publiees: Iterable[Publiee] = ()) -> Preparation:
    """The cells, groups, cells already sent and nested pairs of one table (`secretiser_indicateurs`; the network's
    consolidation prepares each structure's table the same way, `lib/reseau/secret.py`)."""
    lignes = [dict(r) for r in lignes]
    anterieures: dict[Cle, Publiee] = {}
    for p in publiees:
        if p.cle not in anterieures or (anterieures[p.cle].masque and not p.masque):
            anterieures[p.cle] = p
    figees_differentes = []
    for r in lignes:
        if (p := anterieures.get(cle(r))) is not None and not p.masque:
            if format_valeur(p.valeur, r["unite"]) != format_valeur(r["valeur"], r["unite"]):
                figees_differentes.append(cle(r))
            r["valeur"] = p.valeur
    cellules, groupes, non_declares = cellules_et_groupes(lignes, structure)
    effectifs = {k: c.effectif for k, c in cellules.items()}
    figees = {k: p.masque for k, p in anterieures.items() if k in cellules}
    for k, p in anterieures.items():
        if k not in cellules:
            cellules[k] = Cellule(p.effectif)
            figees[k] = p.masque
    groupes += groupes_evolutions(cellules, structure)
    return Preparation(lignes, cellules, groupes, figees, paires_emboitees(cellules, figees), effectifs,
                       non_declares, figees_differentes)


def secretiser_indicateurs(lignes: Iterable[Ligne], structure: Structure, seuil: int = SEUIL_DEFAUT,
                           publiees: Iterable[Publiee] = ()) -> Secretisation:
    """The whole indicator table masked: `valeur` → `s` for every masked cell.

    `publiees`: the cells already sent to anyone (every funder, the public report) for a period equal to, nested
    in or holding a period of the table. A cell of the table already sent keeps what was sent (its value, or its
    mask). Every other cell is also checked against the cells of the same indicator and modality over nested
    periods, sent before or in this table: their difference must be 0 or at least k (through the numerators for
    shares)."""
    p = preparer(lignes, structure, publiees)
    motifs = secretiser(p.cellules, p.groupes, seuil, p.figees, p.paires)
    masquees = tuple({**r, "valeur": MASQUE} if cle(r) in motifs else r for r in p.lignes)
    motifs = {k: m for k, m in motifs.items() if k in p.effectifs}
    return Secretisation(masquees, motifs, tuple(p.non_declares), p.effectifs,
                         sum(m == ECART for m in motifs.values()), tuple(p.figees_differentes))


def table_publique(lignes: Iterable[Ligne], seuil: int, publiees: Iterable[Publiee] = (),
                   structure: Structure | None = None) -> list[Ligne]:
    """The rows masked (`secretiser_indicateurs`) with why each is (`secret`: None when published): what the public
    report shows. The pipeline reads the same from `diffusion.table_secretisee` (`registre.lignes_secretisees`)."""
    table = secretiser_indicateurs(lignes, structure or structure_du_dictionnaire(), seuil, publiees)
    return [{**r, "secret": table.motifs.get(cle(r))} for r in table.lignes]


METADONNEES_MOTIFS = {"primaire": "masquees_primaire", "population": "masquees_population",
                      "secondaire": "masquees_secondaire", "écart": "masquees_ecart_entre_periodes",
                      "déjà masqué": "masquees_deja_envoyees_masquees"}


def bilan(lignes: Iterable[Ligne], table: Secretisation, publiees: Iterable[Publiee], seuil: int) -> dict[str, int]:
    """What the masking of `lignes` did, in numbers (the metadata of the asset `secret_statistique`): masked cells
    by motif, cells of the table already sent, and those whose value sent differs from this run's."""
    deja = {p.cle for p in publiees} & {cle(r) for r in lignes}
    return {"seuil": seuil, "cellules": len(table.lignes),
            **{nom: sum(m == motif for m in table.motifs.values()) for motif, nom in METADONNEES_MOTIFS.items()},
            "cellules_deja_envoyees": len(deja), "deja_envoyees_differentes": len(table.figees_differentes)}


def valeurs_conservees_csv(lignes: Iterable[Ligne], table: Secretisation) -> bytes:
    """The cells already sent whose value computed now differs (`table.figees_differentes`): the value sent (kept)
    beside the value of this run, for the data team (README, « Corriger un chiffre déjà envoyé »)."""
    calculees = {cle(r): r for r in lignes}
    envoyees = {cle(r): r["valeur"] for r in table.lignes}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("periode_debut", "periode_fin", "indicateur", "modalite", "valeur_envoyee", "valeur_calculee",
                     "unite"))
    for k in table.figees_differentes:
        r = calculees[k]
        writer.writerow((*(d.isoformat() for d in k[:2]), k[2], k[3] or "", format_valeur(envoyees[k], r["unite"]),
                         format_valeur(r["valeur"], r["unite"]), r["unite"]))
    return buffer.getvalue().encode("utf-8")
