"""The export files: each table's columns and file conventions (one real mix of the contract per table),
and the writers (CSV appended chunk by chunk, XLSX written once, with reproducible bytes)."""

from __future__ import annotations

import io
import re
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

COLUMNS = {  # canonical names, milo_pipeline/config/exports.yaml
    "jeunes": (
        "id_jeune", "nom", "prenom", "date_naissance", "sexe", "telephone", "email", "adresse", "code_postal",
        "commune_insee", "qpv_code", "zrr", "niveau_formation", "diplome_obtenu", "hebergement",
        "moyen_locomotion", "permis_b", "rqth", "date_inscription", "date_premier_accueil", "site",
    ),
    "evenements": ("id_evenement", "id_jeune", "date_evenement", "nature", "statut", "conseiller", "site"),
    "dispositifs": ("id_jeune", "dispositif", "date_entree", "date_sortie", "motif_sortie"),
    "situations": ("id_jeune", "categorie", "type_contrat", "date_debut", "date_fin", "etat"),
    "allocations": ("id_jeune", "dispositif", "date_paiement", "montant"),
    "parrainages": ("id_parrainage", "id_jeune", "id_parrain", "date_debut", "date_fin", "motif_fin", "nb_entretiens"),
    "parrains": ("id_parrain", "nom", "statut", "date_entree"),
    "reperage": ("id_contact", "date_contact", "canal", "repere", "id_jeune"),
    "contacts_entreprises": ("id_contact", "siret", "raison_sociale", "date_contact", "type_contact"),
}


@dataclass(frozen=True)
class FileFormat:
    """How a table is written: the contract's file conventions, one mix per table."""

    sep: str = ";"
    encoding: str = "utf-8"
    bom: bool = False
    date_format: str = "%d/%m/%Y"
    decimal: str = "."
    lineterminator: str = "\n"


FORMATS = {
    "jeunes": FileFormat(encoding="cp1252", lineterminator="\r\n"),  # a Windows export
    "evenements": FileFormat(bom=True, date_format="%Y-%m-%d %H:%M:%S"),
    "dispositifs": FileFormat(),  # XLSX (first sheet, dates as text) up to XLSX_MAX_YOUTHS youths
    "situations": FileFormat(sep=",", date_format="%Y-%m-%d"),
    "allocations": FileFormat(decimal=","),
    "parrainages": FileFormat(sep="\t"),
    "parrains": FileFormat(),
    "reperage": FileFormat(),
    "contacts_entreprises": FileFormat(),
}


class CsvWriter:
    def __init__(self, path: Path, fmt: FileFormat, stack: ExitStack) -> None:
        self.fmt = fmt
        self.handle = stack.enter_context(open(path, "w", encoding=fmt.encoding, newline=""))
        if fmt.bom:
            self.handle.write("\ufeff")
        self.header = True

    def write(self, frame: pd.DataFrame) -> None:
        fmt = self.fmt
        frame.to_csv(
            self.handle, sep=fmt.sep, index=False, header=self.header, date_format=fmt.date_format,
            decimal=fmt.decimal, float_format="%.2f", lineterminator=fmt.lineterminator,
        )
        self.header = False


class XlsxWriter:
    """First sheet, dates as text; written at the end (XLSX cannot be appended to)."""

    def __init__(self, path: Path, fmt: FileFormat, stamp: datetime) -> None:
        self.path, self.fmt, self.stamp, self.frames = path, fmt, stamp, []

    def write(self, frame: pd.DataFrame) -> None:
        self.frames.append(frame)

    def close(self) -> None:
        frame = pd.concat(self.frames, ignore_index=True)
        for column in frame.columns[frame.dtypes.map(pd.api.types.is_datetime64_any_dtype)]:
            frame[column] = frame[column].dt.strftime(self.fmt.date_format)
        workbook = Workbook(write_only=True)
        workbook.properties.created = self.stamp
        sheet = workbook.create_sheet(self.path.stem.split("_")[0])
        sheet.append(list(frame.columns))
        for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None):
            sheet.append(row)  # openpyxl's API is row by row: the reason for XLSX_MAX_YOUTHS
        buffer = io.BytesIO()
        workbook.save(buffer)
        _stable_zip(buffer.getvalue(), self.path, self.stamp)


def _stable_zip(raw: bytes, path: Path, stamp: datetime) -> None:
    """Rewrites an XLSX with fixed entry times and modification date, so its bytes are reproducible."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + iso, data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            dst.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
