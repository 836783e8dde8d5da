"""Manual inputs ("saisies manuelles"): what i-milo does not hold, typed by the Mission Locale.

The folder `saisies/` next to the exports holds small, versioned files (all optional):

    effectifs.yaml      staff at 31 December by contract type and sex
    budget.yaml         budgets (forecast or actual) by exercise: charges and produits, total or by line
    satisfaction.yaml   satisfaction survey: respondents and share of satisfied respondents per question
    evenements.yaml     the events of the year: date, title, short description, category, visitors
    textes/<texte>.md   narrative texts of the report (portraits, testimonies), Markdown

`lire_saisies` validates everything and raises `SaisiesInvalides` (an `ExportsInvalides`) listing every
problem with its file, line, key path ("champ") and value; `ecrire_saisies` writes the numbers as small
raw tables `raw.saisie_*` in one transaction (dbt turns them into indicator rows, `mart_saisies`). The
texts never enter the warehouse: only the report reads them (`lire_textes`).

Dagster-free; the formats are documented in README.md ("Saisies manuelles") and in the demo's files
(milo_pipeline/synthetic/saisies_demo).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import yaml

from .errors import ExportsInvalides, Probleme
from .fichiers import FichierRefuse, lire_fichier_ordinaire, refus
from .periods import Periode

DOSSIER = "saisies"
FICHIERS = ("effectifs.yaml", "budget.yaml", "satisfaction.yaml", "evenements.yaml")
DOSSIER_TEXTES = "textes"
SOUS_DOSSIER_TERRITOIRES = "territoires"

CONTRATS = ("CDI", "CDD", "Apprentissage", "Contrat de professionnalisation", "Contrat aidé",
            "Mise à disposition", "Autre")
SEXES = {"femmes": "F", "hommes": "H"}
NATURES_BUDGET = ("Prévisionnel", "Réalisé")
SENS_BUDGET = ("charges", "produits")
PUBLICS_SATISFACTION = ("jeunes", "employeurs")
RUBRIQUES = ("Emploi", "Formation", "Santé", "Égalité", "Mobilité", "Logement", "Citoyenneté",
             "Culture et sport", "International", "Repérage", "Vie de la structure", "Autre")
RUBRIQUE_PAR_DEFAUT = "Autre"
# The texts a report section can show: textes/<name>.md (and textes/territoires/<EPCI slug>.md).
TEXTES = ("synthese", "premier_accueil", "accompagnes", "parcours", "dispositifs", "cej", "parrainage",
          "emploi", "qpv", "territoires", "ctai", "sante", "reperage", "egalite", "structure", "organigramme",
          "evenements", "budget", "satisfaction")
TAILLE_MAX_TEXTE = 20_000  # characters: about four pages

# The raw tables written by `ecrire_saisies` (dbt source `saisies`, asset keys ["saisies", <table>]).
TABLES: dict[str, dict[str, str]] = {
    "effectifs": {"annee": "INTEGER", "contrat": "VARCHAR", "sexe": "VARCHAR", "effectif": "INTEGER"},
    "budget": {"annee": "INTEGER", "nature": "VARCHAR", "exercice": "INTEGER", "sens": "VARCHAR",
               "poste": "VARCHAR", "ordre": "INTEGER", "montant": "DECIMAL(14,2)"},
    "satisfaction": {"annee": "INTEGER", "public": "VARCHAR", "repondants": "INTEGER"},
    "satisfaction_questions": {"annee": "INTEGER", "public": "VARCHAR", "ordre": "INTEGER",
                               "question": "VARCHAR", "satisfaits_pct": "DECIMAL(5,1)"},
    "evenements": {"ordre": "INTEGER", "date_debut": "DATE", "date_fin": "DATE", "titre": "VARCHAR",
                   "description": "VARCHAR", "rubrique": "VARCHAR", "visiteurs": "INTEGER"},
}
TABLE_PREFIXE = "saisie_"


@dataclass(frozen=True)
class ProblemeSaisie(Probleme):
    """A problem in a manual input: `colonne` holds the key path (`budgets[0].charges.Loyers`)."""

    ETIQUETTE_COLONNE: ClassVar[str] = "champ"


class SaisiesInvalides(ExportsInvalides):
    """The manual inputs cannot be used as they are; nothing was written."""

    def texte(self) -> str:
        lignes = [f"Saisies manuelles refusées ({len(self.problemes)} problème(s)) :"]
        lignes += [f"  - {p}" for p in self.problemes]
        return "\n".join(lignes)


@dataclass
class Saisies:
    """The validated manual inputs: rows of each raw table, the texts, the files read and the warnings."""

    dossier: Path
    lignes: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in TABLES})
    textes: dict[str, str] = field(default_factory=dict)
    fichiers: dict[str, str] = field(default_factory=dict)  # relative path → sha256
    annees: dict[str, int] = field(default_factory=dict)  # file → `annee`
    avertissements: list[Probleme] = field(default_factory=list)


def cle(texte: str) -> str:
    """Comparison key: no accents, lower case, single spaces ("Mise a  disposition" ~ "mise à disposition")."""
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return " ".join(sans_accents.lower().split())


def slug(texte: str) -> str:
    """File name of a territory's text: "CC du Doubs Baumois" → "cc-du-doubs-baumois"."""
    return re.sub(r"[^a-z0-9]+", "-", cle(texte)).strip("-")


# --------------------------------------------------------------------------------------------
# YAML with line numbers
# --------------------------------------------------------------------------------------------
Chemin = tuple[str | int, ...]


def champ(chemin: Chemin) -> str:
    """("budgets", 0, "charges") → "budgets[0].charges"."""
    texte = ""
    for partie in chemin:
        texte += f"[{partie}]" if isinstance(partie, int) else (f".{partie}" if texte else str(partie))
    return texte


class _Fichier:
    """One YAML file being checked: its data, the line of every key path, and the problems found."""

    def __init__(self, nom: str, texte: str):
        self.nom = nom
        self.lignes: dict[Chemin, int] = {}
        self.brut: dict[Chemin, str] = {}  # a scalar as typed in the file
        self.problemes: list[Probleme] = []
        self.donnees: Any = None
        loader = yaml.SafeLoader(texte)
        try:
            noeud = loader.get_single_node()
            self.donnees = None if noeud is None else self._construire(loader, noeud, ())
        except yaml.MarkedYAMLError as exc:
            marque = exc.problem_mark or exc.context_mark
            self.problemes.append(ProblemeSaisie(
                nom, f"YAML illisible : {exc.problem or exc.context}",
                ligne=marque.line + 1 if marque else None))
        except yaml.YAMLError as exc:
            self.problemes.append(ProblemeSaisie(nom, f"YAML illisible : {exc}"))
        finally:
            loader.dispose()

    def _construire(self, loader: yaml.SafeLoader, noeud: yaml.Node, chemin: Chemin) -> Any:
        self.lignes[chemin] = noeud.start_mark.line + 1
        if isinstance(noeud, yaml.MappingNode):
            resultat: dict[str, Any] = {}
            for noeud_cle, noeud_valeur in noeud.value:
                nom = loader.construct_object(noeud_cle, deep=True)
                if isinstance(nom, list | dict) or nom is None:
                    self.erreur(chemin, "clé invalide (attendu un nom)", ligne=noeud_cle.start_mark.line + 1)
                    continue
                nom = str(nom).strip()
                if nom in resultat:
                    self.erreur(chemin + (nom,), "clé en double", ligne=noeud_cle.start_mark.line + 1)
                    continue
                resultat[nom] = self._construire(loader, noeud_valeur, chemin + (nom,))
                self.lignes[chemin + (nom,)] = noeud_cle.start_mark.line + 1  # the key's line
            return resultat
        if isinstance(noeud, yaml.SequenceNode):
            return [self._construire(loader, n, chemin + (i,)) for i, n in enumerate(noeud.value)]
        self.brut[chemin] = noeud.value
        return loader.construct_object(noeud, deep=True)

    def ligne(self, chemin: Chemin) -> int | None:
        while chemin and chemin not in self.lignes:
            chemin = chemin[:-1]
        return self.lignes.get(chemin)

    def erreur(self, chemin: Chemin, message: str, valeur: Any = None, ligne: int | None = None) -> None:
        self.problemes.append(ProblemeSaisie(
            self.nom, message, colonne=champ(chemin) or None, ligne=ligne or self.ligne(chemin),
            valeur=None if valeur is None else self.brut.get(chemin) or _afficher(valeur)))

    # -- typed readers: the value, or None after recording a problem ---------------------------
    def mapping(self, valeur: Any, chemin: Chemin, permises: tuple[str, ...] | None = None,
                requises: tuple[str, ...] = ()) -> dict[str, Any] | None:
        if not isinstance(valeur, dict):
            self.erreur(chemin, "liste de clés attendue (« clé: valeur », une par ligne)", valeur)
            return None
        if permises is not None:
            for nom in valeur:
                if nom not in permises:
                    self.erreur(chemin + (nom,), f"clé inconnue (attendu : {', '.join(permises)})")
        for nom in requises:
            if nom not in valeur or valeur[nom] is None:
                self.erreur(chemin + (nom,), "valeur obligatoire manquante")
        return valeur

    def liste(self, valeur: Any, chemin: Chemin) -> list[Any] | None:
        if not isinstance(valeur, list):
            self.erreur(chemin, "liste attendue (une entrée par ligne commençant par « - »)", valeur)
            return None
        return valeur

    def nombre(self, valeur: Any, chemin: Chemin, quoi: str = "nombre", maximum: Decimal | None = None
               ) -> Decimal | None:
        d = _decimal(valeur)
        if d is None:
            self.erreur(chemin, f"{quoi} illisible (attendu par exemple 1250 ou 1 250,50)", valeur)
            return None
        if d < 0:
            self.erreur(chemin, f"{quoi} négatif", valeur)
            return None
        if maximum is not None and d > maximum:
            self.erreur(chemin, f"{quoi} supérieur à {maximum}", valeur)
            return None
        return d

    def entier(self, valeur: Any, chemin: Chemin, quoi: str = "nombre entier") -> int | None:
        d = _decimal(valeur)
        if d is None or d != d.to_integral_value():
            self.erreur(chemin, f"{quoi} illisible (attendu un nombre entier, par exemple 42)", valeur)
            return None
        if d < 0:
            self.erreur(chemin, f"{quoi} négatif", valeur)
            return None
        return int(d)

    def annee(self, valeur: Any, chemin: Chemin) -> int | None:
        n = self.entier(valeur, chemin, "année")
        if n is not None and not 2000 <= n <= 2100:
            self.erreur(chemin, "année invalide (attendu par exemple 2024)", valeur)
            return None
        return n

    def texte(self, valeur: Any, chemin: Chemin, longueur_max: int = 300) -> str | None:
        if isinstance(valeur, bool) or not isinstance(valeur, str | int | float):
            self.erreur(chemin, "texte attendu", valeur)
            return None
        texte = " ".join(str(valeur).split())
        if not texte:
            self.erreur(chemin, "texte vide")
            return None
        if len(texte) > longueur_max:
            self.erreur(chemin, f"texte trop long ({len(texte)} caractères, {longueur_max} au plus)",
                        texte[:40] + "…")
            return None
        return texte

    def date(self, valeur: Any, chemin: Chemin) -> date | None:
        if isinstance(valeur, datetime):
            return valeur.date()
        if isinstance(valeur, date):
            return valeur
        if isinstance(valeur, str):
            for format_ in ("%d/%m/%Y", "%Y-%m-%d"):
                try:
                    return datetime.strptime(valeur.strip(), format_).date()
                except ValueError:
                    continue
        self.erreur(chemin, "date illisible (attendu JJ/MM/AAAA ou AAAA-MM-JJ)", valeur)
        return None

    def choix(self, valeur: Any, chemin: Chemin, permis: tuple[str, ...]) -> str | None:
        """One of `permis`, compared without accents nor case; the canonical spelling is returned."""
        if isinstance(valeur, str):
            for p in permis:
                if cle(p) == cle(valeur):
                    return p
        self.erreur(chemin, f"valeur inconnue (attendu : {', '.join(permis)})", valeur)
        return None


def _afficher(valeur: Any) -> str:
    if isinstance(valeur, dict | list):
        texte = yaml.safe_dump(valeur, allow_unicode=True, default_flow_style=True, width=10_000).strip()
        return texte if len(texte) <= 60 else texte[:59] + "…"
    return str(valeur)


def _decimal(valeur: Any) -> Decimal | None:
    """A number typed in YAML, or written the French way in a string ("3 179 157 €", "552,29", "94,5 %")."""
    if isinstance(valeur, bool):
        return None
    if isinstance(valeur, int | float):
        texte = str(valeur)
    elif isinstance(valeur, str):
        texte = re.sub(r"[\s\u00a0\u202f]", "", valeur).removesuffix("€").removesuffix("%").replace(",", ".")
        if not re.fullmatch(r"-?\d+(\.\d+)?", texte):
            return None
    else:
        return None
    try:
        d = Decimal(texte)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


# --------------------------------------------------------------------------------------------
# The four files
# --------------------------------------------------------------------------------------------
def _annee(f: _Fichier, saisies: Saisies, d: dict) -> int | None:
    """The file's `annee`, recorded (a year's run warns of a file of another year); None if absent or invalid."""
    annee = f.annee(d.get("annee"), ("annee",)) if d.get("annee") is not None else None
    if annee is not None:
        saisies.annees[f.nom] = annee
    return annee


def _effectifs(f: _Fichier, saisies: Saisies) -> None:
    d = f.mapping(f.donnees, (), ("annee", "salaries"), ("annee", "salaries"))
    if d is None:
        return
    annee = _annee(f, saisies, d)
    salaries = f.mapping(d.get("salaries"), ("salaries",)) if d.get("salaries") is not None else None
    if salaries is None:
        return
    vus: set[str] = set()
    for nom, par_sexe in salaries.items():
        chemin = ("salaries", nom)
        contrat = f.choix(nom, chemin, CONTRATS)
        if contrat in vus:
            f.erreur(chemin, "type de contrat en double", nom)
            continue
        par_sexe = f.mapping(par_sexe, chemin, tuple(SEXES))
        if contrat is None or par_sexe is None:
            continue
        vus.add(contrat)
        for cle_sexe, sexe in SEXES.items():
            n = f.entier(par_sexe.get(cle_sexe, 0), chemin + (cle_sexe,), "effectif")
            if n is not None and annee is not None:
                saisies.lignes["effectifs"].append({"annee": annee, "contrat": contrat, "sexe": sexe, "effectif": n})
    if not salaries:
        f.erreur(("salaries",), "aucun type de contrat saisi")


def _montants(f: _Fichier, valeur: Any, chemin: Chemin) -> list[tuple[str | None, Decimal]]:
    """`charges: 3179157` (a total) or `charges: {poste: montant, …}` (the total is their sum)."""
    if isinstance(valeur, dict):
        lignes = []
        for poste, montant in valeur.items():
            nom = f.texte(poste, chemin + (poste,), 80)
            m = f.nombre(montant, chemin + (poste,), "montant")
            if nom is not None and m is not None:
                lignes.append((nom, m))
        if not valeur:
            f.erreur(chemin, "aucun poste saisi")
        return lignes
    m = f.nombre(valeur, chemin, "montant")
    return [] if m is None else [(None, m)]


def _budget(f: _Fichier, saisies: Saisies) -> None:
    d = f.mapping(f.donnees, (), ("annee", "budgets"), ("annee", "budgets"))
    if d is None:
        return
    annee = _annee(f, saisies, d)
    budgets = f.liste(d.get("budgets"), ("budgets",)) if d.get("budgets") is not None else None
    if budgets is None:
        return
    vus: set[tuple[str, int]] = set()
    for i, budget in enumerate(budgets):
        chemin: Chemin = ("budgets", i)
        b = f.mapping(budget, chemin, ("nature", "exercice", *SENS_BUDGET), ("nature", "exercice", *SENS_BUDGET))
        if b is None:
            continue
        nature = f.choix(b.get("nature"), chemin + ("nature",), NATURES_BUDGET) if b.get("nature") else None
        exercice = f.annee(b.get("exercice"), chemin + ("exercice",)) if b.get("exercice") is not None else None
        montants = {sens: _montants(f, b[sens], chemin + (sens,)) for sens in SENS_BUDGET if b.get(sens) is not None}
        if nature is None or exercice is None or annee is None:
            continue
        if (nature, exercice) in vus:
            f.erreur(chemin, f"budget {nature.lower()} {exercice} en double")
            continue
        vus.add((nature, exercice))
        for sens, lignes in montants.items():
            for ordre, (poste, montant) in enumerate(lignes, start=1):
                saisies.lignes["budget"].append({"annee": annee, "nature": nature, "exercice": exercice,
                                                 "sens": sens, "poste": poste, "ordre": ordre, "montant": montant})


def _satisfaction(f: _Fichier, saisies: Saisies) -> None:
    d = f.mapping(f.donnees, (), ("annee", *PUBLICS_SATISFACTION), ("annee",))
    if d is None:
        return
    annee = _annee(f, saisies, d)
    if not any(p in d for p in PUBLICS_SATISFACTION):
        f.erreur((), f"aucune enquête saisie (attendu : {', '.join(PUBLICS_SATISFACTION)})")
    for public in PUBLICS_SATISFACTION:
        if public not in d:
            continue
        chemin: Chemin = (public,)
        enquete = f.mapping(d[public], chemin, ("repondants", "questions"), ("repondants",))
        if enquete is None:
            continue
        repondants = enquete.get("repondants")
        n = f.entier(repondants, chemin + ("repondants",), "nombre de répondants") if repondants is not None else None
        if n is not None and annee is not None:
            saisies.lignes["satisfaction"].append({"annee": annee, "public": public, "repondants": n})
        if enquete.get("questions") is None:
            continue
        questions = f.mapping(enquete["questions"], chemin + ("questions",))
        for ordre, (question, pct) in enumerate((questions or {}).items(), start=1):
            q_chemin = chemin + ("questions", question)
            texte = f.texte(question, q_chemin, 120)
            part = f.nombre(pct, q_chemin, "part de satisfaits (en %)", Decimal(100))
            if texte is not None and part is not None and annee is not None:
                saisies.lignes["satisfaction_questions"].append(
                    {"annee": annee, "public": public, "ordre": ordre, "question": texte, "satisfaits_pct": part})


def _evenements(f: _Fichier, saisies: Saisies) -> None:
    d = f.mapping(f.donnees, (), ("evenements",), ("evenements",))
    if d is None or d.get("evenements") is None:
        return
    evenements = f.liste(d["evenements"], ("evenements",))
    for i, evenement in enumerate(evenements or []):
        chemin: Chemin = ("evenements", i)
        e = f.mapping(evenement, chemin, ("date", "au", "titre", "description", "rubrique", "visiteurs"),
                      ("date", "titre"))
        if e is None:
            continue
        debut = f.date(e["date"], chemin + ("date",)) if e.get("date") is not None else None
        fin = f.date(e["au"], chemin + ("au",)) if e.get("au") is not None else debut
        titre = f.texte(e["titre"], chemin + ("titre",), 120) if e.get("titre") is not None else None
        description = f.texte(e["description"], chemin + ("description",), 400) if e.get("description") else None
        rubrique = f.choix(e["rubrique"], chemin + ("rubrique",), RUBRIQUES) if e.get("rubrique") else None
        visiteurs = f.entier(e["visiteurs"], chemin + ("visiteurs",), "nombre de visiteurs") \
            if e.get("visiteurs") is not None else None
        if debut and fin and fin < debut:
            f.erreur(chemin + ("au",), f"la fin précède le début ({debut:%d/%m/%Y})", e.get("au"))
            continue
        if debut is None or titre is None or (e.get("rubrique") and rubrique is None):
            continue
        saisies.lignes["evenements"].append({
            "ordre": i + 1, "date_debut": debut, "date_fin": fin, "titre": titre, "description": description,
            "rubrique": rubrique or RUBRIQUE_PAR_DEFAUT, "visiteurs": visiteurs})


LECTEURS = {"effectifs.yaml": _effectifs, "budget.yaml": _budget, "satisfaction.yaml": _satisfaction,
            "evenements.yaml": _evenements}


# --------------------------------------------------------------------------------------------
# The folder
# --------------------------------------------------------------------------------------------
def _lire_texte(path: Path, nom: str) -> tuple[str | None, str | None, Probleme | None]:
    """(text, sha256 of its bytes, None), or (None, None, the problem). Only a regular file is read: a symbolic
    link (to the key file…), a FIFO, a device or a folder is refused (lib/fichiers.py, O_NOFOLLOW)."""
    try:
        data = lire_fichier_ordinaire(path)
    except FichierRefuse as exc:
        return None, None, ProblemeSaisie(nom, exc.message)
    try:
        texte = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        ligne = data[:exc.start].count(b"\n") + 1
        return None, None, ProblemeSaisie(nom, "encodage non reconnu : enregistrer le fichier en UTF-8", ligne=ligne)
    return texte.replace("\r\n", "\n"), hashlib.sha256(data).hexdigest(), None


def _entrees(racine: Path, dossier: Path, problemes: list[Probleme]) -> list[Path]:
    """The files under `racine`, in path order, without following links: a sub-folder is walked (a folder named
    like a text is refused), anything that is neither a folder nor a regular file is refused. Hidden and
    temporary names (`.…`, `~…`) are skipped."""
    chemins: list[Path] = []
    with os.scandir(racine) as it:
        entrees = sorted(it, key=lambda e: e.name)
    for entree in entrees:
        path = Path(entree.path)
        if entree.name.startswith((".", "~")):
            continue
        relatif = f"{DOSSIER}/{path.relative_to(dossier).as_posix()}"
        if entree.is_dir(follow_symlinks=False) and path.suffix.lower() != ".md":
            chemins += _entrees(path, dossier, problemes)
        elif raison := refus(path):
            problemes.append(ProblemeSaisie(relatif, raison))
        else:
            chemins.append(path)
    return chemins


def _textes(dossier: Path, saisies: Saisies, problemes: list[Probleme]) -> None:
    racine = dossier / DOSSIER_TEXTES
    if raison := refus(racine, "dossier"):
        problemes.append(ProblemeSaisie(f"{DOSSIER}/{DOSSIER_TEXTES}", raison))
        return
    if not racine.is_dir():
        return
    for path in _entrees(racine, dossier, problemes):
        relatif = f"{DOSSIER}/{path.relative_to(dossier).as_posix()}"
        parties = path.relative_to(racine).with_suffix("").parts
        if path.suffix.lower() != ".md":
            saisies.avertissements.append(ProblemeSaisie(relatif, "fichier ignoré (seuls les textes .md sont lus)"))
            continue
        if len(parties) == 1 and parties[0] in TEXTES:
            nom = parties[0]
        elif len(parties) == 2 and parties[0] == SOUS_DOSSIER_TERRITOIRES and parties[1] == slug(parties[1]):
            nom = "/".join(parties)
        else:
            problemes.append(ProblemeSaisie(
                relatif, "nom de texte inconnu (attendu : textes/<section>.md avec <section> parmi "
                f"{', '.join(TEXTES)}, ou textes/territoires/<epci-en-minuscules-sans-accents>.md)"))
            continue
        texte, sha256, probleme = _lire_texte(path, relatif)
        if probleme:
            problemes.append(probleme)
            continue
        saisies.fichiers[relatif] = sha256
        if not texte.strip():
            saisies.avertissements.append(ProblemeSaisie(relatif, "texte vide, ignoré"))
        elif len(texte) > TAILLE_MAX_TEXTE:
            problemes.append(ProblemeSaisie(
                relatif, f"texte trop long ({len(texte)} caractères, {TAILLE_MAX_TEXTE} au plus)"))
        else:
            saisies.textes[nom] = texte


def _dossier_refuse(dossier: Path) -> None:
    """EXPORTS/saisies itself must not be a symbolic link (it would read any folder of the machine)."""
    if raison := refus(dossier, "dossier"):
        raise SaisiesInvalides([ProblemeSaisie(DOSSIER, raison)])


def lire_saisies(dossier: Path) -> Saisies:
    """Read and check the manual inputs of `dossier` (EXPORTS/saisies). A missing folder or file is not an
    error (a warning: the report says « non renseigné »); a bad value is (SaisiesInvalides, every problem), and
    so is a file or folder that is a symbolic link or not a regular file."""
    dossier = Path(dossier)
    _dossier_refuse(dossier)
    saisies = Saisies(dossier)
    if not dossier.is_dir():
        saisies.avertissements.append(ProblemeSaisie(
            str(dossier), "pas de dossier de saisies manuelles : effectifs, budget, satisfaction, événements "
            "et textes du rapport non renseignés"))
        return saisies
    problemes: list[Probleme] = []
    for path in sorted(dossier.iterdir()):
        if path.suffix.lower() in (".yaml", ".yml") and path.stem + ".yaml" not in FICHIERS:
            problemes.append(ProblemeSaisie(
                f"{DOSSIER}/{path.name}", f"fichier de saisie inconnu (attendu : {', '.join(FICHIERS)})"))
    for nom, lecteur in LECTEURS.items():
        candidats = [p for p in (dossier / nom, dossier / nom.replace(".yaml", ".yml")) if os.path.lexists(p)]
        relatif = f"{DOSSIER}/{nom}"
        if not candidats:
            saisies.avertissements.append(ProblemeSaisie(relatif, "fichier absent : non renseigné"))
            continue
        if len(candidats) > 1:
            problemes.append(ProblemeSaisie(relatif, "deux fichiers pour la même saisie (.yaml et .yml)"))
            continue
        path = candidats[0]
        relatif = f"{DOSSIER}/{path.name}"
        texte, sha256, probleme = _lire_texte(path, relatif)
        if probleme:
            problemes.append(probleme)
            continue
        saisies.fichiers[relatif] = sha256
        fichier = _Fichier(relatif, texte)
        if not fichier.problemes:
            if fichier.donnees is None:
                saisies.avertissements.append(ProblemeSaisie(relatif, "fichier vide : non renseigné"))
            else:
                lecteur(fichier, saisies)
        problemes += fichier.problemes
    _textes(dossier, saisies, problemes)
    if problemes:
        raise SaisiesInvalides(problemes)
    return saisies


def lire_textes(dossier: Path) -> dict[str, str]:
    """The narrative texts only (the report): {"parcours": "# …", "territoires/cc-du-doubs-baumois": …}."""
    dossier = Path(dossier)
    _dossier_refuse(dossier)
    saisies = Saisies(dossier)
    problemes: list[Probleme] = []
    if dossier.is_dir():
        _textes(dossier, saisies, problemes)
    if problemes:
        raise SaisiesInvalides(problemes)
    return saisies.textes


def avertissements_annee(saisies: Saisies, annee: int) -> list[Probleme]:
    """Warnings for the files describing another year than the run's (their figures will not show)."""
    return [ProblemeSaisie(fichier, f"saisie de l'année {a} : ne figure pas dans les indicateurs de {annee}",
                           colonne="annee", valeur=str(a))
            for fichier, a in saisies.annees.items() if a != annee]


def avertissements_du_run(saisies: Saisies, periode: Periode) -> list[Probleme]:
    """What a run says of its manual inputs: the warnings of their reading, and for a year, the files describing
    another year."""
    autre_annee = avertissements_annee(saisies, periode.debut.year) if periode.is_annee else []
    return [*saisies.avertissements, *autre_annee]


def ecrire_saisies(saisies: Saisies, warehouse: Path) -> dict[str, int]:
    """Replace every raw.saisie_* table (empty ones included) in one transaction; rows per table."""
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("CREATE SCHEMA IF NOT EXISTS raw")
            for table, colonnes in TABLES.items():
                ddl = ", ".join(f"{nom} {type_}" for nom, type_ in colonnes.items())
                con.execute(f"CREATE OR REPLACE TABLE raw.{TABLE_PREFIXE}{table} ({ddl})")
                lignes = saisies.lignes[table]
                if lignes:
                    marques = ", ".join("?" for _ in colonnes)
                    con.executemany(f"INSERT INTO raw.{TABLE_PREFIXE}{table} VALUES ({marques})",
                                    [[ligne[c] for c in colonnes] for ligne in lignes])
            con.execute("COMMIT")
        except duckdb.Error:
            con.execute("ROLLBACK")
            raise
    return {table: len(saisies.lignes[table]) for table in TABLES}
