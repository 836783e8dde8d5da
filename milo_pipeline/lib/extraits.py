"""Funder extracts: the run's indicator table, masked (`suppression`), filtered by a funder's configuration
(config/financeurs/*.yaml), written as XLSX, CSV (`;`, UTF-8 BOM, decimal comma) and a manifest. Pure: the caller
reads the warehouse and writes the files.

The table is masked once, whole, then filtered: every extract with the same threshold shows the same value or the
same `s` for a cell, and whatever a funder receives is part of one table that is safe as a whole.
The XLSX and CSV depend only on the indicators, the dictionary and the exports: the same exports give the same
bytes. The generation time lives only in the manifest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.writer.excel import ExcelWriter

from . import dictionnaire
from .dictionnaire import Indicateur, Reference
from .formatting import fr_date, fr_periode
from .outputs import COLONNES, format_valeur
from .periods import Periode, periods_to_compute
from .suppression import ECART, MASQUE, Cellule, Groupe, secretiser
from .warehouse import date_exports, fichiers_exports

COLONNES_EXTRAIT = (*COLONNES[:3], "libelle", *COLONNES[3:])
CONFIG = Path(__file__).resolve().parent.parent / "config"
FINANCEURS = CONFIG / "financeurs"
MISSION_LOCALE = CONFIG / "mission_locale.yaml"
NATURES_PERIODE = ("annee", "mois", "cumul_annuel")
FORMATS = ("xlsx", "csv")
SEUIL_DEFAUT = 5
CLES_FINANCEUR = {"financeur", "periodes", "formats", "seuil", "indicateurs"}
LARGEUR_PRESENTATION = 90
FORMAT_NOMBRE = {"nb": "0", "pct": "0.0", "ratio": "0.0", "mois": "0.0", "eur": "#,##0.00"}

Ligne = dict
Cle = tuple  # (periode_debut, periode_fin, indicateur, modalite)

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


class ConfigurationInvalide(Exception):
    """A funder's configuration cannot be used as it is."""


# ---------------------------------------------------------------------------------------------- structure

@dataclass(frozen=True)
class Structure:
    """What disclosure control knows of the indicators: their columns population, evolution_de, total and
    somme_de in the dictionary (`structure`)."""

    populations: dict[str, tuple[Reference, ...]] = field(default_factory=dict)
    evolutions: dict[str, Reference] = field(default_factory=dict)
    totaux: dict[str, Reference | None] = field(default_factory=dict)
    """A breakdown → the cell its modalities sum to; None: no total (`aucun`). A breakdown absent: its total is
    assumed known to the reader (prudence)."""
    sommes: dict[Reference, tuple[Reference, ...]] = field(default_factory=dict)


def structure(indicateurs: Iterable[Indicateur]) -> Structure:
    """The structure of disclosure control from the dictionary (`dictionnaire.indicateurs`)."""
    indicateurs = list(indicateurs)
    return Structure(
        populations={i.id: i.population for i in indicateurs if i.population is not None},
        evolutions={i.id: i.evolution_de for i in indicateurs if i.evolution_de is not None},
        totaux={i.id: (i.total or (None,))[0] for i in indicateurs if i.total is not None},
        sommes={Reference(i.id): i.somme_de for i in indicateurs if i.somme_de},
    )


def structure_du_dictionnaire(lignes: Iterable[Mapping] | None = None) -> Structure:
    """The structure from the dictionary's rows (`warehouse.lire_dictionnaire`); the seed's by default."""
    return structure(dictionnaire.indicateurs(dictionnaire.lire_csv() if lignes is None else lignes).values())


# ------------------------------------------------------------------------------------ disclosure control

def cle(ligne: Mapping) -> Cle:
    return (ligne["periode_debut"], ligne["periode_fin"], ligne["indicateur"], ligne["modalite"])


@dataclass(frozen=True)
class Publiee:
    """A cell already sent to someone (the register, `lib/registre.py`): its value, whether it was masked, and its
    effectif (count, numerator of a share, last year's count of an evolution) when it has one."""

    periode_debut: date
    periode_fin: date
    indicateur: str
    modalite: str | None
    valeur: float | None
    masque: bool
    effectif: int | None

    @property
    def cle(self) -> Cle:
        return (self.periode_debut, self.periode_fin, self.indicateur, self.modalite)


@dataclass(frozen=True)
class Secretisation:
    lignes: tuple[Ligne, ...]
    """The rows of the table, `valeur` replaced by `s` where masked (and by the value already sent, for a cell
    sent before)."""
    motifs: dict[Cle, str]
    """Why each masked cell of the table is: primaire, population, secondaire, déjà masqué."""
    non_declares: tuple[str, ...]
    """Values that are no count and that the structure gives no population: all masked."""
    effectifs: dict[Cle, int | None] = field(default_factory=dict)
    """The effectif of each cell of the table (what the register keeps with it)."""
    differences: int = 0
    """Cells masked because their difference with a cell of a nested period (this table's or one already sent)
    would be a count from 1 to k−1 (motif `écart`)."""
    figees_differentes: tuple[Cle, ...] = ()
    """Cells already sent whose value computed now differs: the value sent is kept."""


def _entier(x: float) -> int:
    return math.floor(x + 0.5)


def cellules_et_groupes(lignes: Iterable[Ligne], structure: Structure) -> tuple[dict, list[Groupe], list[str]]:
    """The cells of the indicator table with their effectif and populations, the groups tying totals to parts,
    and the ids of the values without a declared population."""
    lignes = list(lignes)
    valeurs = {cle(r): r["valeur"] for r in lignes}
    cellules: dict[Cle, Cellule] = {}
    non_declares: dict[str, None] = {}
    for r in lignes:
        k, v, ind = cle(r), r["valeur"], r["indicateur"]
        periode = k[:2]
        if r["unite"] == "nb":
            cellules[k] = Cellule(None if v is None else _entier(v))
        elif ind in structure.evolutions:
            n_cle = structure.evolutions[ind].cle(periode, k[3])
            n = valeurs.get(n_cle)
            precedent = None if v is None or n is None or v <= -100 else _entier(100 * n / (100 + v))
            cellules[k] = Cellule(precedent, (n_cle,))
        elif ind in structure.populations:
            pops = tuple(ref.cle(periode, k[3]) for ref in structure.populations[ind])
            d = valeurs.get(pops[0]) if pops else None
            numerateur = _entier(v * d / 100) if r["unite"] == "pct" and v is not None and d is not None else None
            cellules[k] = Cellule(numerateur, pops)
        else:
            non_declares[ind] = None
            cellules[k] = Cellule(None, (("population non déclarée", ind),))
    return cellules, _groupes(lignes, cellules, structure), list(non_declares)


def _groupes(lignes: list[Ligne], cellules: dict, structure: Structure) -> list[Groupe]:
    repartitions: dict[tuple, list[Cle]] = defaultdict(list)
    for r in lignes:
        if r["modalite"] is not None:
            repartitions[(r["periode_debut"], r["periode_fin"], r["indicateur"])].append(cle(r))
    groupes = []
    for (debut, fin, ind), cles in repartitions.items():
        if ind in structure.totaux and structure.totaux[ind] is None:
            continue
        ref = structure.totaux.get(ind)
        par_total: dict[Cle | None, list[Cle]] = defaultdict(list)
        for k in cles:
            if ref is None:
                par_total[None].append(k)
            else:
                total = ref.cle((debut, fin), k[3].split("|")[0])
                if total != k:
                    par_total[total].append(k)
        for total, parties in par_total.items():
            groupes.append(Groupe(tuple(parties), total if total in cellules else None))
    periodes = dict.fromkeys((r["periode_debut"], r["periode_fin"]) for r in lignes)
    for total_ref, parties_refs in structure.sommes.items():
        for periode in periodes:
            total = total_ref.cle(periode, None)
            parties = tuple(k for ref in parties_refs if (k := ref.cle(periode, None)) in cellules)
            if total in cellules and parties:
                groupes.append(Groupe(parties, total))
    return groupes


def emboitees(a: tuple[date, date], b: tuple[date, date]) -> bool:
    """Two different periods one of which holds the other (a month and its year to date, two years to date, a
    year and one of its months)."""
    return a != b and ((a[0] <= b[0] and b[1] <= a[1]) or (b[0] <= a[0] and a[1] <= b[1]))


def paires_emboitees(cellules: Mapping[Cle, Cellule], figees: Mapping[Cle, bool]) -> list[tuple[Cle, Cle]]:
    """(outer, inner): every two cells with an effectif, of the same indicator and modality over nested periods,
    one of them at least not sent yet."""
    par_cellule: dict[tuple, list[Cle]] = defaultdict(list)
    for k, c in cellules.items():
        if c.effectif is not None:
            par_cellule[k[2:]].append(k)
    paires = []
    for cles in par_cellule.values():
        for i, a in enumerate(cles):
            for b in cles[i + 1:]:
                if emboitees(a[:2], b[:2]) and not (a in figees and b in figees):
                    paires.append((a, b) if a[0] <= b[0] and b[1] <= a[1] else (b, a))
    return paires


def secretiser_indicateurs(lignes: Iterable[Ligne], structure: Structure, seuil: int = SEUIL_DEFAUT,
                           publiees: Iterable[Publiee] = ()) -> Secretisation:
    """The whole indicator table masked: `valeur` → `s` for every masked cell.

    `publiees`: the cells already sent to anyone (every funder, the public report) for a period equal to, nested
    in or holding a period of the table. A cell of the table already sent keeps what was sent (its value, or its
    mask). Every other cell is also checked against the cells of the same indicator and modality over nested
    periods, sent before or in this table: their difference must be 0 or at least k (through the numerators for
    shares)."""
    lignes = [dict(r) for r in lignes]
    anterieures: dict[Cle, Publiee] = {}
    for p in publiees:
        if p.cle not in anterieures or (anterieures[p.cle].masque and not p.masque):
            anterieures[p.cle] = p
    figees_differentes = []
    for r in lignes:
        if (p := anterieures.get(cle(r))) is not None and not p.masque:
            if format_valeur(p.valeur, r["unite"]) != format_valeur(r["valeur"], r["unite"]):
                figees_differentes.append(cle(r))
            r["valeur"] = p.valeur
    cellules, groupes, non_declares = cellules_et_groupes(lignes, structure)
    effectifs = {k: c.effectif for k, c in cellules.items()}
    figees = {k: p.masque for k, p in anterieures.items() if k in cellules}
    for k, p in anterieures.items():
        if k not in cellules:
            cellules[k] = Cellule(p.effectif)
            figees[k] = p.masque
    motifs = secretiser(cellules, groupes, seuil, figees, paires_emboitees(cellules, figees))
    masquees = tuple({**r, "valeur": MASQUE} if cle(r) in motifs else r for r in lignes)
    motifs = {k: m for k, m in motifs.items() if k in effectifs}
    return Secretisation(masquees, motifs, tuple(non_declares), effectifs, sum(m == ECART for m in motifs.values()),
                         tuple(figees_differentes))


def table_publique(lignes: Iterable[Ligne], seuil: int, publiees: Iterable[Publiee] = (),
                   structure: Structure | None = None) -> list[Ligne]:
    """The rows masked (`secretiser_indicateurs`) with why each is (`secret`: None when published): what the public
    report shows. The pipeline reads the same from `diffusion.table_secretisee` (`registre.lignes_secretisees`)."""
    table = secretiser_indicateurs(lignes, structure or structure_du_dictionnaire(), seuil, publiees)
    return [{**r, "secret": table.motifs.get(cle(r))} for r in table.lignes]


METADONNEES_MOTIFS = {"primaire": "masquees_primaire", "population": "masquees_population",
                      "secondaire": "masquees_secondaire", "écart": "masquees_ecart_entre_periodes",
                      "déjà masqué": "masquees_deja_envoyees_masquees"}


def bilan(lignes: Iterable[Ligne], table: Secretisation, publiees: Iterable[Publiee], seuil: int) -> dict[str, int]:
    """What the masking of `lignes` did, in numbers (the metadata of the asset `secret_statistique`): masked cells
    by motif, cells of the table already sent, and those whose value sent differs from this run's."""
    deja = {p.cle for p in publiees} & {cle(r) for r in lignes}
    return {"seuil": seuil, "cellules": len(table.lignes),
            **{nom: sum(m == motif for m in table.motifs.values()) for motif, nom in METADONNEES_MOTIFS.items()},
            "cellules_deja_envoyees": len(deja), "deja_envoyees_differentes": len(table.figees_differentes)}


def valeurs_conservees_csv(lignes: Iterable[Ligne], table: Secretisation) -> bytes:
    """The cells already sent whose value computed now differs (`table.figees_differentes`): the value sent (kept)
    beside the value of this run, for the data team (README, « Corriger un chiffre déjà envoyé »)."""
    calculees = {cle(r): r for r in lignes}
    envoyees = {cle(r): r["valeur"] for r in table.lignes}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("periode_debut", "periode_fin", "indicateur", "modalite", "valeur_envoyee", "valeur_calculee",
                     "unite"))
    for k in table.figees_differentes:
        r = calculees[k]
        writer.writerow((*(d.isoformat() for d in k[:2]), k[2], k[3] or "", format_valeur(envoyees[k], r["unite"]),
                         format_valeur(r["valeur"], r["unite"]), r["unite"]))
    return buffer.getvalue().encode("utf-8")


# ------------------------------------------------------------------------------------------ funders

@dataclass(frozen=True)
class Selection:
    indicateur: str
    modalites: tuple[str, ...] | None = None
    """None: every modality."""


@dataclass(frozen=True)
class Financeur:
    code: str
    """The configuration file's name: the extract's folder and file names, the Dagster asset's name."""
    nom: str
    indicateurs: tuple[Selection, ...]
    periodes: tuple[str, ...] = ("annee",)
    formats: tuple[str, ...] = FORMATS
    seuil: int = SEUIL_DEFAUT
    fichier: str = ""


def lire_financeur(path: Path) -> Financeur:
    """One funder's configuration, checked for its shape (the indicator ids are checked against the dictionary
    by `verifier_indicateurs`)."""
    path = Path(path)
    nom_fichier = f"config/financeurs/{path.name}"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", path.stem):
        raise ConfigurationInvalide(f"{nom_fichier} : nom de fichier invalide (minuscules, chiffres et _ seulement)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigurationInvalide(f"{nom_fichier} : YAML illisible ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigurationInvalide(f"{nom_fichier} : attendu des clés {sorted(CLES_FINANCEUR)}")
    problemes = []
    if inconnues := set(data) - CLES_FINANCEUR:
        problemes.append(f"clé(s) inconnue(s) {sorted(inconnues)} (attendu {sorted(CLES_FINANCEUR)})")
    if not isinstance(data.get("financeur"), str) or not data["financeur"].strip():
        problemes.append("`financeur` : le nom du financeur est obligatoire")
    periodes = tuple(data.get("periodes") or ("annee",))
    if bad := [p for p in periodes if p not in NATURES_PERIODE]:
        problemes.append(f"`periodes` : {bad} inconnue(s) (attendu parmi {list(NATURES_PERIODE)})")
    formats = tuple(data.get("formats") or FORMATS)
    if bad := [f for f in formats if f not in FORMATS]:
        problemes.append(f"`formats` : {bad} inconnu(s) (attendu parmi {list(FORMATS)})")
    seuil = data.get("seuil", SEUIL_DEFAUT)
    if not isinstance(seuil, int) or isinstance(seuil, bool) or seuil < 2:
        problemes.append(f"`seuil` : {seuil!r} invalide (attendu un entier ≥ 2)")
    selections = []
    for entree in data.get("indicateurs") or []:
        if isinstance(entree, str):
            selections.append(Selection(entree))
        elif isinstance(entree, dict) and set(entree) == {"id", "modalites"} and isinstance(entree["modalites"], list):
            selections.append(Selection(entree["id"], tuple(str(m) for m in entree["modalites"])))
        else:
            problemes.append(f"`indicateurs` : entrée invalide {entree!r} (attendu un identifiant, ou "
                             "{id: identifiant, modalites: [...]})")
    if not selections:
        problemes.append("`indicateurs` : au moins un indicateur attendu")
    if problemes:
        raise ConfigurationInvalide("\n".join(f"{nom_fichier} : {p}" for p in problemes))
    return Financeur(path.stem, data["financeur"].strip(), tuple(selections), periodes, formats, seuil, nom_fichier)


def seuil_commun(financeurs: Iterable[Financeur], seuil_public: int | None = None) -> int:
    """The k of the table every recipient's selection is taken from: the largest configured (a funder asking for
    k = 3 receives what the strictest recipient allows)."""
    return max([f.seuil for f in financeurs] + ([seuil_public] if seuil_public else []), default=SEUIL_DEFAUT)


def charger_financeurs(dossier: Path = FINANCEURS) -> list[Financeur]:
    return [lire_financeur(p) for p in sorted(Path(dossier).glob("*.yaml"))]


def verifier_indicateurs(financeur: Financeur, dictionnaire: Iterable[str]) -> None:
    """An id unknown to the dictionary is a mistake in the configuration: refused."""
    connus = set(dictionnaire)
    if inconnus := [s.indicateur for s in financeur.indicateurs if s.indicateur not in connus]:
        raise ConfigurationInvalide(
            f"{financeur.fichier} : indicateur(s) inconnu(s) du dictionnaire (indicateurs_dictionnaire.csv) : "
            + ", ".join(inconnus))


# ------------------------------------------------------------------------------------------ extract

def natures(p: Periode) -> set[str]:
    """`annee` (a calendar year), `mois`, `cumul_annuel` (1 January → the end of a month; January is both)."""
    if p.is_annee:
        return {"annee"}
    cumul = p.debut == date(p.fin.year, 1, 1) and Periode(p.fin.replace(day=1), p.fin).is_mois
    return ({"mois"} if p.is_mois else set()) | ({"cumul_annuel"} if cumul else set())


def sans_periode(financeur: Financeur, periode: Periode) -> str | None:
    """Why a run of `periode` gives this funder nothing (none of its periods' natures is computed), else None."""
    if any(natures(p) & set(financeur.periodes) for p in periods_to_compute(periode)):
        return None
    return f"aucune période {list(financeur.periodes)} dans l'exécution {periode.label}"


@dataclass(frozen=True)
class Extrait:
    financeur: Financeur
    periode: Periode
    """The run's period: it names the files."""
    periodes: tuple[Periode, ...]
    """The periods the extract holds."""
    lignes: tuple[Ligne, ...]
    definitions: tuple[Ligne, ...]
    absents: tuple[str, ...]
    """Configured ids (or `id[modalité]`) that this run did not produce."""
    seuil: int = SEUIL_DEFAUT
    """The k the table was masked with (the largest of the funders': one version of each cell for everyone)."""

    @property
    def masquees(self) -> int:
        return sum(r["valeur"] == MASQUE for r in self.lignes)

    @property
    def nom(self) -> str:
        return f"{self.financeur.code}_{self.periode.label}"


def construire_extrait(lignes: Iterable[Ligne], dictionnaire: Iterable[Ligne], financeur: Financeur,
                       periode: Periode, seuil: int | None = None) -> Extrait:
    """`lignes`: the masked indicator table of the run, in output order; `dictionnaire`: its rows in order;
    `seuil`: the k the table was masked with (the funder's own by default)."""
    dictionnaire = list(dictionnaire)
    libelles = {d["indicateur"]: d["libelle"] for d in dictionnaire}
    choix = {s.indicateur: s.modalites for s in financeur.indicateurs}
    gardees, periodes, vues = [], {}, set()
    for r in lignes:
        p = Periode(r["periode_debut"], r["periode_fin"])
        if not natures(p) & set(financeur.periodes) or r["indicateur"] not in choix:
            continue
        modalites = choix[r["indicateur"]]
        if modalites is not None and r["modalite"] not in modalites:
            continue
        periodes[p] = None
        vues.add((r["indicateur"], r["modalite"]))
        gardees.append({c: r[c] for c in COLONNES} | {"libelle": libelles.get(r["indicateur"], "")})
    produits = {indicateur for indicateur, _ in vues}
    absents = [s.indicateur for s in financeur.indicateurs if s.indicateur not in produits]
    absents += [f"{s.indicateur}[{m}]" for s in financeur.indicateurs if s.indicateur in produits
                for m in s.modalites or () if (s.indicateur, m) not in vues]
    definitions = tuple({c: d[c] for c in ("indicateur", "libelle", "unite", "definition")}
                        for d in dictionnaire if d["indicateur"] in produits)
    return Extrait(financeur, periode, tuple(periodes), tuple(gardees), definitions, tuple(absents),
                   financeur.seuil if seuil is None else seuil)


# ------------------------------------------------------------------------------------------ files

@dataclass(frozen=True)
class Sources:
    mission_locale: str
    exports: tuple[tuple[str, str], ...]
    """(file name, SHA-256) of each source export."""
    date_exports: date | None = None


def lire_sources(warehouse: Path, mission_locale: Path = MISSION_LOCALE) -> Sources:
    """The extracts' sources: the Mission Locale's name (config/mission_locale.yaml), the export files loaded in
    the warehouse and their date."""
    nom = yaml.safe_load(Path(mission_locale).read_text(encoding="utf-8"))["nom"]
    return Sources(mission_locale=nom, exports=fichiers_exports(warehouse), date_exports=date_exports(warehouse))


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
    writer.writerow(COLONNES_EXTRAIT)
    for r in extrait.lignes:
        writer.writerow([r["periode_debut"].isoformat(), r["periode_fin"].isoformat(), inerte(r["indicateur"]),
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
        ("Mission Locale", sources.mission_locale),
        ("Période(s)", " ; ".join(fr_periode(p.debut, p.fin) for p in extrait.periodes)),
        ("Exports i-milo du", fr_date(sources.date_exports) if sources.date_exports else "date inconnue"),
        ("Secret statistique", f"« {MASQUE} » : valeur masquée (effectif de 1 à {extrait.seuil - 1}, part ou "
                               f"moyenne calculée sur moins de {extrait.seuil} personnes, ou masquage secondaire)."),
        ("Ce qui est garanti", GARANTIE.format(k=extrait.seuil, k_1=extrait.seuil - 1)),
        ("Ce qui ne l'est pas", LIMITES),
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
    _feuille(donnees, COLONNES_EXTRAIT, (13, 13, 30, 50, 30, 10, 7))
    for r in extrait.lignes:
        _ajouter(donnees, [r["periode_debut"], r["periode_fin"], r["indicateur"], r["libelle"], r["modalite"],
                           valeur_xlsx(r["valeur"], r["unite"]), r["unite"]])
        for colonne in (1, 2):
            donnees.cell(donnees.max_row, colonne).number_format = "DD/MM/YYYY"
        donnees.cell(donnees.max_row, 6).number_format = FORMAT_NOMBRE.get(r["unite"], "General")

    definitions = wb.create_sheet("Définitions")
    _feuille(definitions, ("indicateur", "libelle", "unite", "definition"), (30, 50, 7, 100))
    for d in extrait.definitions:
        _ajouter(definitions, [d["indicateur"], d["libelle"], d["unite"], d["definition"]])

    horodatage = datetime.combine(extrait.periode.fin, datetime.min.time())
    wb.properties.creator = "milo-pipeline"
    wb.properties.title = f"Extrait {f.nom} – {extrait.periode.label}"
    wb.properties.created = wb.properties.modified = horodatage
    brut = io.BytesIO()
    with zipfile.ZipFile(brut, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return _zip_date_fixe(brut.getvalue(), horodatage)


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
    """File name → content, for each format of the funder's configuration."""
    ecrivains = {"xlsx": lambda: extrait_xlsx(extrait, sources), "csv": lambda: extrait_csv(extrait)}
    return {f"{extrait.nom}.{fmt}": ecrivains[fmt]() for fmt in extrait.financeur.formats}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifeste(extrait: Extrait, sources: Sources, fichiers: Mapping[str, bytes], genere_le: datetime,
              avertissements: Iterable[str] = ()) -> bytes:
    """manifest.json: the files and their SHA-256, the periods, the sources, the data-quality status. Written only
    by a run whose blocking checks all passed; the checks that only warned are listed."""
    avertissements = sorted(avertissements)
    periode = {"debut": extrait.periode.debut.isoformat(), "fin": extrait.periode.fin.isoformat()}
    contenu = {
        "financeur": extrait.financeur.nom,
        "code": extrait.financeur.code,
        "mission_locale": sources.mission_locale,
        "periode": periode,
        "periodes_extraites": [{"debut": p.debut.isoformat(), "fin": p.fin.isoformat()} for p in extrait.periodes],
        "genere_le": genere_le.isoformat(timespec="seconds"),
        "date_exports": sources.date_exports.isoformat() if sources.date_exports else None,
        "exports_sources": [{"fichier": nom, "sha256": h} for nom, h in sources.exports],
        "qualite": {
            "statut": "conforme avec avertissements" if avertissements else "conforme",
            "controles_bloquants": "tous réussis",
            "avertissements": avertissements,
        },
        "secret_statistique": {"seuil": extrait.seuil, "marque": MASQUE,
                               "cellules_masquees": extrait.masquees},
        "lignes": len(extrait.lignes),
        "indicateurs_non_produits": list(extrait.absents),
        "fichiers": [{"fichier": nom, "sha256": sha256(data), "octets": len(data)} for nom, data in fichiers.items()],
    }
    return (json.dumps(contenu, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def ecrire_extrait(extrait: Extrait, sources: Sources, dossier: Path, genere_le: datetime,
                   avertissements: Iterable[str] = ()) -> dict[str, bytes]:
    """Write the extract's files and its manifest into `dossier` (the run's staging folder); file name → content."""
    fichiers = fichiers_extrait(extrait, sources)
    fichiers["manifest.json"] = manifeste(extrait, sources, fichiers, genere_le, avertissements)
    dossier.mkdir(parents=True, exist_ok=True)
    for nom, data in fichiers.items():
        (dossier / nom).write_bytes(data)
    return fichiers
