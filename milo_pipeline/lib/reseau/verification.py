"""Verification of one network package (design §2) read whole before any row of it is used.

In this order, the first failure wins: the manifest (readable JSON, the package format); the files (each one listed
present with its SHA-256 and size, no file that is not listed); the contract of `agregats.csv` (header, dates,
numbers, the dictionary's unit and aggregation, each period × indicator × modality once); the period; the
dictionary version; the quality status. A refusal is `PaquetRefuse`, its message in French naming the structure
(code and name once the manifest says them, else the folder), the file, and for the contract the line, column and
value.

Nothing is followed through a symbolic link: the package folder is opened with O_NOFOLLOW and its files through
that descriptor with O_NOFOLLOW too, so a link swapped in after the listing is refused, never read."""

from __future__ import annotations

import csv
import errno
import functools
import hashlib
import io
import json
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..configuration import CODE_STRUCTURE
from ..dictionnaire import EVOLUTION, NON_AGREGEABLE, RAPPORT, SOMME, Indicateur
from ..errors import Probleme
from ..outputs import format_valeur
from ..periods import Periode

FORMAT, VERSION_FORMAT = "milo-pipeline/paquet-reseau", 1
MANIFEST, AGREGATS = "manifest.json", "agregats.csv"
COLONNES = ("periode_debut", "periode_fin", "indicateur", "modalite", "valeur", "unite", "agregation", "numerateur",
            "denominateur")
STATUTS_ACCEPTES = ("conforme", "avertissements")
_NOMBRE = re.compile(r"-?\d+(?:\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Paquet:
    """A package that passed every check. `lignes`: the rows of agregats.csv typed (the keys of
    `Consolidation.lignes`: structure, dates, values float or None), in the file's order; `fichiers`: name → SHA-256
    of the files the manifest lists; `agregats`: the bytes of agregats.csv as verified."""

    dossier: str
    manifest: dict
    manifest_sha256: str
    fichiers: dict
    lignes: tuple
    agregats: bytes = field(default=b"", repr=False)

    @property
    def code(self) -> str:
        return self.manifest["structure"]["code"]

    @property
    def nom(self) -> str:
        return self.manifest["structure"]["nom"]

    @property
    def nom_court(self) -> str:
        return self.manifest["structure"].get("nom_court") or self.nom


class PaquetRefuse(Exception):
    """A package left out. `code`, `nom`, `nom_court`: the structure as the manifest says it (the folder's name when
    the manifest cannot say); `fichier`: the file at fault (relative to the packages folder); `motif`: why;
    `manifest_sha256`: the SHA-256 of the manifest when it could be read; `periode`: the period it says, if any."""

    def __init__(self, dossier: str, fichier: str, motif: str, structure: dict | None = None,
                 manifest_sha256: str | None = None, periode: str | None = None):
        self.manifest_sha256, self.periode = manifest_sha256, periode
        # one line, whatever a value read from the package holds
        self.dossier, self.fichier, self.motif = dossier, fichier, " ".join(motif.splitlines())
        structure = structure or {}
        self.code = structure.get("code") or Path(dossier).name
        self.nom = structure.get("nom") or f"dossier {dossier}"
        self.nom_court = structure.get("nom_court") or self.nom
        self.identifie = bool(structure.get("code"))
        super().__init__(self.message())

    def qui(self) -> str:
        return f"{self.code} ({self.nom})" if self.identifie else f"dossier {self.dossier}"

    def message(self) -> str:
        return f"Paquet refusé : {self.qui()} : {self.motif}"


def _ouvrir_dossier(dossier: Path) -> int:
    return os.open(dossier, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)


def _lire(fd_dossier: int, nom: str) -> bytes:
    """A regular file of the package, never through a link (OSError otherwise)."""
    fd = os.open(nom, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd_dossier)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(nom)
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    finally:
        os.close(fd)


def _probleme_lecture(exc: OSError) -> str:
    if exc.errno in (errno.ELOOP, errno.ENOTDIR) or isinstance(exc, IsADirectoryError):
        return "lien symbolique ou fichier spécial, non suivi"
    if isinstance(exc, FileNotFoundError):
        return "fichier absent"
    return f"illisible ({exc.strerror or exc})"


def verifier_paquet(dossier: Path, racine: Path, periode: Periode, dictionnaire: dict[str, Indicateur],
                    version_dictionnaire: str) -> Paquet:
    """The package of `dossier` (under `racine`, the packages folder) checked whole; PaquetRefuse otherwise."""
    relatif = dossier.relative_to(racine).as_posix() if dossier.is_relative_to(racine) else str(dossier)

    empreinte_manifest = periode_manifest = None

    def refus(nom: str, motif: str, structure: dict | None = None) -> PaquetRefuse:
        return PaquetRefuse(relatif, f"{relatif}/{nom}", f"{relatif}/{nom} : {motif}", structure, empreinte_manifest,
                            periode_manifest)

    try:
        fd = _ouvrir_dossier(dossier)
    except OSError as exc:
        motif = (_probleme_lecture(exc) if exc.errno in (errno.ELOOP, errno.ENOTDIR)
                 else f"dossier illisible ({exc.strerror or exc})")
        raise PaquetRefuse(relatif, relatif, f"{relatif} : {motif}") from None
    try:
        # 1. the manifest
        try:
            octets_manifest = _lire(fd, MANIFEST)
        except OSError as exc:
            raise refus(MANIFEST, _probleme_lecture(exc)) from None
        empreinte_manifest = hashlib.sha256(octets_manifest).hexdigest()
        try:
            manifest = json.loads(octets_manifest.decode("utf-8"))
        except UnicodeDecodeError:
            raise refus(MANIFEST, "illisible (pas de l'UTF-8)") from None
        except json.JSONDecodeError as exc:
            raise refus(MANIFEST, f"JSON invalide (ligne {exc.lineno}, colonne {exc.colno})") from None
        except RecursionError:
            raise refus(MANIFEST, "JSON invalide (imbrication trop profonde)") from None
        structure = _structure(manifest)
        if structure is not None and isinstance(manifest.get("periode"), str):
            periode_manifest = manifest["periode"]
        if probleme := _probleme_format(manifest):
            raise refus(MANIFEST, f"format de paquet invalide : {probleme}", structure)
        # 2. the files: each one listed present, same SHA-256 and size; nothing else
        contenus, empreintes = {}, {}
        for nom, attendu in sorted(manifest["fichiers"].items()):
            try:
                contenu = _lire(fd, nom)
            except OSError as exc:
                raise refus(nom, f"listé dans {MANIFEST} : {_probleme_lecture(exc)}", structure) from None
            empreinte = hashlib.sha256(contenu).hexdigest()
            if len(contenu) != attendu["octets"]:
                raise refus(nom, f"taille {len(contenu)} octets, {attendu['octets']} selon {MANIFEST} (fichier "
                                 "modifié ou tronqué)", structure)
            if empreinte != attendu["sha256"]:
                raise refus(nom, f"somme de contrôle SHA-256 différente de celle de {MANIFEST} (fichier modifié)",
                            structure)
            contenus[nom], empreintes[nom] = contenu, empreinte
        if extras := sorted(set(os.listdir(fd)) - set(contenus) - {MANIFEST}):
            raise refus(extras[0], f"fichier non listé dans {MANIFEST} (le paquet ne doit contenir que les fichiers "
                                   f"de son manifeste ; en trop : {', '.join(extras)})", structure)
    finally:
        os.close(fd)
    # 3. the contract of agregats.csv
    try:
        lignes = lire_agregats(contenus[AGREGATS], dictionnaire, manifest["fichiers"][AGREGATS]["lignes"],
                               structure["code"])
    except ValueError as exc:
        raise refus(AGREGATS, f"contrat non respecté : {exc}", structure) from None
    # 4. the period
    if manifest["periode"] != periode.label:
        raise refus(MANIFEST, f"paquet de la période « {manifest['periode']} », consolidation de la période "
                              f"« {periode.label} »", structure)
    periodes = {(date.fromisoformat(p["debut"]), date.fromisoformat(p["fin"])) for p in manifest["periodes"]}
    for n, ligne in enumerate(lignes, start=2):
        if (ligne["periode_debut"], ligne["periode_fin"]) not in periodes:
            raise refus(AGREGATS, str(Probleme(AGREGATS, f"période absente de « periodes » de {MANIFEST}",
                                               "periode_debut", n, ligne["periode_debut"].isoformat())), structure)
    # 5. the dictionary version
    if manifest["dictionnaire"]["version"] != version_dictionnaire:
        raise refus(MANIFEST, f"calculé avec une autre version du dictionnaire des indicateurs "
                              f"({manifest['dictionnaire']['version'][:12]}…, la nôtre : {version_dictionnaire[:12]}…)",
                    structure)
    # 6. the quality status
    qualite = manifest["qualite"]
    if qualite.get("statut") not in STATUTS_ACCEPTES or qualite.get("echecs_bloquants", 0) not in (0, None):
        raise refus(MANIFEST, f"statut de qualité « {qualite.get('statut')} » ({qualite.get('echecs_bloquants')} "
                              f"échec(s) bloquant(s)) : attendu {' ou '.join(STATUTS_ACCEPTES)}", structure)
    return Paquet(relatif, manifest, empreinte_manifest, empreintes, tuple(lignes),
                  contenus[AGREGATS])


def _structure(manifest) -> dict | None:
    """The structure's identity when the manifest says it well enough to name it in a message."""
    s = manifest.get("structure") if isinstance(manifest, dict) else None
    if isinstance(s, dict) and isinstance(s.get("code"), str) and CODE_STRUCTURE.fullmatch(s["code"]) \
            and isinstance(s.get("nom"), str) and s["nom"].strip():
        return s
    return None


def _probleme_format(m) -> str | None:
    """What makes the manifest not a package's of this format, None when nothing."""
    if not isinstance(m, dict):
        return "un objet JSON est attendu"
    if m.get("format") != FORMAT or m.get("version_format") != VERSION_FORMAT:
        return (f"« format » {m.get('format')!r}, « version_format » {m.get('version_format')!r} (attendu "
                f"{FORMAT!r}, {VERSION_FORMAT})")
    if _structure(m) is None:
        return "« structure » sans code valide (lettres, chiffres, - et _) ou sans nom"
    if not isinstance(m.get("periode"), str):
        return "« periode » absente"
    periodes = m.get("periodes")
    if not isinstance(periodes, list) or not periodes or not all(
            isinstance(p, dict) and all(isinstance(p.get(k), str) and _DATE.fullmatch(p[k]) and _date(p[k])
                                        for k in ("debut", "fin")) for p in periodes):
        return "« periodes » : attendu une liste de {debut, fin} en AAAA-MM-JJ"
    if not isinstance(m.get("dictionnaire"), dict) or not isinstance(m["dictionnaire"].get("version"), str):
        return "« dictionnaire.version » absente"
    if not isinstance(m.get("qualite"), dict):
        return "« qualite » absente"
    fichiers = m.get("fichiers")
    if not isinstance(fichiers, dict) or AGREGATS not in fichiers:
        return f"« fichiers » doit lister {AGREGATS}"
    for nom, f in fichiers.items():
        if not isinstance(nom, str) or nom in ("", ".", "..", MANIFEST) or "/" in nom or "\\" in nom \
                or "\0" in nom:
            return f"« fichiers » : nom de fichier invalide « {nom} »"
        if not isinstance(f, dict) or not isinstance(f.get("sha256"), str) or not _SHA256.fullmatch(f["sha256"]) \
                or not _entier(f.get("octets")) or not _entier(f.get("lignes", 0)):
            return f"« fichiers » : « {nom} » sans sha256 (64 caractères hexadécimaux), octets, lignes"
    return None


def _entier(valeur) -> bool:
    return isinstance(valeur, int) and not isinstance(valeur, bool) and valeur >= 0


def _date(texte: str) -> date | None:
    try:
        return date.fromisoformat(texte)
    except ValueError:
        return None


def lire_agregats(contenu: bytes, dictionnaire: dict[str, Indicateur], lignes_attendues: int | None = None,
                  structure: str | None = None) -> list:
    """The rows of an agregats.csv, typed and checked against the contract and the dictionary: each a dict with
    structure, periode_debut, periode_fin (date), indicateur, modalite (None when empty), valeur, unite, agregation,
    numerateur, denominateur (float or None). ValueError (French: line, column, value) at the first fault."""
    def probleme(message: str, colonne: str | None = None, ligne: int | None = None, valeur=None) -> ValueError:
        return ValueError(str(Probleme(AGREGATS, message, colonne, ligne, valeur)))

    try:
        texte = contenu.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise probleme(f"pas de l'UTF-8 (octet {exc.start})") from None
    lecteur = csv.reader(io.StringIO(texte, newline=""), strict=True)
    try:
        entete = next(lecteur, None)
        if entete is None or tuple(entete) != COLONNES:
            raise probleme(f"en-tête attendu {','.join(COLONNES)}", ligne=1, valeur=",".join(entete or []))
        lignes, vues = [], {}
        for brute in lecteur:
            n = lecteur.line_num
            if len(brute) != len(COLONNES):
                raise probleme(f"{len(brute)} champ(s), {len(COLONNES)} attendus", ligne=n, valeur=",".join(brute))
            r = dict(zip(COLONNES, brute, strict=True))
            lignes.append({"structure": structure, **_ligne(r, n, dictionnaire, probleme)})
            cle = (r["periode_debut"], r["periode_fin"], r["indicateur"], r["modalite"])
            if cle in vues:
                raise probleme(f"période, indicateur et modalité déjà présents ligne {vues[cle]}", "modalite", n,
                               r["modalite"])
            vues[cle] = n
    except csv.Error as exc:
        raise probleme(f"CSV mal formé ({exc})", ligne=lecteur.line_num) from None
    if lignes_attendues is not None and len(lignes) != lignes_attendues:
        raise probleme(f"{len(lignes)} ligne(s) de données, {lignes_attendues} selon {MANIFEST}")
    return lignes


def _ligne(r: dict, n: int, dictionnaire: dict[str, Indicateur], probleme) -> dict:
    """One typed row; the contract's checks for it."""
    dates = {}
    for colonne in ("periode_debut", "periode_fin"):
        if (d := _jour(r[colonne])) is None:
            raise probleme("date attendue (AAAA-MM-JJ)", colonne, n, r[colonne])
        dates[colonne] = d
    if dates["periode_fin"] < dates["periode_debut"]:
        raise probleme("fin de période avant son début", "periode_fin", n, r["periode_fin"])
    indicateur = dictionnaire.get(r["indicateur"])
    if indicateur is None:
        raise probleme("indicateur inconnu du dictionnaire", "indicateur", n, r["indicateur"])
    if r["unite"] != indicateur.unite:
        raise probleme(f"unité de « {indicateur.id} » dans le dictionnaire : {indicateur.unite}", "unite", n,
                       r["unite"])
    if r["agregation"] != indicateur.agregation:
        raise probleme(f"agrégation de « {indicateur.id} » dans le dictionnaire : {indicateur.agregation}",
                       "agregation", n, r["agregation"])
    nombres = {}
    for colonne in ("valeur", "numerateur", "denominateur"):
        if (nombre := _nombre(r[colonne])) is False:
            raise probleme("nombre attendu (chiffres, point décimal) ou vide", colonne, n, r[colonne])
        nombres[colonne] = nombre
    valeur, num, den = nombres["valeur"], nombres["numerateur"], nombres["denominateur"]
    for colonne in ("numerateur", "denominateur"):  # what DECIMAL(38, 6) holds exactly
        nombre = nombres[colonne]
        if nombre is not None and (-nombre.as_tuple().exponent > 6 or abs(nombre) >= 10 ** 31):
            raise probleme("6 décimales au plus, moins de 10^31", colonne, n, r[colonne])
    if valeur is not None and not _canonique(r["valeur"], indicateur.unite):
        raise probleme(f"valeur mal arrondie pour l'unité {indicateur.unite} (format de indicateurs.csv)", "valeur", n,
                       r["valeur"])
    agregation = indicateur.agregation
    if agregation == SOMME:
        if den is not None:
            raise probleme("dénominateur vide attendu pour une somme", "denominateur", n, r["denominateur"])
        if (num is None) != (valeur is None):
            raise probleme("numérateur attendu égal à la valeur (vide si la valeur l'est)", "numerateur", n,
                           r["numerateur"])
    elif agregation in (RAPPORT, EVOLUTION):
        if (num is None) != (den is None):
            colonne = "numerateur" if num is None else "denominateur"
            raise probleme("numérateur et dénominateur tous deux renseignés ou tous deux vides", colonne, n, r[colonne])
        if den is not None and den < 0:
            raise probleme("dénominateur négatif", "denominateur", n, r["denominateur"])
    elif agregation == NON_AGREGEABLE and (num is not None or den is not None):
        colonne = "numerateur" if num is not None else "denominateur"
        raise probleme("vide attendu pour un indicateur non agrégeable", colonne, n, r[colonne])
    return {"periode_debut": dates["periode_debut"], "periode_fin": dates["periode_fin"], "indicateur": r["indicateur"],
            "modalite": r["modalite"] or None, "valeur": _flottant(valeur), "unite": r["unite"],
            "agregation": agregation, "numerateur": _flottant(num), "denominateur": _flottant(den)}


@functools.lru_cache(maxsize=1 << 16)
def _nombre(texte: str) -> Decimal | None | bool:
    """A number of the contract (digits, a decimal point), None when empty, False when not a number."""
    if texte == "":
        return None
    return Decimal(texte) if _NOMBRE.fullmatch(texte) else False


@functools.lru_cache(maxsize=1 << 16)
def _canonique(texte: str, unite: str) -> bool:
    """Whether a value is written as indicateurs.csv writes it (format_valeur)."""
    return format_valeur(Decimal(texte), unite) == texte


@functools.lru_cache(maxsize=1 << 10)
def _jour(texte: str) -> date | None:
    return _date(texte) if _DATE.fullmatch(texte) else None


def _flottant(nombre: Decimal | None) -> float | None:
    return None if nombre is None else float(nombre)
