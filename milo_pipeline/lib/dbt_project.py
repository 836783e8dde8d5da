"""The dbt project the runs build, and what one `dbt build` of a run needs.

- Where the project is: $MILO_DBT_PROJECT, else `dbt_project/` of the repository (`dossier_projet`). Read when the
  code location is loaded (the CLI's command, `dagster dev`, a test's process): the project's manifest defines the
  dbt assets. A copy of the project elsewhere (a test adding an indicator) is used by setting the variable for
  the process that loads the definitions.
- Its manifest, parsed again when older than a file of the project (`preparer_manifest`).
- The environment of a run's dbt (`environnement_dbt`): the warehouse, the DuckDB limits and the periods reach
  dbt through environment variables (dbt_project/profiles.yml, int_periodes.sql) rather than `--vars`, which
  would force dbt to parse the whole project again. It is set for the start of dbt only (`environnement`): the
  process running the pipeline keeps its own.
- dbt's partial-parsing state, kept per MILO_HOME from one run to the next (`etat_partiel`).
- The facts of the domain the models are built with, the vars of its dbt_project.yml (`var_dbt`, `debut_cej`):
  Python names them as dbt does, never a copy of its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .periods import Periode
from .warehouse import limites

VARIABLE_PROJET = "MILO_DBT_PROJECT"
PROJET_PAR_DEFAUT = Path(__file__).resolve().parents[2] / "dbt_project"
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))
# what the runs start: the same dbt, dying with the run's process (milo_pipeline/dbt_enfant.py)
DBT_ENFANT = str(Path(__file__).resolve().parents[1] / "bin" / "dbt")
ETAT_PARTIEL = "partial_parse.msgpack"


def dossier_projet() -> Path:
    """The dbt project: $MILO_DBT_PROJECT, else dbt_project/ of the repository."""
    return Path(os.environ.get(VARIABLE_PROJET) or PROJET_PAR_DEFAUT).resolve()


def manifest_perime(projet: Path, manifest: Path) -> bool:
    """Missing, or older than a file of the dbt project (a model, a seed, a test, a macro)."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [projet / "dbt_project.yml"]
    for folder in ("models", "seeds", "macros", "tests"):
        sources += [p for p in (projet / folder).rglob("*") if p.is_file()]
    return any(p.stat().st_mtime > built for p in sources)


def preparer_manifest(projet: Path, manifest: Path) -> None:
    """`dbt parse` when the manifest is stale, into a private folder, then the manifest moved into place (parallel
    sessions never read half a manifest). dbt is not on PATH when the venv is not activated, hence the explicit
    executable."""
    if not manifest_perime(projet, manifest):
        return
    with tempfile.TemporaryDirectory(dir=projet, prefix=".parse-") as tmp:
        subprocess.run([DBT_EXECUTABLE, "parse", "--quiet", "--profiles-dir", str(projet), "--target-path", tmp],
                       cwd=projet, check=True, stdout=subprocess.DEVNULL)
        manifest.parent.mkdir(exist_ok=True)
        os.replace(Path(tmp) / "manifest.json", manifest)


def environnement_dbt(warehouse: Path, periodes: list[Periode]) -> dict[str, str]:
    """What a run's dbt reads from its environment: the warehouse, the periods (JSON), the DuckDB limits of
    config/entrepot.yaml, and for milo_pipeline/bin/dbt the run's interpreter and the process dbt dies with."""
    return {"MILO_WAREHOUSE": str(warehouse), "MILO_PERIODES": json.dumps([p.as_var() for p in periodes]),
            **limites().environ(), "MILO_PYTHON": sys.executable, "MILO_DBT_PARENT": str(os.getpid())}


@contextlib.contextmanager
def environnement(variables: Mapping[str, str]) -> Iterator[None]:
    """`variables` in the environment for the block (what a child started in it inherits), then the environment
    as it was. dagster-dbt starts dbt with a copy of os.environ and has no parameter for more."""
    avant = {nom: os.environ.get(nom) for nom in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for nom, valeur in avant.items():
            if valeur is None:
                os.environ.pop(nom, None)
            else:
                os.environ[nom] = valeur


@contextlib.contextmanager
def etat_partiel(milo_home: Path, cible: Path) -> Iterator[Path]:
    """dbt's target folder `cible` for one run, holding the partial-parsing state of this MILO_HOME's previous run
    (its profile holds the warehouse path, so the state is kept per MILO_HOME: ≈3 s less from the second run on).
    When the block succeeds, the new state replaces the kept one; the folder is removed in any case."""
    etat = milo_home / "dbt" / ETAT_PARTIEL
    cible.mkdir(parents=True, exist_ok=True)
    try:
        if etat.exists():
            shutil.copyfile(etat, cible / ETAT_PARTIEL)
        yield cible
        if (cible / ETAT_PARTIEL).exists():
            os.replace(cible / ETAT_PARTIEL, etat)
    finally:
        shutil.rmtree(cible, ignore_errors=True)


def var_dbt(nom: str) -> Any:
    """The var `nom` of the dbt project's dbt_project.yml."""
    return _vars(dossier_projet() / "dbt_project.yml")[nom]


def debut_cej() -> date:
    """The CEJ's launch, from which the `*_cumul` indicators count (var `cej_debut`)."""
    return date.fromisoformat(str(var_dbt("cej_debut")))


@cache
def _vars(chemin: Path) -> dict[str, Any]:
    with open(chemin, encoding="utf-8") as f:
        return yaml.safe_load(f)["vars"]


class DocumentationImpossible(RuntimeError):
    """`milo-pipeline docs` cannot write the site; str() is the French message."""


FICHIERS_DOCUMENTATION = {"static_index.html": "index.html", "catalog.json": "catalog.json",
                          "manifest.json": "manifest.json"}


def verifier_entrepot(warehouse: Path) -> None:
    """DocumentationImpossible when there is no warehouse yet (no run on this MILO_HOME)."""
    if not warehouse.is_file():
        raise DocumentationImpossible(f"pas d'entrepôt dans {warehouse.parent} : lancez d'abord milo-pipeline run "
                                      "ou demo")


def documentation(warehouse: Path, dossier: Path) -> Path:
    """dbt's static documentation site of the project for `warehouse` (models, columns and their types, lineage,
    tests): `dbt docs generate --static` with the profile's `docs` target (the warehouse opened READ_ONLY, beside
    other readers; the caller holds the MILO_HOME lock, so no writer), compiled for the periods of the warehouse's
    last run (int_periodes). Writes `dossier`/index.html (dbt's static_index.html: manifest and catalog inlined, no
    request when opened from the disk) with catalog.json and manifest.json; returns the index."""
    verifier_entrepot(warehouse)
    import duckdb

    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            periodes = con.execute("select distinct periode_debut, periode_fin from int_periodes "
                                   "order by periode_fin, periode_debut").fetchall()
    except duckdb.Error as exc:
        raise DocumentationImpossible(f"l'entrepôt {warehouse} n'a pas de run terminé ({exc.__class__.__name__}) : "
                                      "lancez d'abord milo-pipeline run ou demo") from None
    if not periodes:
        raise DocumentationImpossible(f"l'entrepôt {warehouse} n'a pas de période calculée : lancez d'abord "
                                      "milo-pipeline run ou demo")
    projet = dossier_projet()
    variables = {**environnement_dbt(warehouse, [Periode(debut, fin) for debut, fin in periodes]),
                 "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    with tempfile.TemporaryDirectory(prefix="milo-docs-") as tmp:
        cible = Path(tmp) / "target"
        resultat = subprocess.run(
            [DBT_EXECUTABLE, "docs", "generate", "--static", "--profiles-dir", str(projet), "--target", "docs",
             "--target-path", str(cible), "--log-path", str(Path(tmp) / "logs")],
            cwd=projet, env={**os.environ, **variables}, capture_output=True, text=True)
        if resultat.returncode != 0:
            fin = "\n".join((resultat.stdout + resultat.stderr).strip().splitlines()[-5:])
            raise DocumentationImpossible(f"dbt docs generate a échoué (code {resultat.returncode}) :\n{fin}")
        dossier.mkdir(parents=True, exist_ok=True)
        for source, nom in FICHIERS_DOCUMENTATION.items():
            shutil.copyfile(cible / source, dossier / nom)
    return dossier / "index.html"
