"""Settings read by Python from milo_pipeline/config/ that several outputs share, each file read once per process."""

from __future__ import annotations

import copy
import functools
import os
import re
from pathlib import Path

import yaml

DOSSIER = Path(__file__).resolve().parent.parent / "config"


@functools.cache
def _lire(nom: str) -> dict:
    return yaml.safe_load((DOSSIER / nom).read_text(encoding="utf-8")) or {}


CODE_STRUCTURE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")


@functools.cache
def _lire_fichier(chemin: str) -> dict:
    return yaml.safe_load(Path(chemin).read_text(encoding="utf-8")) or {}


def fichier_mission_locale() -> str:
    """The file `mission_locale()` reads, as the messages name it: MILO_MISSION_LOCALE, else the packaged one."""
    return os.environ.get("MILO_MISSION_LOCALE") or "config/mission_locale.yaml"


def mission_locale() -> dict:
    """config/mission_locale.yaml, or the file named by MILO_MISSION_LOCALE (a network hosting several structures):
    the structure that publishes (code, name, short name, territory names); a copy the caller may change.
    ValueError (French) if its `code` is not a structure code."""
    chemin = os.environ.get("MILO_MISSION_LOCALE")
    donnees = copy.deepcopy(_lire_fichier(chemin) if chemin else _lire("mission_locale.yaml"))
    code = donnees.get("code")
    if code is not None and not CODE_STRUCTURE.fullmatch(str(code)):
        raise ValueError(f"{fichier_mission_locale()}, clé « code » : « {code} » invalide (attendu "
                         "lettres, chiffres, - et _, 32 caractères au plus, par exemple ML-BESANCON)")
    return donnees


THEMATIQUES = ("sante", "ctai")


def programmes_thematiques() -> dict[str, tuple[str, ...]]:
    """config/programmes_thematiques.yaml: for each thematic section of the report (`sante`, `ctai`), the starts
    of the names of its programmes. ValueError (French: file, key, value) if a section is missing or not a list of
    names."""
    donnees = _lire(FICHIER_THEMATIQUES)
    resultat = {}
    for cle in THEMATIQUES:
        valeur = donnees.get(cle)
        if not isinstance(valeur, list) or not valeur or not all(isinstance(v, str) and v.strip() for v in valeur):
            raise ValueError(f"config/{FICHIER_THEMATIQUES}, clé « {cle} » : « {valeur} » invalide (attendu une liste "
                             "de débuts de noms de dispositifs, par exemple [PROJET SANTE])")
        resultat[cle] = tuple(v.strip() for v in valeur)
    return resultat


FICHIER_THEMATIQUES = "programmes_thematiques.yaml"
