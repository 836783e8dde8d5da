"""The extract's files: XLSX (a cover sheet, the data, the definitions) and CSV (`;`, UTF-8 BOM, decimal comma),
byte-identical for the same input; every text cell kept from being read as a formula (`inerte`, quotePrefix)."""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections.abc import Iterable
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.writer.excel import ExcelWriter

from ..formatting import fr_date, fr_periode
from ..outputs import COLONNES, format_valeur
from ..suppression import MASQUE
from .selection import Extrait, Sources
from .tracabilite import definitions as definitions_tracees

COLONNES_EXTRAIT = (*COLONNES[:3], "libelle", *COLONNES[3:])
LARGEUR_PRESENTATION = 90
FORMAT_NOMBRE = {"nb": "0", "pct": "0.0", "ratio": "0.0", "mois": "0.0", "eur": "#,##0.00"}

GARANTIE = ("Aucun effectif publié n'est compris entre 1 et {k_1} ; une part, une moyenne ou un montant n'est publié "
            "que si sa population l'est et si son numérateur n'est pas compris entre 1 et {k_1} ; les équations des "
            "totaux et de leurs parties ne permettent de recalculer aucune valeur masquée. Cela vaut pour l'ensemble "
            "de ce qui a été envoyé, à tous les destinataires et pour toutes les périodes : pour un même indicateur "
            "et une même modalité, l'écart entre deux valeurs publiées sur des périodes emboîtées (un mois et son "
            "cumul annuel, deux cumuls successifs, une année et ses mois) vaut 0 ou au moins {k} ; une valeur déjà "
            "envoyée pour une période n'est jamais renvoyée différente.")
LIMITES = ("Les écarts entre périodes qui ne s'emboîtent pas (deux mois, deux années) ne sont pas contrôlés, non "
           "plus que des combinaisons de plus de deux périodes au-delà des équations d'une même période et des "
           "écarts deux à deux ; des informations extérieures au tableau (un autre document) ne sont pas connues "
           "du contrôle.")


GARANTIE_RESEAU = (" Cela vaut aussi entre les structures du réseau : le chiffre du réseau moins ceux des autres "
                   "structures, ou le chiffre du réseau sur une période moins celui d'une structure sur une période "
                   "emboîtée, ne donne aucun effectif de 1 à {k_1}.")
LIMITES_RESEAU = (" Les chiffres qu'une structure publie elle-même (son rapport, ses propres extraits) relèvent de son "
                  "propre registre : le contrôle du réseau ne les connaît pas.")


def _reseau(extrait: Extrait) -> bool:
    """A network's extract (config/reseau/financeurs/): a `structure` column, the network named on the cover."""
    return extrait.financeur.structures is not None


def colonnes_extrait(extrait: Extrait) -> tuple[str, ...]:
    return ("structure", *COLONNES_EXTRAIT) if _reseau(extrait) else COLONNES_EXTRAIT


DEBUTS_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def inerte(texte: str | None) -> str:
    """A text cell a spreadsheet will never evaluate (OWASP, CSV injection): prefixed with a single quote when it
    starts with `=`, `+`, `-`, `@`, a tab or a carriage return."""
    texte = "" if texte is None else str(texte)
    return f"'{texte}" if texte.startswith(DEBUTS_FORMULE) else texte


def valeur_csv(valeur, unite: str) -> str:
    """`s` for a masked cell, empty for no value, else the contract's rounding with a decimal comma."""
    if valeur == MASQUE:
        return MASQUE
    return format_valeur(valeur, unite).replace(".", ",")


def valeur_xlsx(valeur, unite: str):
    """`s` for a masked cell, None for no value, a count as an integer, else the rounded value."""
    if valeur == MASQUE or valeur is None:
        return valeur
    return int(valeur) if unite == "nb" else float(format_valeur(valeur, unite))


def extrait_csv(extrait: Extrait) -> bytes:
    """`;`-separated, UTF-8 with BOM, decimal comma: what French Excel opens as is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(colonnes_extrait(extrait))
    for r in extrait.lignes:
        writer.writerow([*((inerte(r["structure"]),) if _reseau(extrait) else ()), r["periode_debut"].isoformat(),
                         r["periode_fin"].isoformat(), inerte(r["indicateur"]),
                         inerte(r["libelle"]), inerte(r["modalite"]), valeur_csv(r["valeur"], r["unite"]),
                         inerte(r["unite"])])
    return buffer.getvalue().encode("utf-8-sig")


def _ajouter(ws, valeurs: Iterable) -> None:
    """Append a row; every text is a string cell (openpyxl would make `=…` a formula), and one that a spreadsheet
    would read as a formula is marked as text the way Excel itself does (quotePrefix), its value unchanged."""
    ws.append(list(valeurs))
    for cellule in ws[ws.max_row]:
        if isinstance(cellule.value, str):
            cellule.data_type = "s"
            if cellule.value.startswith(DEBUTS_FORMULE):
                cellule.quotePrefix = True


def _feuille(ws, entetes: Iterable[str], largeurs: Iterable[int]) -> None:
    _ajouter(ws, entetes)
    for cellule, largeur in zip(ws[1], largeurs, strict=True):
        cellule.font = Font(bold=True)
        ws.column_dimensions[cellule.column_letter].width = largeur
    ws.freeze_panes = "A2"


def extrait_xlsx(extrait: Extrait, sources: Sources) -> bytes:
    """Three sheets: Présentation (funder, periods, sources), Données, Définitions. Byte-identical for the same
    input: the document's dates are the end of the period, the ZIP entries' dates too."""
    f = extrait.financeur
    wb = Workbook()
    ws = wb.active
    ws.title = "Présentation"
    _ajouter(ws, [f"Extrait pour {f.nom}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    for libelle, valeur in (
        ("Réseau" if _reseau(extrait) else "Mission Locale", sources.mission_locale),
        ("Période(s)", " ; ".join(fr_periode(p.debut, p.fin) for p in extrait.periodes)),
        ("Exports i-milo du", fr_date(sources.date_exports) if sources.date_exports else "date inconnue"),
        ("Secret statistique", f"« {MASQUE} » : valeur masquée (effectif de 1 à {extrait.seuil - 1}, part ou "
                               f"moyenne calculée sur moins de {extrait.seuil} personnes, ou masquage secondaire)."),
        ("Ce qui est garanti", (GARANTIE + (GARANTIE_RESEAU if _reseau(extrait) else "")).format(
            k=extrait.seuil, k_1=extrait.seuil - 1)),
        ("Ce qui ne l'est pas", LIMITES + (LIMITES_RESEAU if _reseau(extrait) else "")),
        ("Date de génération", "dans manifest.json (ce classeur est identique d'une exécution à l'autre sur les "
                               "mêmes exports)"),
        ("Indicateurs non produits", ", ".join(extrait.absents) or "aucun"),
    ):
        _ajouter(ws, [libelle, valeur])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        for colonne in (1, 2):
            ws.cell(ws.max_row, colonne).alignment = Alignment(wrap_text=True, vertical="top")
        # the height of the wrapped text (spreadsheets do not compute it for a file they did not write)
        ws.row_dimensions[ws.max_row].height = 15 * max(1, math.ceil(len(str(valeur)) / LARGEUR_PRESENTATION))
    ws.append([])
    _ajouter(ws, ["Fichiers sources", "SHA-256"])
    for cellule in ws[ws.max_row]:
        cellule.font = Font(bold=True)
    for fichier, sha256 in sources.exports:
        _ajouter(ws, [fichier, sha256])
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = LARGEUR_PRESENTATION

    donnees = wb.create_sheet("Données")
    decalage = 1 if _reseau(extrait) else 0
    _feuille(donnees, colonnes_extrait(extrait), (*((16,) if decalage else ()), 13, 13, 30, 50, 30, 10, 7))
    for r in extrait.lignes:
        _ajouter(donnees, [*((r["structure"],) if decalage else ()), r["periode_debut"], r["periode_fin"],
                           r["indicateur"], r["libelle"], r["modalite"], valeur_xlsx(r["valeur"], r["unite"]),
                           r["unite"]])
        for colonne in (1 + decalage, 2 + decalage):
            donnees.cell(donnees.max_row, colonne).number_format = "DD/MM/YYYY"
        donnees.cell(donnees.max_row, 6 + decalage).number_format = FORMAT_NOMBRE.get(r["unite"], "General")

    definitions = wb.create_sheet("Définitions")
    entetes, *lignes = lignes_definitions(extrait, sources)
    _feuille(definitions, entetes, (30, 50, 16, 100, 60, 22))
    for ligne in lignes:
        _ajouter(definitions, ligne)
        if len(ligne) and ligne[0] in TITRES_DEFINITIONS:
            for cellule in definitions[definitions.max_row]:
                cellule.font = Font(bold=True)

    horodatage = datetime.combine(extrait.periode.fin, datetime.min.time())
    wb.properties.creator = "milo-pipeline"
    wb.properties.title = f"Extrait {f.nom} – {extrait.periode.label}"
    wb.properties.created = wb.properties.modified = horodatage
    brut = io.BytesIO()
    with zipfile.ZipFile(brut, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return _zip_date_fixe(brut.getvalue(), horodatage)


TITRES_DEFINITIONS = ("fichier source", "qualité des données")


def lignes_definitions(extrait: Extrait, sources: Sources) -> list[list]:
    """The sheet « Définitions » (and the file `…_definitions.csv`), row by row: the definitions of the extract's
    indicators with the exports each comes from, the source files (name, table, export date, SHA-256, rows read,
    rows quarantined), the quality status of the run and the version of milo-pipeline. The run's id and the
    generation time are only in manifest.json: these rows are the same for the same exports."""
    t = sources.tracabilite
    lignes: list[list] = [["indicateur", "libelle", "unite", "definition", "exports sources", "modele dbt"]]
    for d in definitions_tracees(extrait.definitions, [d["indicateur"] for d in extrait.definitions], t):
        lignes.append([d["indicateur"], d["libelle"], d["code_unite"], d["definition"], ", ".join(d["exports"]),
                       d["modele"]])
    lignes += [[], ["fichier source", "table", "date d'export", "sha256", "lignes lues", "lignes écartées"]]
    lignes += [[f.fichier, f.table, f.date_export.isoformat() if f.date_export else "", f.sha256, f.lignes_lues,
                f.lignes_rejetees] for f in t.fichiers]
    lignes += [[], ["qualité des données", t.qualite.resume()]]
    lignes += [["avertissement", a] for a in (*t.qualite.avertissements, *t.qualite.ingestion)]
    lignes.append(["version de milo-pipeline", t.version])
    return lignes


def definitions_csv(extrait: Extrait, sources: Sources) -> bytes:
    """The sheet « Définitions » as a CSV (`;`, UTF-8 with BOM), for a funder that receives CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for ligne in lignes_definitions(extrait, sources):
        writer.writerow([inerte(c) if isinstance(c, str) else c for c in ligne])
    return buffer.getvalue().encode("utf-8-sig")


def _zip_date_fixe(data: bytes, horodatage: datetime) -> bytes:
    """The same archive with every entry dated `horodatage` (ZIP stores the writing time otherwise)."""
    sortie = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED) as cible:
        for info in source.infolist():
            entree = zipfile.ZipInfo(info.filename, date_time=horodatage.timetuple()[:6])
            entree.compress_type = zipfile.ZIP_DEFLATED
            cible.writestr(entree, source.read(info))
    return sortie.getvalue()


def fichiers_extrait(extrait: Extrait, sources: Sources) -> dict[str, bytes]:
    """File name → content, for each format of the funder's configuration; a CSV extract comes with its sheet
    « Définitions » as `<nom>_definitions.csv`."""
    ecrivains = {"xlsx": lambda: extrait_xlsx(extrait, sources), "csv": lambda: extrait_csv(extrait)}
    fichiers = {f"{extrait.nom}.{fmt}": ecrivains[fmt]() for fmt in extrait.financeur.formats}
    if "csv" in extrait.financeur.formats:
        fichiers[f"{extrait.nom}_definitions.csv"] = definitions_csv(extrait, sources)
    return fichiers
