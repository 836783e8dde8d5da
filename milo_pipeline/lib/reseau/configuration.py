"""config/reseau.yaml: the network that consolidates (code, names, region, expected structures, threshold k).

`consolidate --reseau FICHIER`, else the environment variable MILO_RESEAU, replaces the packaged file."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from ..configuration import CODE_STRUCTURE

FICHIER = Path(__file__).resolve().parents[2] / "config" / "reseau.yaml"
ENV = "MILO_RESEAU"
CLES_TEXTE = ("nom", "nom_court", "region")


class ReseauInvalide(ValueError):
    """config/reseau.yaml (or the file given) cannot be used as it is; str() is in French (file, key, value)."""


def chemin_reseau(chemin: str | Path | None = None) -> Path:
    """The file describing the network: `chemin`, else $MILO_RESEAU, else config/reseau.yaml."""
    return Path(chemin or os.environ.get(ENV) or FICHIER)


def lire_reseau(chemin: str | Path | None = None) -> dict:
    """The network as a dict: code, nom, nom_court, region, structures (a list of {code, nom}), seuil (int ≥ 2).
    ReseauInvalide with a French message naming the file, the key and the value at fault."""
    fichier = chemin_reseau(chemin)
    try:
        donnees = yaml.safe_load(fichier.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReseauInvalide(f"{fichier} : fichier introuvable") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReseauInvalide(f"{fichier} : illisible ({getattr(exc, 'strerror', None) or exc})") from None
    except yaml.YAMLError as exc:
        lieu = getattr(exc, "problem_mark", None)
        ligne = f", ligne {lieu.line + 1}" if lieu is not None else ""
        raise ReseauInvalide(f"{fichier}{ligne} : YAML invalide") from None
    if not isinstance(donnees, dict):
        raise ReseauInvalide(f"{fichier} : attendu des clés code, nom, nom_court, region, structures, seuil")

    def erreur(cle: str, valeur, attendu: str) -> ReseauInvalide:
        return ReseauInvalide(f"{fichier}, clé « {cle} » : « {valeur} » invalide (attendu {attendu})")

    code = donnees.get("code")
    if not isinstance(code, str) or not CODE_STRUCTURE.fullmatch(code):
        raise erreur("code", code, "lettres, chiffres, - et _, 32 caractères au plus, par exemple ARML-BFC")
    for cle in CLES_TEXTE:
        if not isinstance(donnees.get(cle), str) or not donnees[cle].strip():
            raise erreur(cle, donnees.get(cle), "un texte non vide")
    seuil = donnees.get("seuil", 5)
    if isinstance(seuil, bool) or not isinstance(seuil, int) or seuil < 2:
        raise erreur("seuil", seuil, "un entier ≥ 2, par exemple 5")
    structures = donnees.get("structures") or []
    if not isinstance(structures, list):
        raise erreur("structures", structures, "une liste de {code, nom}, ou [] pour tout paquet trouvé")
    attendues, vues = [], set()
    for n, s in enumerate(structures, start=1):
        if not isinstance(s, dict) or not isinstance(s.get("code"), str) or not CODE_STRUCTURE.fullmatch(s["code"]) \
                or not isinstance(s.get("nom"), str) or not s["nom"].strip():
            raise erreur(f"structures (n° {n})", s, "{code: ML-XXX, nom: …}, code en lettres, chiffres, - et _")
        if s["code"] in vues:
            raise erreur(f"structures (n° {n})", s["code"], "un code une seule fois")
        vues.add(s["code"])
        attendues.append({"code": s["code"], "nom": s["nom"].strip(),
                          "nom_court": str(s.get("nom_court") or s["nom"]).strip()})
    return {"code": code, **{cle: donnees[cle].strip() for cle in CLES_TEXTE}, "structures": attendues,
            "seuil": seuil, "fichier": str(fichier)}
