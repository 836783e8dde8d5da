"""Finding the export files of a folder and reading how each one is encoded.

Nothing here changes a raw export: a Windows-1252 file is transcoded into a temporary UTF-8
copy, the original stays as received.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .contract import Table, normalise_entete
from .errors import Probleme

EXTENSIONS = (".csv", ".xlsx")
_CHUNK = 1 << 20
_SEPARATEURS = (";", ",", "\t")


@dataclass(frozen=True)
class FichierExport:
    table: str
    path: Path
    sha256: str
    format: str  # csv | xlsx
    encodage: str | None = None  # utf-8 | utf-8-sig | cp1252 (csv only)
    separateur: str | None = None  # csv only


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def find_exports(folder: Path, tables: dict[str, Table]) -> tuple[dict[str, Path], list[Probleme]]:
    """One file per table of the contract, found by its name prefix (`evenements_2024-12-31.csv`)."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}, [Probleme(str(folder), "dossier des exports introuvable")]
    found: dict[str, list[Path]] = {t: [] for t in tables}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in EXTENSIONS or path.name.startswith((".", "~$")):
            continue
        for table in tables:
            if re.match(rf"^{re.escape(table)}([_\-. ]|$)", path.stem, flags=re.IGNORECASE):
                found[table].append(path)
    problemes = []
    fichiers = {}
    for table, paths in found.items():
        if not paths:
            problemes.append(Probleme(
                str(folder), f"aucun fichier pour la table « {table} » "
                f"(attendu : {table}_<date>.csv ou .xlsx)"))
        elif len(paths) > 1:
            noms = ", ".join(p.name for p in paths)
            problemes.append(Probleme(str(folder), f"plusieurs fichiers pour la table « {table} » : {noms}"))
        else:
            fichiers[table] = paths[0]
    return fichiers, problemes


_UTF8_ACCENT = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")


class EncodageIllisible(ValueError):
    """A CSV file whose bytes cannot be read safely; `raison` in French, `ligne` the first line at fault."""

    def __init__(self, raison: str, ligne: int):
        self.raison, self.ligne = raison, ligne
        super().__init__(f"ligne {ligne} : {raison}")


def detect_encoding(path: Path) -> str:
    """utf-8-sig (BOM), utf-8, or cp1252. Raises EncodageIllisible for a binary or UTF-16 file (NUL bytes),
    bytes that are neither UTF-8 nor cp1252, or a file that mixes UTF-8 and Windows-1252 (read as cp1252,
    its UTF-8 accents would silently become « Ã© »)."""
    with open(path, "rb") as f:
        bom = f.read(3) == codecs.BOM_UTF8
    utf8, cp1252 = codecs.getincrementaldecoder("utf-8")(), codecs.getincrementaldecoder("cp1252")()
    est_utf8, est_cp1252, accents_utf8 = True, True, False
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            if b"\0" in chunk:
                raise EncodageIllisible("fichier binaire ou encodé en UTF-16 (octets nuls) : l'enregistrer en CSV "
                                        "UTF-8", first_bad_line(path, ()))
            if est_utf8:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    est_utf8 = False
            if est_cp1252:
                try:
                    cp1252.decode(chunk)
                except UnicodeDecodeError:
                    est_cp1252 = False
            accents_utf8 = accents_utf8 or bool(_UTF8_ACCENT.search(chunk))
    for decoder in (utf8, cp1252):
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            est_utf8 = est_utf8 and decoder is not utf8
            est_cp1252 = est_cp1252 and decoder is not cp1252
    if est_utf8:
        return "utf-8-sig" if bom else "utf-8"
    if not est_cp1252:
        raise EncodageIllisible("encodage non reconnu : ni UTF-8 ni Windows-1252",
                                first_bad_line(path, ("utf-8", "cp1252")))
    if bom or accents_utf8:
        raise EncodageIllisible("encodage mélangé : des lignes en UTF-8, d'autres en Windows-1252 ; "
                                "réenregistrer le fichier dans un seul encodage", first_bad_line(path, ("utf-8",)))
    return "cp1252"


def first_bad_line(path: Path, encodages: tuple[str, ...]) -> int:
    """The first line holding a NUL byte or that none of `encodages` decodes (for the error message)."""
    with open(path, "rb") as f:
        for numero, line in enumerate(f, start=1):
            if b"\0" in line:
                return numero
            for encodage in encodages:
                try:
                    line.decode(encodage)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                if encodages:
                    return numero
    return 1


def read_header_line(path: Path, encodage: str) -> str:
    with open(path, encoding=encodage, newline="") as f:
        return f.readline().rstrip("\r\n")


def detect_separator(header_line: str, table: Table) -> str:
    """The separator under which the header splits into the most known columns (then the most columns)."""
    connus = {normalise_entete(n) for c in table.colonnes for n in (c.nom, *c.alias)}

    def score(sep: str) -> tuple[int, int]:
        cellules = next(csv.reader(io.StringIO(header_line), delimiter=sep), [])
        return sum(normalise_entete(c) in connus for c in cellules), len(cellules)

    return max(_SEPARATEURS, key=score)


def split_header(header_line: str, separateur: str) -> list[str]:
    return next(csv.reader(io.StringIO(header_line), delimiter=separateur), [])


def mixed_line_endings(path: Path) -> bool:
    """Both Windows (CRLF) and Unix (LF) line endings: DuckDB's strict CSV reader refuses such a file."""
    crlf = lf = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            n = chunk.count(b"\r\n")
            crlf, lf = crlf + n, lf + chunk.count(b"\n") - n
            if crlf and lf:
                return True
    return False


_LIGNE_VIDE_INTERIEURE = re.compile(rb"\n[ \t\r]*\n[ \t\r\n]*[^ \t\r\n]")
_LIGNE_VIDE = re.compile(r"^[ \t]*$", flags=re.MULTILINE)


def interior_blank_lines(path: Path) -> bool:
    """A blank line followed by data: DuckDB skips it, which would shift the line numbers of the rows after it."""
    reste = b""
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            data = reste + chunk
            if _LIGNE_VIDE_INTERIEURE.search(data):
                return True
            reste = data[-256:]
    return False


def transcode_to_utf8(path: Path, encodage: str, dest: Path, vide: str | None = None) -> Path:
    """A UTF-8 copy of a CSV file for DuckDB's reader, line endings made uniform (chunked, never the raw
    file itself). With `vide` (a row of empty cells, e.g. ";;;"), blank lines become that row, so that
    DuckDB counts them and every row keeps its line number."""
    with open(path, encoding=encodage, newline=None) as src, open(dest, "w", encoding="utf-8", newline="\n") as out:
        reste = ""
        for chunk in iter(lambda: src.read(_CHUNK), ""):
            if vide is None:
                out.write(chunk)
                continue
            texte, fin, reste = (reste + chunk).rpartition("\n")
            if fin:
                out.write(_LIGNE_VIDE.sub(vide, texte) + "\n")
            else:
                reste = texte + reste
        out.write(reste)
    return dest
