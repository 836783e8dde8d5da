"""The register of diffusion: every cell ever sent to anyone (a funder's extract, the public report), kept in the
warehouse (schema `diffusion`, never touched by dbt) so that disclosure control holds across runs.

- `diffusion.table_secretisee`: the masked indicator table of the latest run (asset `secret_statistique`), with
  each cell's effectif and why it is masked; the extracts and the public report read it.
- `diffusion.envois`: what a run is about to send (one row per recipient and cell), written by the assets that
  stage an output; moved into the register by `publication` in the same transaction as nothing else, only once
  every output of the run is written, and dropped otherwise.
- `diffusion.registre`: what was sent. Never updated nor deleted by the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

import duckdb

from .extraits import (
    Extrait,
    Financeur,
    Publiee,
    Secretisation,
    cle,
    construire_extrait,
    secretiser_indicateurs,
    structure_du_dictionnaire,
    verifier_indicateurs,
)
from .periods import Periode, du_run, un_an_avant
from .suppression import MASQUE
from .warehouse import lire_dictionnaire, lire_indicateurs

COLONNES_CELLULE = ("periode_debut DATE, periode_fin DATE, indicateur VARCHAR, modalite VARCHAR, valeur DOUBLE, "
                    "masque BOOLEAN, effectif BIGINT")
SCHEMA = f"""
CREATE SCHEMA IF NOT EXISTS diffusion;
CREATE TABLE IF NOT EXISTS diffusion.registre (destinataire VARCHAR, {COLONNES_CELLULE}, run_id VARCHAR,
    publie_le TIMESTAMP);
CREATE TABLE IF NOT EXISTS diffusion.envois (run_id VARCHAR, destinataire VARCHAR, {COLONNES_CELLULE});
"""


def creer(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)


def publiees(con: duckdb.DuckDBPyConnection, periodes: Iterable[tuple]) -> list[Publiee]:
    """The cells sent before for a period equal to, nested in or holding one of `periodes` ((début, fin) pairs),
    and for the same period a year before (what an evolution of the table would give: `secret.groupes_evolutions`)."""
    creer(con)
    periodes = list(periodes)
    if not periodes:
        return []
    valeurs = ", ".join("(?::DATE, ?::DATE, ?::DATE, ?::DATE)" for _ in periodes)
    rows = con.execute(
        f"""select distinct r.periode_debut, r.periode_fin, r.indicateur, r.modalite, r.valeur, r.masque, r.effectif
            from diffusion.registre as r, (values {valeurs}) as p(debut, fin, debut_avant, fin_avant)
            where (r.periode_debut <= p.debut and p.fin <= r.periode_fin)
               or (p.debut <= r.periode_debut and r.periode_fin <= p.fin)
               or (r.periode_debut = p.debut_avant and r.periode_fin = p.fin_avant)
            order by all""",
        [d for debut, fin in periodes for d in (debut, fin, un_an_avant(debut), un_an_avant(fin))]).fetchall()
    return [Publiee(*row) for row in rows]


RAPPORT_PUBLIC = "rapport_public"


def publiees_de_la_periode(warehouse: Path, debut, fin, indicateurs: Iterable[str]) -> list[dict]:
    """The cells of exactly the period [debut, fin] sent before (the figures published for it), one per indicator
    and modality: the public report's first, else the latest sent; as rows of `indicateurs` (`valeur` = `s` where
    masked) with `publie_le`. Read only; none when the warehouse has no register yet."""
    indicateurs = sorted(set(indicateurs))
    if not warehouse.is_file() or not indicateurs:
        return []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        if not con.execute("select count(*) from information_schema.tables where table_schema = 'diffusion' "
                           "and table_name = 'registre'").fetchone()[0]:
            return []
        rows = con.execute(
            f"""select indicateur, modalite, valeur, masque, publie_le from diffusion.registre
                where periode_debut = ?::DATE and periode_fin = ?::DATE
                  and indicateur in ({", ".join("?" for _ in indicateurs)})
                order by indicateur, modalite nulls first, destinataire = ? desc, publie_le desc, destinataire""",
            [debut, fin, *indicateurs, RAPPORT_PUBLIC]).fetchall()
    vues, resultat = set(), []
    for indicateur, modalite, valeur, masque, publie_le in rows:
        if (indicateur, modalite) in vues:
            continue
        vues.add((indicateur, modalite))
        resultat.append({"periode_debut": debut, "periode_fin": fin, "indicateur": indicateur, "modalite": modalite,
                         "valeur": MASQUE if masque else valeur, "publie_le": publie_le})
    return resultat


def table_secretisee(table: Secretisation) -> list[tuple]:
    """The rows of `diffusion.table_secretisee` for a masked table (its order kept by `rang`)."""
    lignes = []
    for rang, r in enumerate(table.lignes):
        k = cle(r)
        masque = r["valeur"] == MASQUE
        lignes.append((rang, *k, None if masque else r["valeur"], masque, table.effectifs.get(k),
                       table.motifs.get(k)))
    return lignes


def ecrire_table(con: duckdb.DuckDBPyConnection, run_id: str, table: Secretisation) -> None:
    """Replace the run's masked table; drop what runs that never published left in `envois`."""
    creer(con)
    con.execute("BEGIN TRANSACTION")
    con.execute(f"CREATE OR REPLACE TABLE diffusion.table_secretisee (rang INTEGER, {COLONNES_CELLULE}, "
                "motif VARCHAR)")
    con.executemany("INSERT INTO diffusion.table_secretisee VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    table_secretisee(table))
    con.execute("DELETE FROM diffusion.envois WHERE run_id <> ?", [run_id])
    con.execute("COMMIT")


def lire_table(con: duckdb.DuckDBPyConnection, unites: Mapping[str, str]) -> list[dict]:
    """The masked table as rows of `indicateurs` (`valeur` = `s` where masked), in table order."""
    cursor = con.execute("select periode_debut, periode_fin, indicateur, modalite, valeur, masque "
                         "from diffusion.table_secretisee order by rang")
    return [{"periode_debut": d, "periode_fin": f, "indicateur": i, "modalite": m,
             "valeur": MASQUE if masque else v, "unite": unites[i]} for d, f, i, m, v, masque in cursor.fetchall()]


def lignes_secretisees(con: duckdb.DuckDBPyConnection, lignes: Iterable[Mapping]) -> list[dict]:
    """Rows of `indicateurs` as the masked table has them: `valeur` = `s` where masked (the value sent, for a cell
    sent before), `secret` = why (None when published). A row read from the register (`publie_le`: last year's
    figure published, the report's N−1) is already what was sent: kept as it is."""
    masquees = {(d, f, i, m): (v, masque, motif) for d, f, i, m, v, masque, motif in con.execute(
        "select periode_debut, periode_fin, indicateur, modalite, valeur, masque, motif "
        "from diffusion.table_secretisee").fetchall()}
    resultat = []
    for r in lignes:
        if r.get("publie_le") is not None:  # a figure read from the register (lib/report/comparaison.py): as sent
            resultat.append(dict(r))
            continue
        valeur, masque, motif = masquees[cle(r)]
        resultat.append({**r, "valeur": MASQUE if masque else valeur, "secret": motif})
    return resultat


def preparer_envoi(con: duckdb.DuckDBPyConnection, run_id: str, destinataire: str, lignes: Iterable[Mapping]) -> int:
    """Record that the run is about to send these cells (rows of the masked table) to `destinataire`; a figure
    read from the register (`publie_le`) was sent before: not again."""
    cles = [(destinataire, *cle(r)) for r in lignes if r.get("publie_le") is None]
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM diffusion.envois WHERE run_id = ? AND destinataire = ?", [run_id, destinataire])
    if cles:
        con.execute("CREATE TEMP TABLE envoi (destinataire VARCHAR, periode_debut DATE, periode_fin DATE, "
                    "indicateur VARCHAR, modalite VARCHAR)")
        con.executemany("INSERT INTO envoi VALUES (?, ?, ?, ?, ?)", cles)
        con.execute("""insert into diffusion.envois
                       select ?, e.destinataire, t.periode_debut, t.periode_fin, t.indicateur, t.modalite, t.valeur,
                              t.masque, t.effectif
                       from envoi as e join diffusion.table_secretisee as t
                         on t.periode_debut = e.periode_debut and t.periode_fin = e.periode_fin
                        and t.indicateur = e.indicateur and t.modalite is not distinct from e.modalite""", [run_id])
        con.execute("DROP TABLE envoi")
    con.execute("COMMIT")
    return len(cles)


def enregistrer(con: duckdb.DuckDBPyConnection, run_id: str, publie_le: datetime) -> int:
    """Move the run's pending sends into the register (inside the caller's transaction); the number of cells."""
    creer(con)
    n = con.execute("select count(*) from diffusion.envois where run_id = ?", [run_id]).fetchone()[0]
    con.execute("""insert into diffusion.registre
                   select destinataire, periode_debut, periode_fin, indicateur, modalite, valeur, masque, effectif,
                          run_id, ?
                   from diffusion.envois where run_id = ?""", [publie_le, run_id])
    con.execute("DELETE FROM diffusion.envois WHERE run_id = ?", [run_id])
    return n


def secretiser_run(warehouse: Path, run_id: str, seuil: int) -> tuple[list[dict], Secretisation, list[Publiee]]:
    """Mask the run's indicator table once for every recipient, with the structure of the dictionary the warehouse
    was built with, against the cells sent before; write it as `diffusion.table_secretisee`. Returns the table's
    rows, the masked table and the cells sent before."""
    lignes = lire_indicateurs(warehouse)
    structure = structure_du_dictionnaire(lire_dictionnaire(warehouse))
    with duckdb.connect(str(warehouse)) as con:
        envoyees = publiees(con, dict.fromkeys((r["periode_debut"], r["periode_fin"]) for r in lignes))
        table = secretiser_indicateurs(lignes, structure, seuil, envoyees)
        ecrire_table(con, run_id, table)
    return lignes, table, envoyees


def extrait_du_run(warehouse: Path, run_id: str, financeur: Financeur, periode: Periode, seuil: int) -> Extrait:
    """A funder's selection of the run's masked table, its cells recorded as about to be sent (`envois`). An id
    of the funder's file unknown to the dictionary raises `ConfigurationInvalide`."""
    dictionnaire = lire_dictionnaire(warehouse)
    verifier_indicateurs(financeur, (d["indicateur"] for d in dictionnaire))
    with duckdb.connect(str(warehouse)) as con:
        # the run's periods only: the year before, computed for the report's comparisons, is no period of an extract
        table = du_run(lire_table(con, {d["indicateur"]: d["unite"] for d in dictionnaire}), periode)
        extrait = construire_extrait(table, dictionnaire, financeur, periode, seuil)
        preparer_envoi(con, run_id, financeur.code, extrait.lignes)
    return extrait
