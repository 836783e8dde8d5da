"""Raw exports → typed, pseudonymised `raw.*` tables of the DuckDB warehouse.

Every file is read by DuckDB (CSV) or openpyxl (XLSX) into an in-memory relation of text
columns; personal-data columns are never selected; ids are replaced by their HMAC; values are
typed in SQL. All tables are checked before the first write, then written in one transaction:
a bad export changes nothing in the warehouse.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .contract import Colonne, Table, load_contract, normalise_entete
from .errors import ExportsInvalides, Probleme
from .pseudonymisation import hmac_sql, load_key, padded_keys
from .readers import (
    FichierExport,
    detect_encoding,
    detect_separator,
    find_exports,
    first_bad_line,
    read_header_line,
    sha256_file,
    split_header,
    transcode_to_utf8,
)

CONTRACT = Path(__file__).resolve().parent.parent / "config" / "exports.yaml"

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S",
                "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"]
_FORMATS_SQL = "[" + ", ".join(f"'{f}'" for f in DATE_FORMATS) + "]"

SQL_TYPES = {
    "id_jeune": "VARCHAR", "texte": "VARCHAR", "code": "VARCHAR", "date": "DATE",
    "horodatage": "TIMESTAMP", "booleen": "BOOLEAN", "decimal": "DECIMAL(14,2)", "entier": "BIGINT",
}
MESSAGES = {
    "date": "date illisible (formats acceptés : JJ/MM/AAAA, AAAA-MM-JJ, AAAA-MM-JJ HH:MM:SS)",
    "horodatage": "date illisible (formats acceptés : JJ/MM/AAAA, AAAA-MM-JJ, AAAA-MM-JJ HH:MM:SS)",
    "booleen": "valeur attendue : Oui ou Non (ou vide)",
    "decimal": "nombre décimal illisible (attendu par exemple 552,29)",
    "entier": "nombre entier illisible",
}


@dataclass
class ResultatIngestion:
    fichiers: list[FichierExport]
    lignes: dict[str, int]
    date_export: str | None
    avertissements: list[Probleme] = field(default_factory=list)


def typed_sql(colonne: Colonne, ref: str | None) -> str:
    """The SQL giving the typed value of a column from its text cell `ref` (NULL if absent)."""
    sql_type = SQL_TYPES[colonne.type]
    if ref is None:
        return f"NULL::{sql_type}"
    v = f"nullif(trim({ref}), '')"
    match colonne.type:
        case "id_jeune":
            return hmac_sql(v)
        case "texte" | "code":
            return v
        case "date":
            return f"try_strptime({v}, {_FORMATS_SQL})::DATE"
        case "horodatage":
            return f"try_strptime({v}, {_FORMATS_SQL})"
        case "booleen":
            return f"CASE lower({v}) WHEN 'oui' THEN true WHEN 'non' THEN false END"
        case "decimal":
            return f"try_cast(replace(replace({v}, ' ', ''), ',', '.') AS DECIMAL(14,2))"
        case "entier":
            return f"try_cast({v} AS BIGINT)"
    raise ValueError(colonne.type)


def map_header(cellules: list[str], table: Table, fichier: str) -> tuple[dict[str, str], list[Probleme],
                                                                        list[Probleme]]:
    """canonical column → source column ref (c0, c1…); errors (missing columns); warnings (extra ones)."""
    positions = {normalise_entete(c): i for i, c in reversed(list(enumerate(cellules)))}
    refs: dict[str, str] = {}
    utilises: set[int] = set()
    erreurs, avertissements = [], []
    for colonne in table.colonnes:
        for nom in (colonne.nom, *colonne.alias):
            i = positions.get(normalise_entete(nom))
            if i is not None:
                refs[colonne.nom] = f"c{i}"
                utilises.add(i)
                break
        else:
            if colonne.requis:
                erreurs.append(Probleme(fichier, "colonne obligatoire absente de l'en-tête", colonne=colonne.nom))
    for i, cellule in enumerate(cellules):
        if i not in utilises:
            avertissements.append(Probleme(fichier, "colonne inconnue du contrat, ignorée", colonne=cellule))
    return refs, erreurs, avertissements


def _date_in_name(name: str) -> str | None:
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})", name)
    return "-".join(m.groups()) if m else None


def archive(path: Path, sha256: str, archive_dir: Path) -> Path:
    """Keep the file as received, read-only, under archive/<sha256>/ (never overwritten)."""
    dest = Path(archive_dir) / sha256 / path.name
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_suffix(dest.suffix + ".part")
        shutil.copyfile(path, tmp)
        tmp.chmod(0o444)
        tmp.rename(dest)
    return dest


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _Lecteur:
    """Registers each export as a relation `src_<table>` of text columns c0, c1, … in `con`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, tmpdir: Path):
        self.con = con
        self.tmpdir = tmpdir

    def ouvrir(self, table: Table, path: Path) -> tuple[FichierExport, list[str]]:
        sha = sha256_file(path)
        if path.stat().st_size == 0:
            raise ExportsInvalides([Probleme(path.name, "fichier vide")])
        if path.suffix.lower() == ".xlsx":
            return self._xlsx(table, path, sha)
        return self._csv(table, path, sha)

    def _csv(self, table: Table, path: Path, sha: str) -> tuple[FichierExport, list[str]]:
        try:
            encodage = detect_encoding(path)
        except UnicodeDecodeError:
            raise ExportsInvalides([Probleme(
                path.name, "encodage non reconnu : ni UTF-8 ni Windows-1252", ligne=first_bad_line(path))]) from None
        entete = read_header_line(path, encodage)
        if not entete.strip():
            raise ExportsInvalides([Probleme(path.name, "fichier vide (pas de ligne d'en-tête)")])
        separateur = detect_separator(entete, table)
        cellules = split_header(entete, separateur)
        lu = path if encodage != "cp1252" else transcode_to_utf8(path, encodage, self.tmpdir / f"{table.nom}.csv")
        colonnes = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(cellules)))
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW src_{table.nom} AS SELECT * FROM read_csv({_literal(str(lu))}, "
            f"header=true, delim={_literal(separateur)}, quote='\"', escape='\"', auto_detect=false, "
            f"columns={{{colonnes}}})"
        )
        return FichierExport(table.nom, path, sha, "csv", encodage, separateur), cellules

    def _xlsx(self, table: Table, path: Path, sha: str) -> tuple[FichierExport, list[str]]:
        import pandas as pd

        try:
            frame = pd.read_excel(path, sheet_name=0, dtype=str, header=0, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise ExportsInvalides([Probleme(path.name, f"classeur Excel illisible ({type(exc).__name__})")]) from None
        cellules = [str(c) for c in frame.columns]
        frame.columns = [f"c{i}" for i in range(len(cellules))]
        frame = frame.astype(object).where(frame.notna(), None)
        self.con.register(f"xlsx_{table.nom}", frame)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW src_{table.nom} AS SELECT * FROM xlsx_{table.nom}")
        return FichierExport(table.nom, path, sha, "xlsx"), cellules


def _bad_values(con, table: Table, refs: dict[str, str], fichier: FichierExport) -> list[Probleme]:
    """Cells that do not parse into their type, with line numbers (line 1 = header)."""
    checked = [c for c in table.colonnes_entrepot if c.type in MESSAGES and c.nom in refs]
    counts_sql = "".join(
        f", count(*) FILTER (WHERE nullif(trim({refs[c.nom]}), '') IS NOT NULL AND {typed_sql(c, refs[c.nom])} IS NULL)"
        for c in checked)
    try:
        _, *counts = con.execute(f"SELECT count(*){counts_sql} FROM src_{table.nom}").fetchall()[0]
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0]
        return [Probleme(fichier.path.name, f"fichier CSV illisible ({message})")]
    problemes = []
    for colonne, n in zip(checked, counts, strict=True):
        if not n:
            continue
        ref = refs[colonne.nom]
        rows = con.execute(
            f"SELECT ligne, valeur FROM (SELECT row_number() OVER () + 1 AS ligne, {ref} AS valeur, "
            f"{typed_sql(colonne, ref)} AS typed FROM src_{table.nom}) "
            f"WHERE nullif(trim(valeur), '') IS NOT NULL AND typed IS NULL ORDER BY ligne LIMIT 3"
        ).fetchall()
        suffixe = f" — {n} valeur(s) en tout dans cette colonne" if n > len(rows) else ""
        problemes += [Probleme(fichier.path.name, MESSAGES[colonne.type] + suffixe, colonne=colonne.nom,
                               ligne=ligne, valeur=valeur) for ligne, valeur in rows]
    return problemes


def ingest_exports(folder: Path, warehouse: Path, milo_home: Path, contract_path: Path = CONTRACT
                   ) -> ResultatIngestion:
    """Read, check, archive and load a folder of exports. Raises ExportsInvalides, writing nothing."""
    tables = load_contract(contract_path)
    paths, problemes = find_exports(folder, tables)
    ipad, opad = padded_keys(load_key(milo_home))
    con = duckdb.connect()  # in memory: the exports' text, personal data included, never touches disk
    fichiers: list[FichierExport] = []
    selects: dict[str, str] = {}
    avertissements: list[Probleme] = []
    with tempfile.TemporaryDirectory(prefix="milo-ingestion-") as tmp:
        lecteur = _Lecteur(con, Path(tmp))
        for nom, path in paths.items():
            table = tables[nom]
            try:
                fichier, cellules = lecteur.ouvrir(table, path)
            except ExportsInvalides as exc:
                problemes += exc.problemes
                continue
            archive(path, fichier.sha256, Path(milo_home) / "archive")
            fichiers.append(fichier)
            refs, erreurs, extras = map_header(cellules, table, path.name)
            avertissements += extras
            if erreurs:
                problemes += erreurs
                continue
            problemes += _bad_values(con, table, refs, fichier)
            colonnes = ", ".join(f"{typed_sql(c, refs.get(c.nom))} AS {c.nom}" for c in table.colonnes_entrepot)
            selects[nom] = f"SELECT {colonnes} FROM src_{nom}"
        if problemes:
            raise ExportsInvalides(problemes)
        return _write(con, warehouse, selects, fichiers, ipad, opad, avertissements)


def _write(con, warehouse: Path, selects: dict[str, str], fichiers: list[FichierExport], ipad: bytes,
           opad: bytes, avertissements: list[Probleme]) -> ResultatIngestion:
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    con.execute("ATTACH $path AS wh", {"path": str(warehouse)})
    lignes = {}
    dates = [d for f in fichiers if (d := _date_in_name(f.path.name))]
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute("CREATE SCHEMA IF NOT EXISTS wh.raw")
        for nom, select in selects.items():
            params = {"ipad": ipad, "opad": opad} if "$ipad" in select else {}
            con.execute(f"CREATE OR REPLACE TABLE wh.raw.{nom} AS {select}", params)
            lignes[nom] = con.execute(f"SELECT count(*) FROM wh.raw.{nom}").fetchall()[0][0]
        con.execute("CREATE OR REPLACE TABLE wh.raw._fichiers (table_export VARCHAR, fichier VARCHAR, "
                    "sha256 VARCHAR, format VARCHAR, encodage VARCHAR, separateur VARCHAR, lignes BIGINT)")
        con.executemany("INSERT INTO wh.raw._fichiers VALUES (?, ?, ?, ?, ?, ?, ?)", [
            (f.table, f.path.name, f.sha256, f.format, f.encodage, f.separateur, lignes[f.table])
            for f in fichiers])
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        message = str(exc).splitlines()[0]
        raise ExportsInvalides([Probleme(str(warehouse), f"écriture impossible dans l'entrepôt ({message})")]) from None
    finally:
        con.execute("DETACH wh")
    return ResultatIngestion(fichiers, lignes, max(dates) if dates else None, avertissements)
