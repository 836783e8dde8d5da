"""The network's register of diffusion: every cell the consolidation ever sent (a regional funder's extract, the
public regional report), the network's and each structure's, kept in a DuckDB file of the consolidation's
MILO_HOME (`reseau.duckdb`, schema `diffusion`) so that disclosure control holds across consolidations, like a
Mission Locale's register (`lib/registre.py`) with the structure as one more column.

- `diffusion.envois_reseau`: what a consolidation is about to send (`envoyer`, once its outputs are staged);
- `diffusion.registre_reseau`: what was sent, written by `valider` in the transaction that publishes the outputs,
  so only when they are published. Never updated nor deleted.

Order for a consolidation: `publiees_reseau` → `secret.secretiser_reseau` → stage the report and the extracts →
`envoyer` (each recipient) → `valider(…, publier)` (publication and register together), or `abandonner`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from ..extraits import Secretisation
from ..periods import un_an_avant
from ..registre import COLONNES_CELLULE
from ..suppression import MASQUE
from .secret import PublieeReseau, cle_reseau

BASE = "reseau.duckdb"
SCHEMA = f"""
CREATE SCHEMA IF NOT EXISTS diffusion;
CREATE TABLE IF NOT EXISTS diffusion.registre_reseau (destinataire VARCHAR, structure VARCHAR, {COLONNES_CELLULE},
    run_id VARCHAR, publie_le TIMESTAMP);
CREATE TABLE IF NOT EXISTS diffusion.envois_reseau (run_id VARCHAR, destinataire VARCHAR, structure VARCHAR,
    {COLONNES_CELLULE});
"""
T = TypeVar("T")


def chemin(milo_home: Path) -> Path:
    """The network's register in the consolidation's MILO_HOME."""
    return Path(milo_home) / BASE


def _connexion(base: Path) -> duckdb.DuckDBPyConnection:
    base.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(base))
    con.execute(SCHEMA)
    return con


def publiees_reseau(base: Path, periodes: Iterable[tuple]) -> list[PublieeReseau]:
    """The cells sent before (every structure's and the network's) for a period equal to, nested in or holding one
    of `periodes` ((début, fin) pairs), and for the same period a year before (evolutions). None when `base` does
    not exist yet (it is not created by reading)."""
    periodes = list(periodes)
    if not Path(base).is_file() or not periodes:
        return []
    valeurs = ", ".join("(?::DATE, ?::DATE, ?::DATE, ?::DATE)" for _ in periodes)
    with duckdb.connect(str(base), read_only=True) as con:
        if not con.execute("select count(*) from information_schema.tables where table_schema = 'diffusion' "
                           "and table_name = 'registre_reseau'").fetchone()[0]:
            return []
        rows = con.execute(
            f"""select distinct r.structure, r.periode_debut, r.periode_fin, r.indicateur, r.modalite, r.valeur,
                       r.masque, r.effectif
                from diffusion.registre_reseau as r, (values {valeurs}) as p(debut, fin, debut_avant, fin_avant)
                where (r.periode_debut <= p.debut and p.fin <= r.periode_fin)
                   or (p.debut <= r.periode_debut and r.periode_fin <= p.fin)
                   or (r.periode_debut = p.debut_avant and r.periode_fin = p.fin_avant)
                order by all""",
            [d for debut, fin in periodes for d in (debut, fin, un_an_avant(debut), un_an_avant(fin))]).fetchall()
    return [PublieeReseau(*row) for row in rows]


_COLONNES_ENVOIS = ("run_id", "destinataire", "structure", "periode_debut", "periode_fin", "indicateur", "modalite",
                    "valeur", "masque", "effectif")


def envoyer(base: Path, run_id: str, destinataire: str, lignes: Iterable[Mapping], table: Secretisation) -> int:
    """Record that the consolidation `run_id` is about to send these rows of the masked table (`table.lignes`, or a
    recipient's selection of them: keys structure, période, indicateur, modalité) to `destinataire`; the effectif
    of each cell comes from `table`. What other consolidations left pending (never published) is dropped. Returns
    the number of cells."""
    valeurs = {cle_reseau(r): r["valeur"] for r in table.lignes}
    cellules = []
    for r in lignes:
        k = cle_reseau(r)
        valeur = valeurs[k]
        cellules.append((run_id, destinataire, *k, None if valeur == MASQUE else valeur, valeur == MASQUE,
                         table.effectifs.get(k)))
    with _connexion(base) as con:
        con.begin()
        con.execute("DELETE FROM diffusion.envois_reseau WHERE run_id <> ? OR destinataire = ?",
                    [run_id, destinataire])
        if cellules:
            # one set-based insert (a network sends hundreds of thousands of cells; executemany takes ~1 ms a row);
            # nullable dtypes, so that an empty value or effectif stays NULL (never NaN)
            envois = pd.DataFrame(cellules, columns=list(_COLONNES_ENVOIS)).astype(
                {"valeur": "Float64", "masque": "boolean", "effectif": "Int64"})
            con.register("envois_a_inserer", envois)
            con.execute("INSERT INTO diffusion.envois_reseau SELECT run_id, destinataire, structure, "
                        "CAST(periode_debut AS DATE), CAST(periode_fin AS DATE), indicateur, modalite, valeur, "
                        "masque, effectif FROM envois_a_inserer")
            con.unregister("envois_a_inserer")
        con.commit()
    return len(cellules)


def valider(base: Path, run_id: str, publier: Callable[[], T], publie_le: datetime) -> tuple[int, T]:
    """Publish and record together: the pending sends of `run_id` move into the register in one transaction,
    `publier()` (the all-or-nothing publication of the staged outputs) runs inside it, and it is committed only
    when `publier` returned; rolled back (nothing recorded) when it raised. Returns the number of cells recorded
    and what `publier` returned."""
    with _connexion(base) as con:
        con.begin()
        try:
            n = con.execute("select count(*) from diffusion.envois_reseau where run_id = ?", [run_id]).fetchone()[0]
            con.execute("""insert into diffusion.registre_reseau
                           select destinataire, structure, periode_debut, periode_fin, indicateur, modalite, valeur,
                                  masque, effectif, run_id, ?
                           from diffusion.envois_reseau where run_id = ?""", [publie_le, run_id])
            con.execute("DELETE FROM diffusion.envois_reseau WHERE run_id = ?", [run_id])
            resultat = publier()
        except BaseException:
            con.rollback()
            raise
        con.commit()
    return n, resultat


def abandonner(base: Path, run_id: str) -> None:
    """Drop what the consolidation `run_id` was about to send (it publishes nothing)."""
    if Path(base).is_file():
        with _connexion(base) as con:
            con.execute("DELETE FROM diffusion.envois_reseau WHERE run_id = ?", [run_id])
