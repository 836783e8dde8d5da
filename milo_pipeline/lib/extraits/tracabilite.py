"""Where a run's figures come from, for the report's annex « Définitions et sources » and the extracts'
« Définitions » sheet (one reading for both):

- the export files the run loaded (`raw._fichiers`: name, table, export date, SHA-256, rows read, rows quarantined),
  the same files as the extracts' manifest;
- the exports each indicator comes from, by dbt lineage, not written by hand: the models the mart `indicateurs`
  unions (the parent map of the dbt project's manifest, the same graph the run's `dbt build` ran) each produce
  some ids (read from the built warehouse), and each reads some sources (`imilo.<table>`: the export of that table;
  `saisies.<table>`: a manual input file). The lineage is the mart's: an indicator is said to come from every
  export its mart reads (dbt has no lineage below a model);
- the run's quality status (the asset checks of the run — Great Expectations suites and dbt tests — and the
  ingestion's warnings kept in its Data Docs: confirmed drops of volume, unknown columns ignored);
- the version of milo-pipeline.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import metadata
from pathlib import Path

from ..dbt_project import dossier_projet
from ..quality import DATA_DOCS
from ..saisies import DOSSIER as DOSSIER_SAISIES
from ..saisies import FICHIERS as FICHIERS_SAISIES
from ..warehouse import read_rows

MART_INDICATEURS = "model.milo.indicateurs"
SOURCE_EXPORTS, SOURCE_SAISIES = "imilo", "saisies"


@dataclass(frozen=True)
class FichierSource:
    fichier: str
    table: str
    date_export: date | None
    sha256: str
    lignes_lues: int
    lignes_rejetees: int


@dataclass(frozen=True)
class Qualite:
    """The quality status of a run: checks passed (None: not known, no check ran in this run or outside a Dagster
    run), the checks that warned (`asset · check`), the ingestion's warnings. A run with a failed blocking check
    publishes nothing, so what is published has every blocking check passed."""

    reussis: int | None = None
    avertissements: tuple[str, ...] = ()
    ingestion: tuple[str, ...] = ()

    @property
    def statut(self) -> str:
        return "conforme avec avertissements" if self.avertissements or self.ingestion else "conforme"

    def resume(self) -> str:
        """« Conforme avec avertissements : 134 contrôles réussis, 1 avertissement ; contrôles bloquants : tous
        réussis. », or that the checks were not run by this run (an output materialized alone in the UI)."""
        if self.reussis is None:
            return ("Contrôles de qualité non exécutés par cette exécution : voir l'exécution qui a construit "
                    "l'entrepôt.")
        parties = []
        parties.append(f"{self.reussis} contrôle{'s' if self.reussis > 1 else ''} "
                       f"réussi{'s' if self.reussis > 1 else ''}")
        n = len(self.avertissements) + len(self.ingestion)
        parties.append(f"{n} avertissement{'s' if n > 1 else ''}")
        return f"{self.statut.capitalize()} : {', '.join(parties)} ; contrôles bloquants : tous réussis."


@dataclass(frozen=True)
class Tracabilite:
    fichiers: tuple[FichierSource, ...] = ()
    lignage: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """indicator id → its sources (`imilo.jeunes`, `saisies.budget`), sorted."""
    modeles: Mapping[str, str] = field(default_factory=dict)
    """indicator id → the dbt model (mart) that computes it."""
    qualite: Qualite = Qualite()
    version: str = ""
    run_id: str | None = None

    def exports(self, indicateur: str) -> tuple[str, ...]:
        """What an indicator comes from: each i-milo export table its mart reads (`jeunes`: the file
        `jeunes_<date>` of the list of source files), `saisies/<file>.yaml` for a manual input."""
        noms = []
        for source in self.lignage.get(indicateur, ()):
            nature, _, table = source.partition(".")
            noms.append(f"{DOSSIER_SAISIES}/{fichier_saisie(table)}" if nature == SOURCE_SAISIES else table)
        return tuple(dict.fromkeys(noms))


def fichier_saisie(table: str) -> str:
    """The manual input file of a `saisies` source table (`satisfaction_questions` → satisfaction.yaml)."""
    for nom in FICHIERS_SAISIES:
        stem = nom.removesuffix(".yaml")
        if table == stem or table.startswith(stem + "_"):
            return nom
    return table


def lire_fichiers(warehouse: Path) -> tuple[FichierSource, ...]:
    """The export files loaded in the warehouse (raw._fichiers), by name."""
    rows = read_rows(warehouse, "select fichier, table_export, date_export, sha256, lignes_lues, lignes_rejetees "
                                "from raw._fichiers order by fichier")
    return tuple(FichierSource(r["fichier"], r["table_export"], r["date_export"], r["sha256"],
                               int(r["lignes_lues"] or 0), int(r["lignes_rejetees"] or 0)) for r in rows)


def manifest_dbt() -> Path:
    """The dbt project's manifest (parsed when the code location loads: lib/dbt_project.preparer_manifest)."""
    return dossier_projet() / "target" / "manifest.json"


def sources_des_modeles(manifest: Mapping) -> dict[str, tuple[str, ...]]:
    """Each model the mart `indicateurs` reads → the sources (`imilo.jeunes`) it reads, directly or not."""
    parents = manifest["parent_map"]

    @cache
    def sources(noeud: str) -> frozenset[str]:
        trouvees: set[str] = set()
        for parent in parents.get(noeud, ()):
            if parent.startswith("source."):
                trouvees.add(parent.split(".", 2)[2])
            else:
                trouvees |= sources(parent)
        return frozenset(trouvees)

    return {noeud.split(".", 2)[2]: tuple(sorted(sources(noeud)))
            for noeud in parents.get(MART_INDICATEURS, ()) if noeud.startswith("model.")}


def lire_lignage(warehouse: Path, manifest: Path | None = None
                 ) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """indicator id → the sources of the model that computes it (dbt lineage, above), and → that model. Empty
    without a manifest."""
    manifest = manifest or manifest_dbt()
    if not manifest.is_file():
        return {}, {}
    modeles = sources_des_modeles(json.loads(manifest.read_text(encoding="utf-8")))
    colonnes = {r["table_name"] for r in read_rows(
        warehouse, "select table_name from information_schema.columns where table_schema = 'main' "
                   "and column_name = 'indicateur'")}
    lignage: dict[str, set[str]] = {}
    par_modele: dict[str, str] = {}
    for modele, sources in modeles.items():
        if modele not in colonnes or not sources:
            continue
        for r in read_rows(warehouse, f'select distinct indicateur from main."{modele}" order by indicateur'):
            lignage.setdefault(r["indicateur"], set()).update(sources)
            par_modele[r["indicateur"]] = modele
    return {i: tuple(sorted(s)) for i, s in sorted(lignage.items())}, par_modele


def avertissements_ingestion(run_dir: Path | None) -> tuple[str, ...]:
    """The ingestion's warnings of a run (confirmed drops of volume, unknown columns ignored), as its Data Docs
    keep them (runs/<run_id>/data_docs/ingestion.json)."""
    if run_dir is None:
        return ()
    chemin = Path(run_dir) / DATA_DOCS / "ingestion.json"
    try:
        entree = json.loads(chemin.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return ()
    return tuple(sorted(str(a) for a in entree.get("avertissements") or []))


def qualite(evaluations: Iterable[tuple[str, bool]], run_dir: Path | None = None) -> Qualite:
    """The status from the run's check evaluations (`asset · check`, passed) and its Data Docs; without any
    evaluation (no check ran in this run) the count is unknown (None)."""
    resultats: dict[str, bool] = {}
    for cle, reussi in evaluations:
        resultats[cle] = resultats.get(cle, True) and reussi
    return Qualite(sum(resultats.values()) if resultats else None,
                   tuple(sorted(c for c, ok in resultats.items() if not ok)), avertissements_ingestion(run_dir))


def version() -> str:
    try:
        return metadata.version("milo-pipeline")
    except metadata.PackageNotFoundError:
        return "inconnue"


def lire_tracabilite(warehouse: Path, qualite_du_run: Qualite | None = None, run_id: str | None = None,
                     manifest: Path | None = None) -> Tracabilite:
    lignage, modeles = lire_lignage(warehouse, manifest)
    return Tracabilite(lire_fichiers(warehouse), lignage, modeles, qualite_du_run or Qualite(), version(), run_id)


def _ordre(d: Mapping) -> float:
    return math.inf if d.get("ordre") in (None, "") else float(d["ordre"])


UNITES = {"nb": "effectif", "pct": "%", "eur": "€", "mois": "mois", "ratio": "ratio"}


def definitions(dictionnaire: Iterable[Mapping], ids: Iterable[str], tracabilite: Tracabilite) -> list[dict]:
    """The definitions of `ids` in the dictionary's order (an id outside the dictionary last, by name): id, label,
    unit (`code_unite` as the dictionary writes it, `unite` in French), definition, the export files it comes
    from and the dbt model that computes it."""
    dictionnaire = {d["indicateur"]: d for d in sorted(dictionnaire, key=_ordre)}
    ids = set(ids)
    ordre = [i for i in dictionnaire if i in ids] + sorted(ids - dictionnaire.keys())
    lignes = []
    for i in ordre:
        d = dictionnaire.get(i, {})
        unite = d.get("unite") or ""
        lignes.append({"indicateur": i, "libelle": d.get("libelle") or i, "code_unite": unite,
                       "unite": UNITES.get(unite, unite), "definition": d.get("definition") or "",
                       "exports": tracabilite.exports(i), "modele": tracabilite.modeles.get(i, "")})
    return lignes
