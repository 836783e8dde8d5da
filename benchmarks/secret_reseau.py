"""Benchmark: disclosure control of the network's consolidated table (`lib/reseau/secret.py::secretiser_reseau`) at
15, 110 and 440 structures.

    PYTHONPATH=. .venv/bin/python benchmarks/secret_reseau.py                  # 15, 110 and 440 structures
    PYTHONPATH=. .venv/bin/python benchmarks/secret_reseau.py --structures 40  # one size

The table is built from real package rows: the fixture's indicator table (tests/fixtures/expected_indicateurs_2024.csv,
the run of tests/fixtures/exports_2024) with the dictionary's `agregation`. Structure i is the fixture's table with
every count and amount multiplied by an integer k_i (and its shares, means and ratios unchanged): a consistent table
(each breakdown still sums to its total, each share's numerator is share × denominator), as a real package is. The
network's rows are the sums (K = Σ k_i times the fixture's counts, the same shares), as the consolidation computes
them. The sizes k_i: a quarter of the structures are small (k from 1 to 4: 5 to 20 youths accompanied, many counts
from 1 to 4, so primary cells and secondary suppression across structures), the others from a few hundred to a few
thousand youths (k from 40 to 1,000): the mix is drawn with a fixed seed, the same table every time.

Each size runs in a fresh process (`--une`): time of `secretiser_reseau` alone (perf_counter), peak memory of the
process (ru_maxrss, which includes the interpreter and imports, printed with the RSS before the call), cells, masked
cells, and the audit run again on the result (`recalculables` with every equation: it must find nothing).
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "expected_indicateurs_2024.csv"
DICTIONNAIRE = ROOT / "dbt_project" / "seeds" / "indicateurs_dictionnaire.csv"
RESEAU = "ARML-BENCH"


def tailles(n: int, graine: int = 16) -> list[int]:
    """The multiplier k of each structure: one in four small (1 to 4), the others 40 to 1,000 (for the fixture's
    table of 5 youths: 200 to 5,000 youths)."""
    r = random.Random(graine)
    return [r.randint(1, 4) if r.random() < 0.25 else r.randint(40, 1000) for _ in range(n)]


def tailles_paquets(n: int, graine: int = 16) -> list[int]:
    """With real packages of a few hundred youths: most structures one package as it is (its own small cells), some
    two to six times larger."""
    r = random.Random(graine)
    return [r.choice((1, 1, 1, 2, 3, 6)) for _ in range(n)]


def _lire(chemin: Path) -> list[dict]:
    with open(chemin, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _nombre(texte: str | None) -> float | None:
    return None if texte in (None, "") else float(texte)


def _permutee(base: list[dict], hasard: random.Random) -> list[dict]:
    """The table with the values of each breakdown's modalities shuffled (structures that differ), where that keeps
    it consistent: breakdowns of counts whose modalities are in no other group (not the total of a finer breakdown)
    and are of one indicator; the total is the same sum."""
    from milo_pipeline.lib import extraits

    lignes = [{**b, "valeur": _nombre(b["valeur"]), "periode_debut": date.fromisoformat(b["periode_debut"]),
               "periode_fin": date.fromisoformat(b["periode_fin"]), "modalite": b["modalite"] or None} for b in base]
    _, groupes, _ = extraits.cellules_et_groupes(lignes, extraits.structure_du_dictionnaire())
    vues: dict[tuple, int] = {}
    for g in groupes:
        for c in g.cellules:
            vues[c] = vues.get(c, 0) + 1
    rang = {extraits.cle(r): i for i, r in enumerate(lignes)}
    valeurs = [b["valeur"] for b in base]
    for g in groupes:
        if (len({c[2] for c in g.parties}) == 1 and all(vues[c] == 1 for c in g.parties)
                and lignes[rang[g.parties[0]]]["unite"] == "nb"):  # the shares stay the fixture's: the network's too
            places = [rang[c] for c in g.parties]
            melange = [valeurs[j] for j in places]
            hasard.shuffle(melange)
            for j, v in zip(places, melange, strict=True):
                valeurs[j] = v
    return [{**b, "valeur": v} for b, v in zip(base, valeurs, strict=True)]


def table_reseau(n: int, paquets: Path | None = None, graine: int = 16) -> list[dict]:
    """The consolidated table of `n` structures (the network's rows first, then each structure's), rows as
    `Consolidation.lignes` has them (structure, periode_debut, periode_fin, indicateur, modalite, valeur, unite,
    agregation). `paquets`: a folder of network packages (`*/agregats.csv`, e.g. the network demo's `paquets/`):
    structure i is package i mod P times k_i; by default the fixture's table times k_i."""
    dico = {d["indicateur"]: d for d in _lire(DICTIONNAIRE)}
    if paquets is None:
        bases, ks = [_lire(FIXTURE)], tailles(n, graine)
    else:
        bases, ks = [_lire(f) for f in sorted(paquets.glob("*/agregats.csv"))], tailles_paquets(n, graine)
    reseau: dict[tuple, dict] = {}
    table: list[dict] = []
    hasard = random.Random(graine)
    for i, k in enumerate(ks):
        base = bases[i % len(bases)]
        for b in _permutee(base, hasard):
            agregation = dico[b["indicateur"]]["agregation"]
            v = _nombre(b["valeur"])
            if v is not None and agregation == "somme":  # counts and amounts add up; shares and means do not move
                v = round(v * k, 2)
            ligne = {"structure": f"ML-{i:03d}", "periode_debut": date.fromisoformat(b["periode_debut"]),
                     "periode_fin": date.fromisoformat(b["periode_fin"]), "indicateur": b["indicateur"],
                     "modalite": b["modalite"] or None, "valeur": v, "unite": b["unite"], "agregation": agregation}
            table.append(ligne)
            if agregation == "non_agregeable":
                continue
            cle = (ligne["periode_debut"], ligne["periode_fin"], b["indicateur"], ligne["modalite"])
            somme = reseau.setdefault(cle, {**ligne, "structure": RESEAU, "valeur": 0, "num": 0, "den": 0})
            if agregation == "somme":
                somme["valeur"] = round(somme["valeur"] + (v or 0), 2)
            elif "numerateur" in b:  # a package: Σ numerators / Σ denominators
                somme["num"] += k * (_nombre(b["numerateur"]) or 0)
                somme["den"] += k * (_nombre(b["denominateur"]) or 0)
            else:  # the fixture's table: every structure a multiple of it, the same shares
                somme["valeur"] = v
    for ligne in reseau.values():
        num, den = ligne.pop("num"), ligne.pop("den")
        if ligne["agregation"] != "somme" and "numerateur" in bases[0][0]:
            echelle = 100 if ligne["unite"] == "pct" or ligne["agregation"] == "evolution" else 1
            ligne["valeur"] = round(echelle * num / den, 2 if ligne["unite"] == "eur" else 1) if den else None
    return list(reseau.values()) + table


def une(n: int, paquets: Path | None) -> None:
    from milo_pipeline.lib import extraits
    from milo_pipeline.lib.reseau import secret
    from milo_pipeline.lib.suppression import MASQUE, recalculables

    structure = extraits.structure_du_dictionnaire()
    table = table_reseau(n, paquets)
    avant = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    captures = {}
    secretiser = secret.secretiser

    def capture(cellules, groupes, *args, **kwargs):
        captures["groupes"] = groupes
        return secretiser(cellules, groupes, *args, **kwargs)

    secret.secretiser = capture
    t = time.perf_counter()
    resultat = secret.secretiser_reseau(table, structure, 5)
    duree = time.perf_counter() - t
    pic = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    masquees = {secret.cle_reseau(r) for r in resultat.lignes if r["valeur"] == MASQUE}
    t = time.perf_counter()
    fuites = recalculables(captures["groupes"], masquees)
    audit = time.perf_counter() - t
    print(f"| {n} | {len(table):,} | {len(masquees):,} | "
          f"{sum(r['valeur'] == MASQUE for r in resultat.lignes if r['structure'] == RESEAU)} | {duree:.1f} s | "
          f"{pic:.0f} MiB ({avant:.0f} MiB before) | {len(fuites)} ({audit:.1f} s) |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--structures", type=int, nargs="+", default=[15, 110, 440])
    parser.add_argument("--paquets", type=Path, help="a folder of network packages (*/agregats.csv) to replicate "
                        "instead of the fixture's table")
    parser.add_argument("--une", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.une:
        une(args.une, args.paquets)
        return
    print("| structures | cells | masked | network masked | secretiser_reseau | peak RSS | recomputable (audit) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.structures:
        source = ["--paquets", str(args.paquets)] if args.paquets else []
        subprocess.run([sys.executable, __file__, "--une", str(n), *source], check=True)


if __name__ == "__main__":
    main()
