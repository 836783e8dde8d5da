"""Plausibility of an export's volumes, checked at ingestion before anything is written (config/qualite.yaml).

- **Drop of volume**: a table whose rows read fall by more than `volumes.baisse_max` (−30 %) against the previous
  export of the warehouse's history (`qualite.volumes_exports`: the latest export dated on or before this one,
  so a corrected file of the same export date is compared with the one it replaces) refuses the export. Tables
  below `volumes.lignes_min` rows last time are not compared, as the drift warning does.
- **First export** (the events never compared: no history, or below `lignes_min`): rows of the events file per
  row of the youths file within `premier_export.evenements_par_jeune`, when the youths file has `lignes_min`
  rows or more. Rows per row rather than events of a period per accompanied youth: it needs neither the
  reporting period nor the dbt definition of an accompanied youth, only counts known at ingestion, and a file cut
  at a line end loses rows in proportion whatever its order (by date, by youth).

Both refuse the export unless the data team confirms (`confirmer_baisse`): the refusal says how.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from .errors import ExportsInvalides, Probleme
from .quality import Reglages
from .readers import FichierExport

CONFIRMER = ("Si ces volumes sont réels, confirmez-les : relancez avec --confirmer-baisse (milo-pipeline run), ou "
             "dans l'interface, configuration du run : ops: {exports_imilo: {config: {confirmer_baisse: true}}}. "
             "Sinon, exportez de nouveau le fichier (un fichier tronqué est refusé).")


def _jour(d) -> str:
    return date.fromisoformat(str(d)[:10]).strftime("%d/%m/%Y")


def _nombre(n: float, decimales: int = 0) -> str:
    return f"{n:,.{decimales}f}".replace(",", " ").replace(".", ",")


def precedents(con: duckdb.DuckDBPyConnection, warehouse: Path, dates: dict[str, str]) -> dict[str, tuple[int, str]]:
    """{table: (rows read, export date)} of the latest export of the history dated on or before `dates[table]`.
    Read through `con` (in memory), the warehouse attached read-only and detached at once."""
    if not Path(warehouse).is_file() or not dates:
        return {}
    try:
        con.execute("ATTACH $path AS historique (READ_ONLY)", {"path": str(warehouse)})
    except duckdb.Error as exc:
        raise ExportsInvalides([Probleme(str(warehouse), "entrepôt illisible, l'historique des volumes n'a pu être "
                                                         f"lu ({str(exc).splitlines()[0]})")]) from None
    try:
        existe, = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'historique' AND schema_name = 'qualite' "
            "AND table_name = 'volumes_exports'").fetchall()[0]
        if not existe:
            return {}
        rows = con.execute(
            "SELECT v.table_export, arg_max(v.lignes_lues, v.date_export), max(v.date_export) "
            "FROM historique.qualite.volumes_exports AS v "
            "JOIN (SELECT unnest($tables) AS table_export, unnest($dates)::DATE AS date_export) AS f "
            "ON v.table_export = f.table_export AND v.date_export <= f.date_export GROUP BY v.table_export",
            {"tables": list(dates), "dates": list(dates.values())}).fetchall()
    finally:
        con.execute("DETACH historique")
    return {table: (int(lignes), str(jour)) for table, lignes, jour in rows}


def plausibilite(con: duckdb.DuckDBPyConnection, warehouse: Path, fichiers: dict[str, FichierExport],
                 dates: dict[str, str], lues: dict[str, int], reglages: Reglages, confirmer: bool) -> list[Probleme]:
    """Raises ExportsInvalides for a drop of volume or an implausible first export, unless `confirmer`;
    returns the warnings (what was confirmed). `dates`: the export date of each table (ISO)."""
    avant = precedents(con, warehouse, dates)
    lignes_min = reglages.lignes_min_volumes
    problemes = []
    for nom, fichier in fichiers.items():
        if nom not in avant or avant[nom][0] < lignes_min:
            continue
        precedent, jour = avant[nom]
        if lues[nom] < precedent * (1 - reglages.baisse_max):
            baisse = 1 - lues[nom] / precedent
            problemes.append(Probleme(fichier.path.name, (
                f"volume en forte baisse : {_nombre(lues[nom])} ligne(s) dans l'export du {_jour(dates[nom])} contre "
                f"{_nombre(precedent)} dans l'export du {_jour(jour)} (−{_nombre(100 * baisse, 1)} %, au-delà de "
                f"−{_nombre(100 * reglages.baisse_max)} % : volumes.baisse_max de config/qualite.yaml)")))
    compares = "evenements" in avant and avant["evenements"][0] >= lignes_min
    if not compares and "evenements" in lues and lues.get("jeunes", 0) >= lignes_min:
        bas, haut = reglages.evenements_par_jeune
        rapport = lues["evenements"] / lues["jeunes"]
        if not bas <= rapport <= haut:
            problemes.append(Probleme(fichiers["evenements"].path.name, (
                f"premier export invraisemblable : {_nombre(rapport, 2)} ligne(s) d'événements par jeune "
                f"({_nombre(lues['evenements'])} événements, {_nombre(lues['jeunes'])} jeunes dans "
                f"{fichiers['jeunes'].path.name}), hors de la plage attendue [{_nombre(bas, 1)} ; {_nombre(haut, 1)}] "
                "(premier_export.evenements_par_jeune de config/qualite.yaml ; pas d'export précédent à comparer)")))
    if not problemes:
        return []
    if confirmer:
        return [Probleme(p.fichier, p.message + " — confirmé (confirmer_baisse)") for p in problemes]
    raise ExportsInvalides(problemes, resume=["volumes invraisemblables : rien n'a été chargé ni archivé.",
                                              CONFIRMER])
