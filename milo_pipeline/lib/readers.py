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


def detect_encoding(path: Path) -> str:
    """utf-8-sig (BOM), utf-8, or cp1252; raises UnicodeDecodeError if the file is none of them."""
    with open(path, "rb") as f:
        if f.read(3) == codecs.BOM_UTF8:
            encodage = "utf-8-sig"
        else:
            encodage = "utf-8"
    for candidate in (encodage, "cp1252"):
        decoder = codecs.getincrementaldecoder(candidate)()
        try:
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(_CHUNK), b""):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return candidate
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("cp1252", b"", 0, 1, "ni UTF-8 ni Windows-1252")


def first_bad_line(path: Path) -> int:
    """The line of the first byte that is neither UTF-8 nor Windows-1252 (for the error message)."""
    data = Path(path).read_bytes()
    for numero, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            try:
                line.decode("cp1252")
            except UnicodeDecodeError:
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


def transcode_to_utf8(path: Path, encodage: str, dest: Path) -> Path:
    """A UTF-8 copy of a CSV file for DuckDB's reader (chunked, never the raw file itself)."""
    with open(path, encoding=encodage, newline="") as src, open(dest, "w", encoding="utf-8", newline="") as out:
        for chunk in iter(lambda: src.read(_CHUNK), ""):
            out.write(chunk)
    return dest
