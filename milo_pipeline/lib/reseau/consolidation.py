"""The consolidation of a network's packages (design §3): which packages are included, refused or missing, the
network's figures recomputed from the summed numerators and denominators, and the outputs published together.

    consolidation = consolider(dossier_paquets, periode, reseau)        # verification + network values
    publier_consolidation(consolidation, out, milo_home, ecrivains=[…])  # indicateurs_reseau.csv,
                                                                       # consolidation.json + each écrivain's files

An écrivain is `ecrivain(consolidation, dossier) -> None`: it writes its files (the regional report, the regional
extracts) into `dossier`, the staging folder published all or nothing with `indicateurs_reseau.csv` and
`consolidation.json` (written last, with the SHA-256 of every other file).

Network values are computed set-based in DuckDB: every included package's rows in one table, one GROUP BY:
`somme` Σ numerateur; `rapport` Σ numerateur / Σ denominateur (× 100 for a pct); `evolution`
100 × Σ (n − n₋₁) / Σ n₋₁; empty when the summed denominator is 0, or when a structure's cell is empty (a network
figure never silently leaves a structure out); rounded exactly as the `indicateurs` mart rounds (through
DECIMAL(38, 10), half away from zero: nb 0, pct/ratio/mois 1, eur 2 decimals). `non_agregeable`: no network row.

Order of `lignes`: the network's rows first, by period (start, end), the dictionary's `ordre`, then the modalities
in the order the packages give them (the packages' orders merged, structures taken by code: a modality one package
lacks is placed after the modality that precedes it where it appears); then each included structure's rows, by
code, in its package's order."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ..dictionnaire import Indicateur, indicateurs, lire_csv, version_dictionnaire
from ..outputs import COLONNES as COLONNES_INDICATEURS
from ..outputs import format_valeur, publish
from ..periods import Periode
from .verification import MANIFEST, Paquet, PaquetRefuse, verifier_paquet

INCLUSE, REFUSEE, MANQUANTE = "incluse", "refusee", "manquante"
FICHIER_INDICATEURS = "indicateurs_reseau.csv"
FICHIER_CONSOLIDATION = "consolidation.json"
COLONNES = ("structure", *COLONNES_INDICATEURS)
FORMAT_CONSOLIDATION = "milo-pipeline/consolidation-reseau"


@dataclass(frozen=True)
class StructureReseau:
    """A structure of the network and what became of its package. `fichier`: for a refusal the file at fault, for
    an included structure its package folder (both relative to the packages folder), None when missing.
    `manifest_sha256` and `fichiers` ((name, sha256) pairs): the package as read, when it was."""

    code: str
    nom: str
    nom_court: str
    statut: str
    motif: str | None
    fichier: str | None
    manifest_sha256: str | None = None
    fichiers: tuple = ()


@dataclass(frozen=True)
class Consolidation:
    """The consolidation of one period. `lignes`: network rows (structure = reseau["code"]) then each included
    structure's rows (module docstring for the order); values float or None, dates `date`."""

    reseau: dict
    periode: Periode
    structures: tuple
    lignes: tuple
    genere_le: str = ""
    version_dictionnaire: str = ""
    dossier_paquets: str = ""
    dictionnaire: dict = field(default_factory=dict, repr=False, compare=False)

    def par_statut(self, statut: str) -> tuple:
        return tuple(s for s in self.structures if s.statut == statut)

    @property
    def incluses(self) -> tuple:
        return self.par_statut(INCLUSE)

    @property
    def refusees(self) -> tuple:
        return self.par_statut(REFUSEE)

    @property
    def manquantes(self) -> tuple:
        return self.par_statut(MANQUANTE)


Ecrivain = Callable[[Consolidation, Path], None]


def candidats(dossier: Path) -> list[Path]:
    """The package candidates under `dossier`: every sub-folder holding a manifest.json, and every sub-folder at
    depth 1 with no candidate below it (it is refused: no manifest); a link to a folder is a candidate (refused: never
    followed). Hidden entries (a name starting with « . ») are ignored. Sorted by path."""
    trouves: set[Path] = set()
    for racine, dossiers, fichiers in os.walk(dossier, followlinks=False):
        dossiers[:] = [d for d in dossiers if not d.startswith(".")]
        ici = Path(racine)
        if ici != dossier and MANIFEST in fichiers:
            trouves.add(ici)
        for d in dossiers:
            if (ici / d).is_symlink():
                trouves.add(ici / d)
    couverts = {t.relative_to(dossier).parts[0] for t in trouves}
    for enfant in dossier.iterdir():
        if not enfant.name.startswith(".") and enfant.name not in couverts and (enfant.is_symlink() or enfant.is_dir()):
            trouves.add(enfant)
    return sorted(trouves)


def dictionnaire_et_version(seed: Path | None = None) -> tuple[dict[str, Indicateur], str]:
    """The dictionary a package is checked against (the seed's rows) and its version (the seed's SHA-256)."""
    kwargs = {} if seed is None else {"path": seed}
    return indicateurs(lire_csv(**kwargs)), version_dictionnaire(**kwargs)


def consolider(dossier_paquets: Path, periode: Periode, reseau: dict, seed: Path | None = None,
               genere_le: datetime | None = None) -> Consolidation:
    """Verify every package under `dossier_paquets` whole, then compute the network's figures from the accepted ones.
    `seed`: the dictionary (default the project's seed; its SHA-256 is the version a package must carry)."""
    dossier_paquets = Path(dossier_paquets).absolute()
    dictionnaire, version = dictionnaire_et_version(seed)
    acceptes: list[Paquet] = []
    refus: list[PaquetRefuse] = []
    for candidat in candidats(dossier_paquets):
        try:
            acceptes.append(verifier_paquet(candidat, dossier_paquets, periode, dictionnaire, version))
        except PaquetRefuse as exc:
            refus.append(exc)
    acceptes, refus = _codes_uniques(acceptes, refus, periode)
    acceptes, refus = _attendus(acceptes, refus, reseau)
    structures = [StructureReseau(p.code, p.nom, p.nom_court, INCLUSE, None, p.dossier, p.manifest_sha256,
                                  tuple(sorted(p.fichiers.items()))) for p in acceptes]
    structures += [StructureReseau(r.code, r.nom, r.nom_court, REFUSEE, r.message(), r.fichier, r.manifest_sha256)
                   for r in refus]
    presents = {p.code for p in acceptes} | {r.code for r in refus if r.identifie}
    structures += [StructureReseau(s["code"], s["nom"], s.get("nom_court") or s["nom"], MANQUANTE,
                                   f"Structure manquante : {s['code']} ({s['nom']}) : aucun paquet dans "
                                   f"{dossier_paquets}", None)
                   for s in reseau.get("structures", ()) if s["code"] not in presents]
    acceptes.sort(key=lambda p: p.code)
    moment = (genere_le or datetime.now(UTC)).isoformat(timespec="seconds")
    return Consolidation(
        reseau=reseau, periode=periode,
        structures=tuple(sorted(structures, key=lambda s: (s.code, s.statut, s.fichier or ""))),
        lignes=tuple(_lignes_reseau(acceptes, reseau["code"], dictionnaire)) + tuple(
            ligne for p in acceptes for ligne in p.lignes),
        genere_le=moment, version_dictionnaire=version, dossier_paquets=str(dossier_paquets),
        dictionnaire=dictionnaire)


def _codes_uniques(acceptes: list[Paquet], refus: list[PaquetRefuse], periode: Periode):
    """Two packages of the period (accepted, or refused after their manifest said the period) carrying the same
    structure code: every one of them refused. A structure's package of another period (last year's, left in the
    folder) is refused for its period and takes nothing from this one."""
    dossiers: dict[str, list[str]] = {}
    for code, dossier in [(p.code, p.dossier) for p in acceptes] + [
            (r.code, r.dossier) for r in refus if r.identifie and r.periode == periode.label]:
        dossiers.setdefault(code, []).append(dossier)
    doubles = {code: sorted(ds) for code, ds in dossiers.items() if len(ds) > 1}
    for p in [p for p in acceptes if p.code in doubles]:
        acceptes.remove(p)
        refus.append(PaquetRefuse(p.dossier, f"{p.dossier}/{MANIFEST}", f"{p.dossier}/{MANIFEST} : le code « {p.code} »"
                                  f" est celui de {len(doubles[p.code])} paquets ({', '.join(doubles[p.code])}) : "
                                  "tous refusés", p.manifest["structure"], p.manifest_sha256))
    return acceptes, refus


def _attendus(acceptes: list[Paquet], refus: list[PaquetRefuse], reseau: dict):
    """With a list of expected structures, a package of a structure that is not in it is refused."""
    attendues = {s["code"] for s in reseau.get("structures", ())}
    if not attendues:
        return acceptes, refus
    for p in [p for p in acceptes if p.code not in attendues]:
        acceptes.remove(p)
        refus.append(PaquetRefuse(p.dossier, f"{p.dossier}/{MANIFEST}", f"{p.dossier}/{MANIFEST} : structure absente "
                                  f"de la liste « structures » de {reseau.get('fichier', 'config/reseau.yaml')}",
                                  p.manifest["structure"], p.manifest_sha256))
    return acceptes, refus


_SQL_RESEAU = """
with sommes as (
    select periode_debut, periode_fin, indicateur, modalite, any_value(unite) as unite,
           any_value(agregation) as agregation,
           case when bool_or(numerateur is null) then null else sum(numerateur) end as numerateur,
           case when any_value(agregation) = 'somme' or bool_or(denominateur is null) then null
                else sum(denominateur) end as denominateur
    from paquets
    where agregation <> 'non_agregeable'
    group by periode_debut, periode_fin, indicateur, modalite
),
valeurs as (
    select *,
           case when agregation = 'somme' then cast(numerateur as double)
                when denominateur is null or denominateur = 0 then null
                when unite = 'pct' or agregation = 'evolution'
                    then 100.0 * cast(numerateur as double) / cast(denominateur as double)
                else cast(numerateur as double) / cast(denominateur as double)
           end as brute
    from sommes
)
-- rounded as the `indicateurs` mart rounds: through DECIMAL(38, 10), half away from zero, one branch per scale
select periode_debut, periode_fin, indicateur, modalite,
       case unite
           when 'nb' then cast(round(cast(brute as decimal(38, 10)), 0) as double)
           when 'eur' then cast(round(cast(brute as decimal(38, 10)), 2) as double)
           else cast(round(cast(brute as decimal(38, 10)), 1) as double)
       end as valeur,
       unite, agregation, cast(numerateur as double) as numerateur, cast(denominateur as double) as denominateur
from valeurs
"""


COLONNES_PAQUET = {"periode_debut": "DATE", "periode_fin": "DATE", "indicateur": "VARCHAR", "modalite": "VARCHAR",
                   "valeur": "VARCHAR", "unite": "VARCHAR", "agregation": "VARCHAR", "numerateur": "DECIMAL(38, 6)",
                   "denominateur": "DECIMAL(38, 6)"}


def _lignes_reseau(paquets: list[Paquet], code_reseau: str, dictionnaire: dict[str, Indicateur]) -> list[dict]:
    """The network's rows: every package's agregats.csv, as verified (the bytes read and checked, copied into a
    private temporary folder: never the packages folder again), in one DuckDB table, one GROUP BY."""
    if not paquets:
        return []
    with duckdb.connect() as con, tempfile.TemporaryDirectory(prefix="milo-consolidation-") as tmp:
        fichiers = []
        for n, p in enumerate(paquets):
            fichiers.append(str(Path(tmp) / f"{n}.csv"))
            Path(fichiers[-1]).write_bytes(p.agregats)
        con.execute("create table paquets as select * from read_csv(?, header = true, auto_detect = false, "
                    "columns = ?, delim = ',', quote = '\"', escape = '\"', nullstr = '')",
                    [fichiers, COLONNES_PAQUET])
        resultat = con.execute(_SQL_RESEAU)
        noms = [d[0] for d in resultat.description]
        lignes = [dict(zip(noms, r, strict=True)) for r in resultat.fetchall()]
    rangs = _rangs_modalites(paquets)
    lignes.sort(key=lambda r: (r["periode_debut"], r["periode_fin"], dictionnaire[r["indicateur"]].ordre,
                               r["indicateur"], rangs[(r["periode_debut"], r["periode_fin"], r["indicateur"])]
                               [r["modalite"]]))
    return [{"structure": code_reseau, **r} for r in lignes]


def _rangs_modalites(paquets: list[Paquet]) -> dict[tuple, dict]:
    """For each (period, indicator), the rank of each modality in the packages' orders merged (packages by code): a
    modality not yet placed goes right after the one that precedes it in the package that has it (first if none)."""
    ordres: dict[tuple, list] = {}
    for p in sorted(paquets, key=lambda p: p.code):
        par_cle: dict[tuple, list] = {}
        for ligne in p.lignes:
            par_cle.setdefault((ligne["periode_debut"], ligne["periode_fin"], ligne["indicateur"]), []).append(
                ligne["modalite"])
        for cle, modalites in par_cle.items():
            fusion = ordres.setdefault(cle, [])
            if fusion == modalites:  # the usual case: the same vocabulary in the same order
                continue
            places = set(fusion)
            precedente = None
            for m in modalites:
                if m not in places:
                    fusion.insert(0 if precedente is None else fusion.index(precedente) + 1, m)
                    places.add(m)
                precedente = m
    return {cle: {m: rang for rang, m in enumerate(fusion)} for cle, fusion in ordres.items()}


_format = functools.lru_cache(maxsize=1 << 16)(format_valeur)  # values repeat across structures


def indicateurs_reseau_csv(lignes: Iterable[dict]) -> bytes:
    """indicateurs_reseau.csv: the columns of indicateurs.csv after `structure`, values written as indicateurs.csv
    writes them."""
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, lineterminator="\n")
    ecrivain.writerow(COLONNES)
    for r in lignes:
        ecrivain.writerow([r["structure"], r["periode_debut"].isoformat(), r["periode_fin"].isoformat(),
                           r["indicateur"], r["modalite"] or "", _format(r["valeur"], r["unite"]), r["unite"]])
    return tampon.getvalue().encode("utf-8")


def _sha256(chemin: Path) -> str:
    h = hashlib.sha256()
    with open(chemin, "rb") as f:
        for bloc in iter(lambda: f.read(1 << 20), b""):
            h.update(bloc)
    return h.hexdigest()


def manifeste_consolidation(consolidation: Consolidation, fichiers: dict[str, str]) -> bytes:
    """consolidation.json: the network, the period, each structure with its status, reason and package checksums,
    the dictionary version, the SHA-256 of every other output file, the generation time."""
    from ..extraits.tracabilite import version

    reseau = {k: consolidation.reseau.get(k) for k in ("code", "nom", "nom_court", "region")}
    donnees = {
        "format": FORMAT_CONSOLIDATION, "version_format": 1, "reseau": reseau,
        "periode": consolidation.periode.label,
        "periodes": [{"debut": consolidation.periode.debut.isoformat(), "fin": consolidation.periode.fin.isoformat()}],
        "dictionnaire": {"version": consolidation.version_dictionnaire},
        "comptes": {statut: len(consolidation.par_statut(statut)) for statut in (INCLUSE, REFUSEE, MANQUANTE)},
        "structures": [{"code": s.code, "nom": s.nom, "nom_court": s.nom_court, "statut": s.statut, "motif": s.motif,
                        "fichier": s.fichier, "manifest_sha256": s.manifest_sha256,
                        "fichiers": {nom: {"sha256": sha} for nom, sha in s.fichiers}}
                       for s in consolidation.structures],
        "fichiers": {nom: {"sha256": sha} for nom, sha in sorted(fichiers.items())},
        "genere_le": consolidation.genere_le, "version": version(),
    }
    return (json.dumps(donnees, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


class RienAConsolider(Exception):
    """No package could be consolidated: nothing is published."""


def publier_consolidation(consolidation: Consolidation, out: Path, milo_home: Path,
                          ecrivains: Iterable[Ecrivain] = (),
                          publication: Callable[[Path, Path], list[Path]] = publish) -> list[Path]:
    """Write the outputs into a staging folder under MILO_HOME, then publish them into `out` all or nothing
    (`publication`, default lib/outputs.publish; the lead may pass one that records the register in the same
    transaction). Order: indicateurs_reseau.csv, each écrivain, consolidation.json (last: it lists the SHA-256 of
    every other file). RienAConsolider when no structure is included (nothing written); PublicationImpossible from
    `publication`. The staging folder is removed whatever happens. Returns the files published."""
    if not consolidation.incluses:
        raise RienAConsolider("Aucun paquet n'a pu être consolidé : rien n'a été publié (les sorties précédentes "
                              "sont inchangées).")
    Path(milo_home).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".consolidation-", dir=milo_home))
    try:
        (staging / FICHIER_INDICATEURS).write_bytes(indicateurs_reseau_csv(consolidation.lignes))
        for ecrivain in ecrivains:
            ecrivain(consolidation, staging)
        fichiers = {p.relative_to(staging).as_posix(): _sha256(p) for p in sorted(staging.rglob("*")) if p.is_file()}
        (staging / FICHIER_CONSOLIDATION).write_bytes(manifeste_consolidation(consolidation, fichiers))
        Path(out).parent.mkdir(parents=True, exist_ok=True)  # publish() creates `out`, not its parents
        return publication(staging, Path(out))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
