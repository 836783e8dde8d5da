"""Raw exports → typed, pseudonymised `raw.*` tables of the DuckDB warehouse.

Three passes, all set-based SQL in an in-memory DuckDB (no Python loop over rows):

1. **Structure** — every file is found, decoded, its header mapped to the contract, its rows counted
   and its keys checked for duplicates. Any problem refuses the whole export: nothing is written.
2. **Rows** — each row is typed and checked against the rules of the contract (format of dates,
   booleans and numbers; vocabularies; bounds; mandatory cells; references to accepted rows of the
   parent table). A row breaking a rule is quarantined: listed in the rejection report (`rejets.csv`:
   fichier, ligne, colonne, valeur, motif) and left out of the warehouse. If a table's rejected share
   is above the threshold (config/qualite.yaml, 0.5 %), the export is refused. Then the volumes: a table whose
   rows drop too much against the previous export, or a first export with implausibly few events per youth,
   refuses the export unless the data team confirms it (lib/plausibilite.py).
3. **Write** — once every check passed, the files are archived (MILO_HOME/archive/<sha256>/: a refused export
   is never archived) while the accepted rows of every table, the list of files and the volume history are
   written, in one transaction committed once the archive is complete.

Personal-data columns are never selected into a table: they exist only while a row is read, to make
sure a rejected value echoed in a report is not one of them. Every source id (youth, mentor, event, mentorship,
contact) is replaced by its HMAC. Only the columns some indicator or check reads reach the warehouse (the contract's
`entrepot`): the birth date never does; the ages the indicators need are computed from it before the write
(`requetes_ages`), exactly, in set-based SQL.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import duckdb

from .contract import Colonne, Table, load_contract, normalise_entete, ordre_references
from .errors import ExportsInvalides, Probleme
from .plausibilite import plausibilite
from .pseudonymisation import hmac_sql, load_key, padded_keys
from .quality import Reglages, load_settings
from .readers import (
    EncodageIllisible,
    FichierExport,
    analyse_csv,
    detect_separator,
    find_exports,
    read_header_line,
    sha256_file,
    split_header,
    transcode_to_utf8,
)
from .warehouse import appliquer_limites

CONTRACT = Path(__file__).resolve().parent.parent / "config" / "exports.yaml"

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S",
                "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"]
_FORMATS_SQL = "[" + ", ".join(f"'{f}'" for f in DATE_FORMATS) + "]"

SQL_TYPES = {
    "identifiant": "VARCHAR", "texte": "VARCHAR", "code": "VARCHAR", "date": "DATE",
    "horodatage": "TIMESTAMP", "booleen": "BOOLEAN", "decimal": "DECIMAL(14,2)", "entier": "BIGINT",
}
MESSAGES = {
    "date": "date illisible (formats acceptés : JJ/MM/AAAA, AAAA-MM-JJ, AAAA-MM-JJ HH:MM:SS)",
    "horodatage": "date illisible (formats acceptés : JJ/MM/AAAA, AAAA-MM-JJ, AAAA-MM-JJ HH:MM:SS)",
    "booleen": "valeur attendue : Oui ou Non (ou vide)",
    "decimal": "nombre décimal illisible (attendu par exemple 552,29)",
    "entier": "nombre entier illisible",
}
COLONNES_REJETS = ("fichier", "ligne", "colonne", "valeur", "motif")
EXEMPLES = 3  # rejected cells quoted per column and reason in a message

# A value is echoed (message, rejection report) only if it cannot be personal data: shaped like a date,
# or short, without « @ », without 9 digits in a row once spaces and dots are removed (a phone number,
# a SIRET, a social security number) and not equal to, nor containing, a personal cell of its row
# (a row shifted by one column puts a name or an address where a code was expected).
_FORME_DATE = r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?)?"
_LONGUEUR_MAX_ECHO = 40


@dataclass
class ResultatIngestion:
    fichiers: list[FichierExport]
    lignes: dict[str, int]  # rows written per table
    date_export: str | None
    avertissements: list[Probleme] = field(default_factory=list)
    lues: dict[str, int] = field(default_factory=dict)  # data rows read per table
    rejetees: dict[str, int] = field(default_factory=dict)  # rows quarantined per table
    rejets: list[Probleme] = field(default_factory=list)  # examples of quarantined cells
    rapport_rejets: Path | None = None
    confirmes: list[Probleme] = field(default_factory=list)  # implausible volumes loaded on confirmation

    def part_rejetee(self, table: str) -> str:
        """The share of a table's rows quarantined, in French (`0,25 %`), `—` when no row was read."""
        lues, rejetees = self.lues[table], self.rejetees[table]
        return f"{100 * rejetees / lues:.2f}".replace(".", ",") + " %" if lues else "—"

    def colonnes_ignorees(self, fichier: str) -> str:
        """The columns of a file unknown to the contract (ignored), `aucune` when there is none."""
        return ", ".join(p.colonne for p in self.avertissements if p.fichier == fichier) or "aucune"

    def volume_confirme(self, fichier: str) -> str:
        """The implausible volume of a file loaded on confirmation, `non` when there is none."""
        return "; ".join(p.message for p in self.confirmes if p.fichier == fichier) or "non"

    def entree_data_docs(self) -> dict:
        """The ingestion's entry in the run's Data Docs: files, rows read and quarantined, problems, warnings."""
        return {**_ENTREE_DATA_DOCS, "succes": True,
                "resume": f"{sum(self.rejetees.values())} ligne(s) écartée(s) sur {sum(self.lues.values())} lue(s)",
                "tables": [{"fichier": f.path.name, "lues": self.lues[f.table], "rejetees": self.rejetees[f.table],
                            "part": self.part_rejetee(f.table)} for f in self.fichiers],
                "problemes": [str(p) for p in self.rejets],
                "avertissements": [str(p) for p in [*self.confirmes, *self.avertissements]]}


RAPPORT_REJETS = "rejets.csv"
"""The rows a run quarantined, in its folder MILO_HOME/runs/<run id>/."""
_ENTREE_DATA_DOCS = {"nom": "ingestion", "titre": "Ingestion : structure des fichiers et lignes écartées",
                     "niveau": "ingestion"}


def entree_data_docs_refus(erreur: ExportsInvalides) -> dict:
    """The Data Docs entry of an export refused: why, and every problem found."""
    return {**_ENTREE_DATA_DOCS, "succes": False, "resume": (erreur.resume or ["export refusé"])[0],
            "problemes": [*erreur.resume, *map(str, erreur.problemes)]}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def date_sql(v: str) -> str:
    """SQL: `try_strptime(v, DATE_FORMATS)`, fast. A value is parsed first with the one format its shape points
    to (a `/`, its length, a `T`): a failed try_strptime is costly and the list tries its formats in order. At most
    one format of the list reads a given text (each has its own separators and number of fields), so a value the
    guessed format reads gets the list's result; any other goes through the whole list."""
    fr = (f"CASE WHEN strlen({v}) <= 10 THEN try_strptime({v}, '%d/%m/%Y') "
          f"WHEN strlen({v}) <= 16 THEN try_strptime({v}, '%d/%m/%Y %H:%M') "
          f"ELSE try_strptime({v}, '%d/%m/%Y %H:%M:%S') END")
    iso = (f"CASE WHEN strlen({v}) <= 10 THEN try_strptime({v}, '%Y-%m-%d') "
           f"WHEN strlen({v}) <= 16 THEN try_strptime({v}, '%Y-%m-%d %H:%M') "
           f"WHEN {v}[11] = 'T' THEN try_strptime({v}, '%Y-%m-%dT%H:%M:%S') "
           f"ELSE try_strptime({v}, '%Y-%m-%d %H:%M:%S') END")
    return f"coalesce(CASE WHEN contains({v}, '/') THEN {fr} ELSE {iso} END, try_strptime({v}, {_FORMATS_SQL}))"


def typed_sql(colonne: Colonne, v: str | None) -> str:
    """The SQL giving the typed value of a column from its text `v`, trimmed and NULL if empty (`v` None: the
    column is absent from the file)."""
    sql_type = SQL_TYPES[colonne.type]
    if v is None:
        return f"NULL::{'BLOB' if colonne.is_id else sql_type}"
    match colonne.type:
        case "identifiant":
            return f"unhex({hmac_sql(v)})"  # 32 bytes while the ingestion runs, hex again when written (_hex)
        case "texte" | "code":
            return v
        case "date":
            return f"{date_sql(v)}::DATE"
        case "horodatage":
            return date_sql(v)
        case "booleen":
            return f"CASE lower({v}) WHEN 'oui' THEN true WHEN 'non' THEN false END"
        case "decimal":
            return f"try_cast(replace(replace({v}, ' ', ''), ',', '.') AS DECIMAL(14,2))"
        case "entier":
            return f"try_cast({v} AS BIGINT)"
    raise ValueError(colonne.type)


def _hex(pseudonyme: str) -> str:
    """SQL: an id's pseudonym as written to the warehouse (64 lowercase hex digits), from the 32 bytes kept
    while the ingestion runs (half the memory: the typed tables of a national export hold tens of millions)."""
    return f"lower(hex({pseudonyme}))"


def age_revolu_sql(naissance: str, reference: str) -> str:
    """SQL: whole years between a birth date and a reference date (DATE or TIMESTAMP): the birthday counts
    from its day on (18 on the 18th birthday, still 17 the day before); born on 29 February, one year older on
    1 March of a non-leap year. NULL if either is unknown."""
    return (f"(year({reference}) - year({naissance}) - CASE WHEN month({reference}) * 100 + day({reference}) "
            f"< month({naissance}) * 100 + day({naissance}) THEN 1 ELSE 0 END)::SMALLINT")


def requetes_ages(tables: dict[str, Table], nom: str, relation: Callable[[str], str]) -> list[str]:
    """SQL: the UPDATE filling the age columns of table `nom` (its `ages` in the contract), in place: the rows
    keep their order (an UPDATE does not move rows; a join in a CREATE TABLE would reorder them). The birth date
    is the row's own (the ingestion computes those ages as the file is read, the same `age_revolu_sql`), or that
    of the youth its reference column points to. `relation(table)`: the SQL name of
    a table (during the ingestion `lu_<table>`, ids as the 32 bytes of their pseudonym)."""
    table = tables[nom]
    if not table.ages:
        return []
    if table.naissance is not None:
        sets = ", ".join(f"{age} = {age_revolu_sql('t.' + table.naissance.nom, 't.' + d)}" for age, d in table.ages)
        return [f"UPDATE {relation(nom)} AS t SET {sets}"]
    parent, cle = table.reference_jeune.reference
    naissance = tables[parent].naissance.nom
    sets = ", ".join(f"{age} = {age_revolu_sql('n.' + naissance, 't.' + d)}" for age, d in table.ages)
    return [f"UPDATE {relation(nom)} AS t SET {sets} FROM {relation(parent)} AS n "
            f"WHERE t.{table.reference_jeune.nom} = n.{cle} AND n.{naissance} IS NOT NULL"]


def echo_sql(v: str, autres: str) -> str:
    """SQL: the text `v` if it is safe to echo, else NULL; `autres` is the list of the row's other cells
    (personal data and columns unknown to the contract)."""
    personnel = (f"coalesce(list_bool_or(list_transform({autres}, lambda p: p = {v} "
                 f"OR (length(p) >= 3 AND contains({v}, p)))), false)")
    return (f"CASE WHEN {personnel} THEN NULL "
            f"WHEN regexp_full_match({v}, {_literal(_FORME_DATE)}) THEN {v} "
            f"WHEN length({v}) <= {_LONGUEUR_MAX_ECHO} AND NOT contains({v}, '@') "
            rf"AND NOT regexp_matches(regexp_replace({v}, '[\s.()+/-]', '', 'g'), '[0-9]{{9}}') THEN {v} END")


def _nombre(valeur) -> str:
    return format(valeur, "f").replace(".", ",")


def selon_sql(colonne: str, valeur: str) -> str:
    """SQL: the typed column `colonne` of the row holds `valeur` (a bound that depends on a programme)."""
    return f"{colonne} = {_literal(valeur)}"


def motifs_sql(colonne: Colonne, v: str, typed: str) -> str:
    """SQL: why the cell breaks a rule of its column (French), or NULL. `v` is the trimmed text or NULL."""
    cas = []
    if colonne.type in MESSAGES:
        cas.append((f"{v} IS NOT NULL AND {typed} IS NULL", MESSAGES[colonne.type]))
    if colonne.non_vide:
        cas.append((f"{v} IS NULL", "valeur obligatoire absente"))
    if colonne.vocabulaire is not None:
        admises = ", ".join(_literal(x) for x in colonne.vocabulaire)
        cas.append((f"{typed} NOT IN ({admises})",
                    "valeur hors du vocabulaire du contrat (attendu : " + ", ".join(colonne.vocabulaire) + ")"))
    if colonne.min is not None:
        cas.append((f"{typed} < {colonne.min}", f"valeur inférieure au minimum autorisé ({_nombre(colonne.min)})"))
    # the upper bounds (config/exports.yaml): a programme's cap is named in the reason
    for selon, borne in colonne.max.cas() if colonne.max is not None else ():
        si = f"{selon_sql(colonne.max.selon, selon)} AND " if selon is not None else ""
        pour = f" pour {selon}" if selon is not None else ""
        cas.append((f"{si}{typed} > {borne}", f"valeur supérieure au maximum autorisé{pour} ({_nombre(borne)})"))
    if colonne.duree_max is not None:
        depuis, jours = colonne.duree_max
        for selon, borne in jours.cas():
            si = f"{selon_sql(jours.selon, selon)} AND " if selon is not None else ""
            pour = f" pour {selon}" if selon is not None else ""
            cas.append((f"{si}date_diff('day', {depuis}::DATE, {typed}::DATE) > {borne}",
                        f"durée invraisemblable : plus de {_nombre(borne)} jours après {depuis} (maximum "
                        f"autorisé{pour})"))
    if not cas:
        return "NULL::VARCHAR"
    return "CASE " + " ".join(f"WHEN {cond} THEN {_literal(texte)}" for cond, texte in cas) + " END"


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


def _copier(src, dst) -> None:
    """Copies an open file into another by the kernel (sendfile), else through Python."""
    try:
        while os.sendfile(dst.fileno(), src.fileno(), None, 1 << 30):
            pass
    except OSError:
        src.seek(0)
        dst.seek(0)
        dst.truncate()
        shutil.copyfileobj(src, dst, 1 << 20)


def archive(path: Path, sha256: str, archive_dir: Path) -> Path:
    """Keep the file as received, readable by its owner only (0400), under archive/<sha256>/ (a regular file
    already there is never overwritten). The copy goes to a temporary file of unpredictable name created
    exclusively (O_EXCL: a link planted in the folder is never written through), then is renamed into place;
    a symbolic link or anything but a regular file found at the destination is replaced, never followed."""
    dest = Path(archive_dir) / sha256 / path.name
    if dest.is_file() and not dest.is_symlink():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".archive-", suffix=".part")
    try:
        with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
            _copier(src, dst)
        os.chmod(tmp, 0o400)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def _csv_error(fichier: str, exc: duckdb.Error) -> Probleme:
    """DuckDB's CSV error as a French problem. Its message quotes the offending line (personal data):
    only the line number and the kind of error are kept."""
    texte = str(exc)
    ligne = re.search(r"CSV Error on Line: (\d+)", texte)
    colonnes = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", texte)
    if colonnes:
        raison = f"ligne mal formée : {colonnes[1]} colonnes attendues, {colonnes[2]} trouvées"
    elif "unterminated quote" in texte:
        raison = "ligne mal formée : guillemet ouvert et jamais fermé"
    elif "state machine reached an invalid state" in texte:
        raison = "structure CSV invalide (guillemets ou séparateurs incohérents)"
    else:
        raison = "fichier CSV illisible (" + texte.splitlines()[0].split(":")[0] + ")"
    return Probleme(fichier, raison, ligne=int(ligne[1]) if ligne else None)


def _vide(table: Table, path: Path, message: str) -> ExportsInvalides:
    attendu = ";".join(c.nom for c in table.colonnes if c.requis)
    return ExportsInvalides([Probleme(path.name, message)], resume=[f"{path.name} : en-tête attendu : {attendu}"])


@dataclass(frozen=True)
class _Source:
    sql: str  # SELECT of the rows (c0, c1…), in the order of the file
    sequentielle: str | None = None  # the same CSV read by one thread, to name its first malformed line


class _Lecteur:
    """Reads each export into a temp table `lu_<table>`: one row per data row of the file, in its order, so that
    the line number is the row's position (`rowid + 2`, 1 = header): the typed warehouse columns (ids: the 32
    bytes of their pseudonym), the birth date of the youths (read by the ages of the other tables, never
    written), the age columns of the contract, `_rejets`, the list of the row's cells that break a rule —
    {colonne, valeur (as it may be echoed), motif} — NULL for a good row, `_vide` (a row of empty cells: no
    data) and `_ecartee` (set when the row is quarantined). Columns checked but kept out of the warehouse
    (`entrepot: false`) are typed and checked, not stored. The view `typ_<table>` shows its data rows with their
    line number `_ligne`. Reading in file order without numbering the rows lets DuckDB read and type a file on
    every core. Personal-data columns are read (to keep them out of the echoed values) but never stored."""

    def __init__(self, con: duckdb.DuckDBPyConnection, tmpdir: Path, params: dict,
                 analyses: dict[Path, Future] | None = None):
        self.con = con
        self.tmpdir = tmpdir
        self.params = params
        self.analyses = analyses or {}  # analyse_csv of each CSV file, run ahead by a thread

    def ouvrir(self, table: Table, path: Path) -> tuple[FichierExport, list[str], _Source]:
        """The file's description, its header cells and the SQL of its rows (c0, c1…)."""
        if path.stat().st_size == 0:
            raise _vide(table, path, "fichier vide")
        if path.suffix.lower() == ".xlsx":
            return self._xlsx(table, path, sha256_file(path))
        return self._csv(table, path)

    def _csv(self, table: Table, path: Path) -> tuple[FichierExport, list[str], _Source]:
        try:
            analyse = self.analyses.pop(path).result() if path in self.analyses else analyse_csv(path)
        except EncodageIllisible as exc:
            raise ExportsInvalides([Probleme(path.name, exc.raison, ligne=exc.ligne)]) from None
        encodage = analyse.encodage
        entete = read_header_line(path, encodage)
        if not entete.strip():
            raise _vide(table, path, "fichier vide (pas de ligne d'en-tête)")
        separateur = detect_separator(entete, table)
        cellules = split_header(entete, separateur)
        vide = separateur * (len(cellules) - 1) if analyse.lignes_vides else None
        copie = encodage == "cp1252" or vide is not None or analyse.fins_melangees
        lu = transcode_to_utf8(path, encodage, self.tmpdir / f"{table.nom}.csv", vide) if copie else path
        colonnes = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(cellules)))
        options = (f"header=true, delim={_literal(separateur)}, quote='\"', escape='\"', auto_detect=false, "
                   f"columns={{{colonnes}}}")
        source = _Source(f"SELECT * FROM read_csv({_literal(str(lu))}, {options})",
                         f"SELECT * FROM read_csv({_literal(str(lu))}, {options}, parallel=false)")
        return FichierExport(table.nom, path, analyse.sha256, "csv", encodage, separateur), cellules, source

    def _xlsx(self, table: Table, path: Path, sha: str) -> tuple[FichierExport, list[str], _Source]:
        import pandas as pd

        try:
            frame = pd.read_excel(path, sheet_name=0, dtype=str, header=0, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise ExportsInvalides([Probleme(path.name, f"classeur Excel illisible ({type(exc).__name__})")]) from None
        cellules = [str(c) for c in frame.columns]
        if not cellules:
            raise _vide(table, path, "fichier vide (pas de ligne d'en-tête)")
        frame.columns = [f"c{i}" for i in range(len(cellules))]
        frame = frame.astype(object).where(frame.notna(), None)
        self.con.register(f"xlsx_{table.nom}", frame)
        return FichierExport(table.nom, path, sha, "xlsx"), cellules, _Source(f"SELECT * FROM xlsx_{table.nom}")

    def charger(self, table: Table, fichier: FichierExport, refs: dict[str, str], autres: list[str],
                source: _Source) -> int:
        """Creates lu_<table> and typ_<table>; returns the number of data rows. `autres`: refs of the personal
        and unknown columns.

        One pass over the file, each step selecting only what the next one needs: the cells trimmed once, then
        typed, then checked; the echoed values of a rejected cell (and the list of the row's personal cells they
        are compared with) are computed for rejected rows only."""
        colonnes = [c for c in table.colonnes_controlees if c.nom in refs]
        v = {c.nom: _ident("v_" + c.nom) for c in colonnes}
        motif = {c.nom: _ident("_motif_" + c.nom) for c in colonnes}
        controlees = [c.nom for c in table.colonnes_controlees]
        # kept after the checks: the warehouse columns, the birth date until the ages are computed, the ages
        noms = [c.nom for c in table.colonnes_entrepot] + ([table.naissance.nom] if table.naissance else [])
        # the ages: from the row's own birth date right here; through a youth of another table, filled by an UPDATE
        # once every table is read (requetes_ages)
        ages = "".join(f", {age_revolu_sql(table.naissance.nom, d) if table.naissance else 'NULL::SMALLINT'} AS {age}"
                       for age, d in table.ages)
        portes = [*v.values(), *autres]  # what each step carries to the next
        # a row of empty cells (a blank line, an empty spreadsheet row) is no data: skipped, not rejected
        textes = [f"nullif(trim({refs[c.nom]}), '') AS {v[c.nom]}" for c in colonnes]
        vide = "coalesce(" + ", ".join([*v.values(), *(f"nullif(trim({r}), '')" for r in autres)]) + ") IS NULL"
        cellules = f"SELECT {', '.join([*textes, *autres])}, {vide} AS _vide FROM ({source.sql})"
        types = ", ".join(f"{typed_sql(c, v.get(c.nom))} AS {c.nom}" for c in table.colonnes_controlees)
        motifs = "".join(f", {motifs_sql(c, v[c.nom], c.nom)} AS {motif[c.nom]}" for c in colonnes)
        # the personal and unknown cells of the row, that an echoed value must not be nor contain
        liste = "[" + ", ".join(f"nullif(trim({r}), '')" for r in autres) + "]::VARCHAR[]"
        personnelles = f"list_filter({liste}, lambda p: p IS NOT NULL)"
        cellules_rejetees = []
        for c in colonnes:
            valeur = _hex(c.nom) if c.is_id else ("NULL::VARCHAR" if c.sensible else echo_sql(v[c.nom], personnelles))
            cellules_rejetees.append(f"{{'colonne': {_literal(c.nom)}, 'valeur': {valeur}, 'motif': {motif[c.nom]}}}")
        # the rejected cells of a row as one list (NULL for a good row: nothing stored per checked column)
        rejets = (f"CASE WHEN coalesce({', '.join(motif.values())}) IS NOT NULL THEN "
                  f"list_filter([{', '.join(cellules_rejetees)}], lambda r: r.motif IS NOT NULL) END"
                  if colonnes else "NULL")
        sql = (f"CREATE TEMP TABLE lu_{table.nom} AS "
               f"SELECT {', '.join(noms)}{ages}, {rejets} AS _rejets, _vide, false AS _ecartee FROM ("
               f"SELECT {', '.join(controlees)}{motifs}, {', '.join([*portes, '_vide'])} FROM ("
               f"SELECT {types}, {', '.join([*portes, '_vide'])} FROM ({cellules})))")
        params = self.params if "$ipad" in sql else {}
        try:
            _en_ordre(self.con, sql, params)
        except duckdb.Error as exc:
            raise ExportsInvalides([_csv_error(fichier.path.name, self._erreur(source, exc))]) from None
        self.con.execute(f"CREATE TEMP VIEW typ_{table.nom} AS SELECT rowid + 2 AS _ligne, {', '.join(noms)}, "
                         f"_rejets FROM lu_{table.nom} WHERE NOT _vide")
        return self.con.execute(f"SELECT count(*) FROM typ_{table.nom}").fetchall()[0][0]

    def _erreur(self, source: _Source, exc: duckdb.Error) -> duckdb.Error:
        """The error of a CSV file read by one thread: with several malformed lines, the first one of the file
        (a parallel read may meet another one first)."""
        if source.sequentielle is None:
            return exc
        try:
            self.con.execute(f"SELECT count(*) FROM ({source.sequentielle})").fetchall()
        except duckdb.Error as sequentielle:
            return sequentielle
        return exc


_OPERATEURS_ORDONNES = {"PROJECTION", "FILTER", "READ_CSV", "PANDAS_SCAN", "TABLE_SCAN", "SEQ_SCAN"}


def _en_ordre(con, sql: str, params: dict | None = None) -> None:
    """Runs a CREATE TABLE … AS whose rows must keep the order of its source: DuckDB's plan must insert them in
    that order (BATCH_CREATE_TABLE_AS) and read them through scans, projections and filters only — a join or a
    sort would reorder them, and the line numbers would be wrong. Checked on the plan, before running."""
    plan = json.loads(con.execute(f"EXPLAIN (FORMAT json) {sql}", params or {}).fetchall()[0][1])[0]

    def operateurs(noeud: dict) -> list[str]:
        return [noeud["name"], *(n for enfant in noeud["children"] for n in operateurs(enfant))]

    racine, *autres = operateurs(plan)
    if racine != "BATCH_CREATE_TABLE_AS" or set(autres) - _OPERATEURS_ORDONNES:
        raise RuntimeError(f"DuckDB ne garantit pas l'ordre des lignes de ce plan : {racine} ← {', '.join(autres)}")
    con.execute(sql, params or {})


def _doublons(con, table: Table, fichier: str) -> list[Probleme]:
    """A key that appears twice refuses the export: which row is the right one cannot be guessed."""
    problemes = []
    for colonne in (c for c in table.colonnes if c.cle):
        total, = con.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM typ_{table.nom} WHERE {colonne.nom} IS NOT NULL "
            f"GROUP BY {colonne.nom} HAVING count(*) > 1)").fetchall()[0]
        if not total:
            continue
        rows = con.execute(
            f"SELECT list(_ligne ORDER BY _ligne) FROM typ_{table.nom} WHERE {colonne.nom} IS NOT NULL "
            f"GROUP BY {colonne.nom} HAVING count(*) > 1 ORDER BY min(_ligne) LIMIT {EXEMPLES}").fetchall()
        suffixe = f" — {total} identifiant(s) en double dans cette colonne" if total > len(rows) else ""
        for (lignes,) in rows:
            autres = ", ".join(str(n) for n in lignes[1:6]) + (" …" if len(lignes) > 6 else "")
            problemes.append(Probleme(fichier, f"identifiant en double : la même valeur figure aussi ligne(s) "
                                               f"{autres}{suffixe}", colonne=colonne.nom, ligne=lignes[0]))
    return problemes


def _rejets_sql(table: Table, fichiers: dict[str, FichierExport], refs: dict[str, str]) -> str:
    """SQL of the rejected cells of a table: (ligne, colonne, valeur, motif). Parents' rej_ tables exist."""
    parts = [f"SELECT _ligne AS ligne, r.colonne, r.valeur, r.motif FROM "
             f"(SELECT _ligne, unnest(_rejets) AS r FROM typ_{table.nom} WHERE _rejets IS NOT NULL)"]
    for c in table.colonnes_controlees:
        if c.nom not in refs or c.reference is None:
            continue
        parent, cle = c.reference
        nom_parent = fichiers[parent].path.name
        inconnu = _literal(f"absent de la table {parent} ({nom_parent})")
        ecarte = _literal(f"écarté de la table {parent} : voir {nom_parent}, ligne ")
        parts.append(
            f"SELECT t._ligne, {_literal(c.nom)}, {_hex('t.' + c.nom)}, "
            f"CASE WHEN p._ligne IS NULL THEN {inconnu} ELSE {ecarte} || p._ligne END "
            f"FROM typ_{table.nom} AS t LEFT JOIN typ_{parent} AS p ON t.{c.nom} = p.{cle} "
            f"WHERE t.{c.nom} IS NOT NULL AND (p._ligne IS NULL OR p._ligne IN (SELECT ligne FROM rej_{parent}))")
    return " UNION ALL ".join(parts)


def _exemples(con, table: Table, fichier: str) -> list[Probleme]:
    """A few rejected cells per column and reason, as problems for the data team."""
    rows = con.execute(
        f"SELECT colonne, motif, n, exemples FROM (SELECT colonne, motif, count(*) AS n, "
        f"list({{'ligne': ligne, 'valeur': valeur}} ORDER BY ligne)[1:{EXEMPLES}] AS exemples, min(ligne) AS premiere "
        f"FROM rej_{table.nom} GROUP BY colonne, motif) ORDER BY premiere, colonne").fetchall()
    problemes = []
    for colonne, motif, n, exemples in rows:
        is_id = table.colonne(colonne).is_id
        suffixe = f" — {n} valeur(s) en tout dans cette colonne" if n > len(exemples) else ""
        problemes += [Probleme(fichier, motif + suffixe, colonne=colonne, ligne=e["ligne"],
                               valeur=None if is_id else e["valeur"]) for e in exemples]
    return problemes


def _pourcent(part: float) -> str:
    return f"{100 * part:.1f}".replace(".", ",") + " %"


def ingest_exports(folder: Path, warehouse: Path, milo_home: Path, contract_path: Path = CONTRACT,
                   rapport_rejets: Path | None = None, seuil_rejets: float | None = None,
                   reglages: Reglages | None = None, confirmer_baisse: bool = False) -> ResultatIngestion:
    """Read, check, archive and load a folder of exports. Raises ExportsInvalides, writing nothing to the
    warehouse and archiving nothing. The rejection report (`rapport_rejets`, CSV) is written once the rows were
    checked, whether the export is then accepted or refused. `reglages` defaults to config/qualite.yaml,
    `seuil_rejets` to its own. `confirmer_baisse`: the data team confirms a drop of volume (or an implausible
    first export) the plausibility check would refuse."""
    if reglages is None:
        reglages = load_settings()
    if seuil_rejets is not None:
        reglages = replace(reglages, seuil_rejets=seuil_rejets)
    ipad, opad = padded_keys(load_key(milo_home, warehouse))  # CleInvalide: a short key, or a lost one
    tables = load_contract(contract_path)
    paths, problemes = find_exports(folder, tables)
    # in memory: personal data is never selected into a table; what may spill to disk (DuckDB's temp
    # directory, removed at the end) holds typed values and pseudonyms only
    con = duckdb.connect()
    appliquer_limites(con)  # above its memory limit, DuckDB spills to its temp directory instead of growing
    # the line numbers are the rows' positions (lu_<table>): insertion order kept, and no rewriting of a
    # vocabulary check `x IN ('a', 'b', …)` into a join, which would not keep it
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET disabled_optimizers = 'in_clause'")
    fichiers: dict[str, FichierExport] = {}
    refs_tables: dict[str, dict[str, str]] = {}
    lues: dict[str, int] = {}
    avertissements: list[Probleme] = []
    resume: list[str] = []
    with tempfile.TemporaryDirectory(prefix="milo-ingestion-") as tmp:
        con.execute("SET temp_directory = $dir", {"dir": str(Path(tmp) / "duckdb")})
        # while DuckDB reads a file, a thread reads the next CSV files (analyse_csv: pure Python, whose hashing and
        # reads release the GIL); the files are archived once the export is accepted (_quarantaine)
        with ThreadPoolExecutor(1, thread_name_prefix="analyse") as analyste:
            analyses = {paths[nom]: analyste.submit(analyse_csv, paths[nom]) for nom in ordre_references(tables)
                        if nom in paths and paths[nom].suffix.lower() == ".csv" and paths[nom].stat().st_size > 0}
            lecteur = _Lecteur(con, Path(tmp), {"ipad": ipad, "opad": opad}, analyses)
            for nom in ordre_references(tables):
                if nom not in paths:
                    continue
                table, path = tables[nom], paths[nom]
                try:
                    fichier, cellules, source = lecteur.ouvrir(table, path)
                except ExportsInvalides as exc:
                    problemes += exc.problemes
                    resume += exc.resume
                    continue
                fichiers[nom] = fichier
                refs, erreurs, extras = map_header(cellules, table, path.name)
                avertissements += extras
                if erreurs:
                    problemes += erreurs
                    continue
                mappees = {refs[c.nom] for c in table.colonnes_controlees if c.nom in refs}
                autres = [f"c{i}" for i in range(len(cellules)) if f"c{i}" not in mappees]
                try:
                    lues[nom] = lecteur.charger(table, fichier, refs, autres, source)
                except ExportsInvalides as exc:
                    problemes += exc.problemes
                    continue
                refs_tables[nom] = refs
                if lues[nom] == 0 and not table.peut_etre_vide:
                    problemes.append(Probleme(path.name, "fichier vide : aucune ligne de données sous l'en-tête"))
                problemes += _doublons(con, table, path.name)
        if problemes:
            raise ExportsInvalides(problemes, resume=resume)
        return _quarantaine(con, tables, fichiers, refs_tables, lues, warehouse, rapport_rejets, reglages,
                            avertissements, Path(milo_home) / "archive", confirmer_baisse)


def _quarantaine(con, tables: dict[str, Table], fichiers: dict[str, FichierExport],
                 refs_tables: dict[str, dict[str, str]], lues: dict[str, int], warehouse: Path,
                 rapport_rejets: Path | None, reglages: Reglages, avertissements: list[Probleme],
                 archives: Path, confirmer_baisse: bool) -> ResultatIngestion:
    seuil = reglages.seuil_rejets
    rejetees: dict[str, int] = {}
    for nom in ordre_references(tables):
        con.execute(f"CREATE TEMP TABLE rej_{nom} AS {_rejets_sql(tables[nom], fichiers, refs_tables[nom])}")
        rejetees[nom] = con.execute(f"SELECT count(DISTINCT ligne) FROM rej_{nom}").fetchall()[0][0]
    if rapport_rejets is not None:
        _ecrire_rejets(con, tables, fichiers, Path(rapport_rejets))
    exemples = {nom: _exemples(con, tables[nom], fichiers[nom].path.name) for nom in tables if rejetees[nom]}
    trop = [nom for nom in tables if lues[nom] and rejetees[nom] / lues[nom] > seuil]
    if trop:
        resume = [f"{fichiers[nom].path.name} : {rejetees[nom]} ligne(s) écartée(s) sur {lues[nom]} "
                  f"({_pourcent(rejetees[nom] / lues[nom])}), au-delà du seuil de {_pourcent(seuil)} "
                  "(config/qualite.yaml)" for nom in trop]
        if rapport_rejets is not None:
            resume.append(f"rapport des rejets : {rapport_rejets}")
        raise ExportsInvalides([p for nom in trop for p in exemples[nom]], resume=resume)
    dates_export = {nom: _date_in_name(f.path.name) or date.today().isoformat() for nom, f in fichiers.items()}
    confirmes = plausibilite(con, warehouse, fichiers, dates_export, lues, reglages, confirmer_baisse)
    # every check passed: the files are archived (a kernel copy, in a thread) while the warehouse is written;
    # the write commits once they are all archived
    with ThreadPoolExecutor(1, thread_name_prefix="archive") as archiviste:
        archivages = [archiviste.submit(archive, f.path, f.sha256, archives) for f in fichiers.values()]
        lignes = _write(con, warehouse, tables, fichiers, lues, rejetees,
                        avant_commit=lambda: [a.result() for a in archivages])
    dates = [d for f in fichiers.values() if (d := _date_in_name(f.path.name))]
    return ResultatIngestion(
        list(fichiers.values()), lignes, max(dates) if dates else None, avertissements, lues=lues,
        rejetees=rejetees, rejets=[p for ps in exemples.values() for p in ps], rapport_rejets=rapport_rejets,
        confirmes=confirmes)


def _ecrire_rejets(con, tables: dict[str, Table], fichiers: dict[str, FichierExport], path: Path) -> None:
    """rejets.csv: one row per rejected cell, ordered by file and line; ids as pseudonyms, never raw."""
    union = " UNION ALL ".join(
        f"SELECT {_literal(fichiers[nom].path.name)} AS fichier, ligne, colonne, valeur, motif FROM rej_{nom}"
        for nom in tables)
    path.parent.mkdir(parents=True, exist_ok=True)
    # a temporary sibling of unpredictable name, created exclusively, then renamed into place
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        con.execute(f"COPY (SELECT * FROM ({union}) ORDER BY fichier, ligne, colonne) TO {_literal(tmp)} "
                    "(FORMAT csv, HEADER true, DELIMITER ',')")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write(con, warehouse: Path, tables: dict[str, Table], fichiers: dict[str, FichierExport],
           lues: dict[str, int], rejetees: dict[str, int],
           avant_commit: Callable[[], object] = lambda: None) -> dict[str, int]:
    for nom in tables:
        if rejetees[nom]:
            con.execute(f"UPDATE lu_{nom} SET _ecartee = true WHERE rowid + 2 IN (SELECT ligne FROM rej_{nom})")
    for nom in tables:  # every table's ages before the first write drops lu_jeunes and its birth dates
        if tables[nom].naissance is None:  # the birth date's own table computed its ages as it was read
            for requete in requetes_ages(tables, nom, lambda t: f"lu_{t}"):
                con.execute(requete)
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    con.execute("ATTACH $path AS wh", {"path": str(warehouse)})
    lignes = {}
    aujourd_hui = date.today().isoformat()
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute("CREATE SCHEMA IF NOT EXISTS wh.raw")
        for nom, table in tables.items():
            # the rows in the order of the file: lu_<table> keeps it, a filter keeps it (a join would not)
            colonnes = ", ".join([*(f"{_hex(c.nom)} AS {c.nom}" if c.is_id else c.nom for c in table.colonnes_entrepot),
                                  *(age for age, _ in table.ages)])
            _en_ordre(con, f"CREATE OR REPLACE TABLE wh.raw.{nom} AS SELECT {colonnes} FROM lu_{nom} "
                      "WHERE NOT _vide AND NOT _ecartee")
            lignes[nom] = con.execute(f"SELECT count(*) FROM wh.raw.{nom}").fetchall()[0][0]
            # its rows are written: the memory they take is given to the next tables and the checkpoint
            con.execute(f"DROP VIEW typ_{nom}")
            con.execute(f"DROP TABLE lu_{nom}")
        rows = [(f.table, f.path.name, f.sha256, f.format, f.encodage, f.separateur, lignes[f.table],
                 _date_in_name(f.path.name) or aujourd_hui, lues[f.table], rejetees[f.table])
                for f in fichiers.values()]
        con.execute("CREATE OR REPLACE TABLE wh.raw._fichiers (table_export VARCHAR, fichier VARCHAR, "
                    "sha256 VARCHAR, format VARCHAR, encodage VARCHAR, separateur VARCHAR, lignes BIGINT, "
                    "date_export DATE, lignes_lues BIGINT, lignes_rejetees BIGINT)")
        con.executemany("INSERT INTO wh.raw._fichiers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        # the volumes of each export, kept from one run to the next for the drift check (one row per export
        # date and table: ingesting the same export again replaces its row)
        con.execute("CREATE SCHEMA IF NOT EXISTS wh.qualite")
        con.execute("CREATE TABLE IF NOT EXISTS wh.qualite.volumes_exports (date_export DATE, table_export VARCHAR, "
                    "fichier VARCHAR, sha256 VARCHAR, lignes_lues BIGINT, lignes_rejetees BIGINT, "
                    "ingere_le TIMESTAMP)")
        con.execute("DELETE FROM wh.qualite.volumes_exports AS v USING wh.raw._fichiers AS f "
                    "WHERE v.date_export = f.date_export AND v.table_export = f.table_export")
        con.execute("INSERT INTO wh.qualite.volumes_exports SELECT date_export, table_export, fichier, sha256, "
                    "lignes_lues, lignes_rejetees, current_localtimestamp() FROM wh.raw._fichiers")
        avant_commit()
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        message = str(exc).splitlines()[0]
        raise ExportsInvalides([Probleme(str(warehouse), f"écriture impossible dans l'entrepôt ({message})")]) from None
    except OSError as exc:  # the archive (avant_commit): nothing is committed
        con.execute("ROLLBACK")
        raise ExportsInvalides([Probleme(exc.filename or "archive", "archivage des exports impossible "
                                         f"({exc.strerror or type(exc).__name__}) : rien n'a été chargé")]) from None
    finally:
        con.execute("DETACH wh")
    return lignes
