"""Several structures (Missions Locales of one network) generated side by side, whose exports can be put together.

A structure is a code and an index I (1 to MAX_STRUCTURES). Its exports are those `generate` writes without a
structure, with the same seed and size, except for the identifiers: every row, every date and every category is
the same (the random streams are the same), so a structure is statistically what the default exports are. What
changes is the range of each identifier, so that the exports of several structures never collide:
- youth, event, outreach, employer contact, mentor and mentorship ids: the number + I × 10^10 (the default
  exports' ids are below 10^10: a block of 10^7 per chunk from the table's base, 10^7 to 8 × 10^8);
- the employers' SIRET: the default exports number their SIREN from the block of 10^5 of each chunk
  (0 to 10^7 for fewer than 100 chunks); structure I from SIREN_START + (I − 1) × 10^5, a block of 10^4 per
  chunk (its employers in the chunk's order of draw), then the same scrambling (× SIREN_SPREAD mod 10^8) and Luhn
  digits. An employer of one structure is never another's.

`union` writes the exports of the union of several structures: each table's files put one after the other, one
header (dispositifs always as CSV, with the conventions of its XLSX: `;`, dates JJ/MM/AAAA).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from ..lib.configuration import CODE_STRUCTURE
from .assumptions import CHUNK_ACCOMPANIED
from .files import COLUMNS, FORMATS
from .sampling import split

ID_BLOCK = 10**10  # ids of structure I: + I × ID_BLOCK
SIREN_START = 10**7  # pre-images of the SIREN numbers of the structures (the default exports stay below)
SIREN_STRUCTURE = 10**5  # pre-images per structure
SIREN_CHUNK = 10**4  # ... per chunk of a structure: employers drawn in a chunk of CHUNK_ACCOMPANIED youths
MAX_CHUNKS = SIREN_STRUCTURE // SIREN_CHUNK  # 10 chunks: 200,000 accompanied youths per structure
MAX_STRUCTURES = (10**8 - SIREN_START) // SIREN_STRUCTURE  # 900


@dataclass(frozen=True)
class Structure:
    """A structure of a network: its code (as in its mission_locale.yaml) and its index, which sets its ranges."""

    code: str
    index: int

    def __post_init__(self) -> None:
        if not CODE_STRUCTURE.fullmatch(self.code):
            raise ValueError(f"code de structure invalide : « {self.code} » (lettres, chiffres, - et _, "
                             "32 caractères au plus)")
        if not 1 <= self.index <= MAX_STRUCTURES:
            raise ValueError(f"index de structure invalide : {self.index} (de 1 à {MAX_STRUCTURES})")

    @property
    def id_offset(self) -> int:
        return self.index * ID_BLOCK

    def siren_block(self, chunk: int) -> int:
        """First pre-image of the SIREN numbers of a chunk of this structure."""
        return SIREN_START + (self.index - 1) * SIREN_STRUCTURE + chunk * SIREN_CHUNK

    def check_size(self, youths: int) -> None:
        if math.ceil(youths / CHUNK_ACCOMPANIED) > MAX_CHUNKS:
            raise ValueError(f"{youths} jeunes : au plus {MAX_CHUNKS * CHUNK_ACCOMPANIED} par structure")


SIZE_SPREAD = 0.75  # σ of the log of the structures' sizes (network_sizes)


def network_sizes(structures: int, youths: int, sigma: float = SIZE_SPREAD) -> list[int]:
    """Accompanied youths of each structure of a network of `youths` youths, largest first: a log-normal spread
    (σ = 0.75 of the log), structure i at the quantile (i − ½)/n, rounded by largest remainder to the exact total.
    National network, 1.2 million youths in 440 structures: from 209 to 20,343, median 2,062 (the smaller half
    of the structures accompany 23 % of the youths); a regional network of 15 structures and 40,000 youths:
    from 524 to 8,200."""
    from statistics import NormalDist

    normal = NormalDist()
    weights = [math.exp(sigma * normal.inv_cdf((i - 0.5) / structures)) for i in range(structures, 0, -1)]
    return [int(v) for v in split(youths, weights)]


def union(dirs: Sequence[Path], out_dir: Path) -> dict[str, Path]:
    """The exports of the union of several structures' exports (same export date) into out_dir: for each table
    the files one after the other, the first one's header only. Returns {table: path}."""
    if not dirs:
        raise ValueError("aucun dossier d'exports à réunir")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for table in COLUMNS:
        files = [_one_file(Path(d), table) for d in dirs]
        stems = {f.stem for f in files}
        if len(stems) != 1:
            raise ValueError(f"exports de dates différentes : {', '.join(sorted(stems))}")
        if table == "dispositifs":
            paths[table] = _union_rows(files, out_dir / f"{files[0].stem}.csv", table)
        else:
            paths[table] = _union_bytes(files, out_dir / files[0].name, table)
    return paths


def _one_file(folder: Path, table: str) -> Path:
    found = [p for p in folder.iterdir() if p.name.startswith(f"{table}_") and p.suffix in (".csv", ".xlsx")]
    if len(found) != 1:
        raise ValueError(f"{folder} : {len(found)} fichier(s) pour la table {table} (attendu 1)")
    return found[0]


def _union_bytes(files: list[Path], target: Path, table: str) -> Path:
    bom = b"\xef\xbb\xbf" if FORMATS[table].bom else b""
    with open(target, "wb") as out:
        header = None
        for path in files:
            data = path.read_bytes()
            data = data[len(bom):] if bom and data.startswith(bom) else data
            end = data.index(b"\n") + 1
            if header is None:
                header = data[:end]
                out.write(bom + header)
            elif data[:end] != header:
                raise ValueError(f"{path} : en-tête différent de celui de {files[0]}")
            out.write(data[end:])
    return target


def _union_rows(files: list[Path], target: Path, table: str) -> Path:
    fmt = FORMATS[table]
    with open(target, "w", encoding=fmt.encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=fmt.sep, lineterminator=fmt.lineterminator)
        writer.writerow(COLUMNS[table])
        for path in files:
            rows = _rows(path, fmt)
            if list(next(rows)) != list(COLUMNS[table]):
                raise ValueError(f"{path} : en-tête inattendu")
            width = len(COLUMNS[table])  # a row read from an XLSX stops at its last filled cell
            writer.writerows(["" if v is None else v for v in row] + [""] * (width - len(row)) for row in rows)
    return target


def _rows(path: Path, fmt):
    if path.suffix == ".xlsx":  # dates are text in the generator's XLSX
        workbook = openpyxl.load_workbook(path, read_only=True)
        try:
            yield from workbook.worksheets[0].iter_rows(values_only=True)
        finally:
            workbook.close()
    else:
        yield from csv.reader(io.StringIO(path.read_text(encoding=fmt.encoding)), delimiter=fmt.sep)
