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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .contract import Table, normalise_entete
from .errors import Probleme
from .fichiers import ouvrir_fichier_ordinaire, refus

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
    with ouvrir_fichier_ordinaire(path) as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def find_exports(folder: Path, tables: dict[str, Table]) -> tuple[dict[str, Path], list[Probleme]]:
    """One file per table of the contract, found by its name prefix (`evenements_2024-12-31.csv`). A name that
    matches but is not a regular file (a symbolic link, a FIFO, a device, a folder) is refused: it is neither
    read nor archived (lstat: a link is never followed, a FIFO never opened)."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}, [Probleme(str(folder), "dossier des exports introuvable")]
    found: dict[str, list[Path]] = {t: [] for t in tables}
    problemes: list[Probleme] = []
    refusees: set[str] = set()  # tables whose only candidates were refused: no « aucun fichier » on top
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in EXTENSIONS or path.name.startswith((".", "~$")):
            continue
        for table in tables:
            if re.match(rf"^{re.escape(table)}([_\-. ]|$)", path.stem, flags=re.IGNORECASE):
                if raison := refus(path, sujet=path.name):  # named in the message, like the other problems here
                    problemes.append(Probleme(str(folder), raison))
                    refusees.add(table)
                else:
                    found[table].append(path)
    fichiers = {}
    for table, paths in found.items():
        if not paths and table in refusees:
            continue
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


_INDEFINIS_CP1252 = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")  # the bytes Windows-1252 does not define
_MESSAGE_NUL = "fichier binaire ou encodé en UTF-16 (octets nuls) : l'enregistrer en CSV UTF-8"
_MESSAGE_INCONNU = "encodage non reconnu : ni UTF-8 ni Windows-1252"
_MESSAGE_MELANGE = ("encodage mélangé : des lignes en UTF-8, d'autres en Windows-1252 ; réenregistrer le fichier "
                    "dans un seul encodage")


class EncodageIllisible(ValueError):
    """A CSV file whose bytes cannot be read safely; `raison` in French, `ligne` the first line at fault."""

    def __init__(self, raison: str, ligne: int):
        self.raison, self.ligne = raison, ligne
        super().__init__(f"ligne {ligne} : {raison}")


def detect_encoding(path: Path) -> str:
    """utf-8-sig (BOM), utf-8, or cp1252. Raises EncodageIllisible for a binary or UTF-16 file (NUL bytes),
    bytes that are neither UTF-8 nor cp1252, or a file that mixes UTF-8 and Windows-1252 (read as cp1252,
    its UTF-8 accents would silently become « Ã© »)."""
    return analyse_csv(path).encodage


def first_bad_line(path: Path, encodages: tuple[str, ...]) -> int:
    """The first line holding a NUL byte or that none of `encodages` decodes (for the error message)."""
    with ouvrir_fichier_ordinaire(path) as f:
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
    with io.TextIOWrapper(ouvrir_fichier_ordinaire(path), encoding=encodage, newline="") as f:
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


_LIGNE_VIDE_INTERIEURE = re.compile(rb"\n[ \t\r]*\n[ \t\r\n]*[^ \t\r\n]")
_LIGNE_VIDE = re.compile(r"^[ \t]*$", flags=re.MULTILINE)


@dataclass(frozen=True)
class AnalyseCsv:
    sha256: str
    encodage: str  # utf-8 | utf-8-sig | cp1252 (detect_encoding)
    # a blank line followed by data: DuckDB skips it, which would shift the line numbers of the rows after it
    lignes_vides: bool
    # both Windows (CRLF) and Unix (LF) line endings: DuckDB's strict CSV reader refuses such a file
    fins_melangees: bool


def _accents_utf8(chunk: bytes) -> bool:
    """`_UTF8_ACCENT.search(chunk)`, the regular expression run only on a chunk where a lead byte is followed by a
    continuation byte (numpy, ~10 times faster on a Windows-1252 file, which has none)."""
    octets = np.frombuffer(chunk, dtype=np.uint8)
    tete = (octets[:-1] >= 0xC2) & (octets[:-1] <= 0xEF)
    return bool((tete & ((octets[1:] & 0xC0) == 0x80)).any()) and bool(_UTF8_ACCENT.search(chunk))


def _cp1252_des_premiers(path: Path, n: int) -> tuple[bool, bool]:
    """(decodable as Windows-1252, holds a UTF-8 accent) for the first `n` chunks of a file, chunk by chunk as
    detect_encoding reads them."""
    est_cp1252, accents = True, False
    with ouvrir_fichier_ordinaire(path) as f:
        for _ in range(n):
            chunk = f.read(_CHUNK)
            est_cp1252 = est_cp1252 and not any(b in chunk for b in _INDEFINIS_CP1252)
            accents = accents or _accents_utf8(chunk)
    return est_cp1252, accents


def analyse_csv(path: Path) -> AnalyseCsv:
    """A CSV file's checksum, encoding, blank lines and line endings, in one read of 1 MiB chunks: each chunk is
    hashed in a thread (hashlib releases the GIL) while it is decoded as UTF-8 and searched for blank lines and
    line endings. Windows-1252 is checked only once UTF-8 failed (its undefined bytes searched for, no decoding;
    the chunks before then read again), and so are UTF-8 accents (a UTF-8 lead byte then continuation bytes in
    one chunk: the file mixes both encodings).

    Raises EncodageIllisible as soon as a chunk holds a NUL byte, and at the end for bytes that are neither
    UTF-8 nor Windows-1252 or for mixed encodings, with the first line at fault. A blank line is found in a chunk
    and the 256 bytes before it; a CRLF is counted within a chunk."""
    sha = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    bom, est_utf8, est_cp1252, accents = False, True, True, False
    vides, reste = False, b""
    crlf = lf = False
    n = 0
    with ouvrir_fichier_ordinaire(path) as f, ThreadPoolExecutor(1, thread_name_prefix="sha256") as hacheur:
        hachage = None
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            if hachage is not None:
                hachage.result()
            hachage = hacheur.submit(sha.update, chunk)
            if n == 0:
                bom = chunk[:3] == codecs.BOM_UTF8
            if b"\0" in chunk:
                raise EncodageIllisible(_MESSAGE_NUL, first_bad_line(path, ()))
            if est_utf8:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    est_utf8 = False
                    est_cp1252, accents = _cp1252_des_premiers(path, n)
            if not est_utf8:
                est_cp1252 = est_cp1252 and not any(b in chunk for b in _INDEFINIS_CP1252)
                accents = accents or _accents_utf8(chunk)
            if not vides:
                data = reste + chunk
                vides = bool(_LIGNE_VIDE_INTERIEURE.search(data))
                reste = data[-256:]
            if not (crlf and lf):
                if b"\r" in chunk:
                    paires = chunk.count(b"\r\n")
                    crlf, lf = crlf or paires > 0, lf or chunk.count(b"\n") > paires
                else:
                    lf = lf or b"\n" in chunk
            n += 1
        if hachage is not None:
            hachage.result()
    if est_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            est_utf8 = False
            est_cp1252, accents = _cp1252_des_premiers(path, n)
    if est_utf8:
        encodage = "utf-8-sig" if bom else "utf-8"
    elif not est_cp1252:
        raise EncodageIllisible(_MESSAGE_INCONNU, first_bad_line(path, ("utf-8", "cp1252")))
    elif bom or accents:
        raise EncodageIllisible(_MESSAGE_MELANGE, first_bad_line(path, ("utf-8",)))
    else:
        encodage = "cp1252"
    return AnalyseCsv(sha.hexdigest(), encodage, vides, crlf and lf)


def transcode_to_utf8(path: Path, encodage: str, dest: Path, vide: str | None = None) -> Path:
    """A UTF-8 copy of a CSV file for DuckDB's reader, line endings made uniform (chunked, never the raw
    file itself). With `vide` (a row of empty cells, e.g. ";;;"), blank lines become that row, so that
    DuckDB counts them and every row keeps its line number."""
    with io.TextIOWrapper(ouvrir_fichier_ordinaire(path), encoding=encodage, newline=None) as src, \
            open(dest, "w", encoding="utf-8", newline="\n") as out:
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
