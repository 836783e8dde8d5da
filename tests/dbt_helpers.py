"""Shared by the dbt formula tests: the real dbt project built on a hand-written warehouse.

A test module writes its rows into the raw.* tables of the input contract (typed and PII-free; ids are left in
clear) with every checked column, the birth date included; then, as the ingestion does, the ages of the contract
are computed from the birth date by the ingestion's own SQL (`requetes_ages`) and every column the ingestion does
not write is dropped (the birth date, `entrepot: false`). It runs one `dbt build` (seeds, models, data and unit
tests) for its periods, and compares the rows of `indicateurs` with values computed by hand.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from milo_pipeline.lib.contract import load_contract
from milo_pipeline.lib.ingestion import CONTRACT, requetes_ages

DBT_PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")

# ids of the manual inputs (files typed by the Mission Locale, not exports): no rows without those files
SAISIES_MANUELLES = ("rh_", "budget_", "satisfaction_", "evenements_")

Periode = tuple[str, str]
Valeurs = dict[tuple[Periode, str, str | None], float | None]

RAW_SCHEMA = """
create schema raw;
create table raw.jeunes (
    id_jeune varchar, date_naissance date, sexe varchar, code_postal varchar, commune_insee varchar,
    qpv_code varchar, zrr boolean, niveau_formation varchar, diplome_obtenu boolean, hebergement varchar,
    moyen_locomotion varchar, permis_b boolean, rqth boolean, date_inscription date,
    date_premier_accueil date, site varchar
);
create table raw.evenements (
    id_evenement varchar, id_jeune varchar, date_evenement timestamp, nature varchar, statut varchar,
    site varchar
);
create table raw.dispositifs (
    id_jeune varchar, dispositif varchar, date_entree date, date_sortie date, motif_sortie varchar
);
create table raw.allocations (id_jeune varchar, dispositif varchar, date_paiement date, montant decimal(14, 2));
create table raw.situations (
    id_jeune varchar, categorie varchar, type_contrat varchar, date_debut date, date_fin date, etat varchar
);
create table raw.parrainages (
    id_parrainage varchar, id_jeune varchar, id_parrain varchar, date_debut date, date_fin date,
    motif_fin varchar, nb_entretiens bigint
);
create table raw.parrains (id_parrain varchar, statut varchar, date_entree date);
create table raw.reperage (
    id_contact varchar, date_contact date, canal varchar, repere boolean, id_jeune varchar
);
create table raw.contacts_entreprises (
    id_contact varchar, siret varchar, date_contact date, type_contact varchar
);
"""


def seed(name: str) -> list[dict[str, str]]:
    with open(DBT_PROJECT / "seeds" / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def build_warehouse(tmp: Path, rows_sql: str, periodes: list[Periode]) -> Path:
    """Empty raw.* tables, then `rows_sql` (inserts), then one `dbt build` for the periods."""
    path = tmp / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(RAW_SCHEMA)
        con.execute(rows_sql)
        comme_l_ingestion(con)
    return dbt_build(path, tmp, periodes)


def dbt_build(path: Path, tmp: Path, periodes: list[Periode]) -> Path:
    """One `dbt build` of the real project on the warehouse `path`, for the periods."""
    variables = {"periodes": [{"debut": debut, "fin": fin} for debut, fin in periodes]}
    result = subprocess.run(
        [str(DBT), "build", "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
         "--vars", json.dumps(variables)],
        env={**os.environ, "MILO_WAREHOUSE": str(path)}, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return path


def comme_l_ingestion(con) -> None:
    """The hand-written raw.* tables as the ingestion leaves them: the ages computed, the birth date and the
    columns not kept in the warehouse dropped."""
    tables = load_contract(CONTRACT)
    for nom, table in tables.items():
        for age, _ in table.ages:
            con.execute(f"alter table raw.{nom} add column {age} smallint")
    for nom in tables:
        for requete in requetes_ages(tables, nom, lambda t: f"raw.{t}"):
            con.execute(requete)
    for nom, table in tables.items():
        gardees = {c.nom for c in table.colonnes_entrepot}
        for colonne in table.colonnes_controlees:
            if colonne.nom not in gardees:
                con.execute(f"alter table raw.{nom} drop column {colonne.nom}")


def read_valeurs(warehouse: Path) -> Valeurs:
    """(period, indicateur, modalite) → valeur, from `indicateurs`."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(
            "select periode_debut, periode_fin, indicateur, modalite, valeur from main.indicateurs"
        ).fetchall()
    return {((str(debut), str(fin)), indicateur, modalite): valeur
            for debut, fin, indicateur, modalite, valeur in rows}


def assert_values(valeurs: Valeurs, periode: Periode, expected: dict[tuple[str, str | None], float | None]) -> None:
    produced = {key: valeurs.get((periode, *key), "absent") for key in expected}
    assert produced == expected


def modalites(valeurs: Valeurs, periode: Periode, indicateur: str) -> dict[str | None, float | None]:
    """modalite → valeur of one indicator in one period."""
    return {k[2]: v for k, v in valeurs.items() if k[0] == periode and k[1] == indicateur}
