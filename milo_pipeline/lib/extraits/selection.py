"""Which cells a funder gets: its configuration (config/financeurs/*.yaml) checked, the periods and indicators it
asks for taken from the run's masked table (`secret`), the ids of the dictionary it names, and the sources of the
exports the extract comes from."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from ..configuration import DOSSIER as CONFIG
from ..configuration import mission_locale
from ..outputs import COLONNES
from ..periods import Periode, periods_to_compute
from ..suppression import MASQUE
from ..warehouse import date_exports, fichiers_exports
from .secret import SEUIL_DEFAUT, Ligne
from .tracabilite import Qualite, Tracabilite, lire_tracabilite

FINANCEURS = CONFIG / "financeurs"
FINANCEURS_RESEAU = CONFIG / "reseau" / "financeurs"
NATURES_PERIODE = ("annee", "mois", "cumul_annuel")
FORMATS = ("xlsx", "csv")
CLES_FINANCEUR = {"financeur", "periodes", "formats", "seuil", "indicateurs"}
CLES_FINANCEUR_RESEAU = CLES_FINANCEUR | {"structures"}


class ConfigurationInvalide(Exception):
    """A funder's configuration cannot be used as it is."""


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
    structures: bool | None = None
    """A network's funder (config/reseau/financeurs/): True, each structure's rows beside the network's; False, the
    network's only. None: a Mission Locale's funder (no `structure` column)."""


def lire_financeur(path: Path, reseau: bool = False) -> Financeur:
    """One funder's configuration, checked for its shape (the indicator ids are checked against the dictionary
    by `verifier_indicateurs`); `reseau`: a network's funder (config/reseau/financeurs/, key `structures`)."""
    path = Path(path)
    nom_fichier = f"config/{'reseau/' if reseau else ''}financeurs/{path.name}"
    cles = CLES_FINANCEUR_RESEAU if reseau else CLES_FINANCEUR
    if not re.fullmatch(r"[a-z][a-z0-9_]*", path.stem):
        raise ConfigurationInvalide(f"{nom_fichier} : nom de fichier invalide (minuscules, chiffres et _ seulement)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigurationInvalide(f"{nom_fichier} : YAML illisible ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigurationInvalide(f"{nom_fichier} : attendu des clés {sorted(cles)}")
    problemes = []
    if inconnues := set(data) - cles:
        problemes.append(f"clé(s) inconnue(s) {sorted(inconnues)} (attendu {sorted(cles)})")
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
    structures = data.get("structures", False) if reseau else None
    if reseau and not isinstance(structures, bool):
        problemes.append(f"`structures` : {structures!r} invalide (attendu true ou false)")
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
    return Financeur(path.stem, data["financeur"].strip(), tuple(selections), periodes, formats, seuil, nom_fichier,
                     structures)


def seuil_commun(financeurs: Iterable[Financeur], seuil_public: int | None = None) -> int:
    """The k of the table every recipient's selection is taken from: the largest configured (a funder asking for
    k = 3 receives what the strictest recipient allows)."""
    return max([f.seuil for f in financeurs] + ([seuil_public] if seuil_public else []), default=SEUIL_DEFAUT)


def charger_financeurs(dossier: Path = FINANCEURS, reseau: bool = False) -> list[Financeur]:
    return [lire_financeur(p, reseau) for p in sorted(Path(dossier).glob("*.yaml"))]


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
        gardees.append({c: r[c] for c in (*(("structure",) if "structure" in r else ()), *COLONNES)}
                       | {"libelle": libelles.get(r["indicateur"], "")})
    produits = {indicateur for indicateur, _ in vues}
    absents = [s.indicateur for s in financeur.indicateurs if s.indicateur not in produits]
    absents += [f"{s.indicateur}[{m}]" for s in financeur.indicateurs if s.indicateur in produits
                for m in s.modalites or () if (s.indicateur, m) not in vues]
    definitions = tuple({c: d[c] for c in ("indicateur", "libelle", "unite", "definition")}
                        for d in dictionnaire if d["indicateur"] in produits)
    return Extrait(financeur, periode, tuple(periodes), tuple(gardees), definitions, tuple(absents),
                   financeur.seuil if seuil is None else seuil)


# ---------------------------------------------------------------------------------------- sources

@dataclass(frozen=True)
class Sources:
    mission_locale: str
    exports: tuple[tuple[str, str], ...]
    """(file name, SHA-256) of each source export."""
    date_exports: date | None = None
    tracabilite: Tracabilite = Tracabilite()
    """The files in detail, each indicator's exports, the run's quality status, the version (sheet Définitions)."""


def lire_sources(warehouse: Path, qualite: Qualite | None = None, run_id: str | None = None) -> Sources:
    """The extracts' sources: the Mission Locale's name (config/mission_locale.yaml), the export files loaded in
    the warehouse and their date, where each indicator comes from (`tracabilite`)."""
    return Sources(mission_locale=mission_locale()["nom"], exports=fichiers_exports(warehouse),
                   date_exports=date_exports(warehouse),
                   tracabilite=lire_tracabilite(warehouse, qualite, run_id))
