"""Which versions of the report a run writes (config/diffusion.yaml), and the marks of the public version.

The internal version is the exact table, « Diffusion restreinte » on every page; the public one is built from the
table masked by disclosure control (a masked cell's `valeur` is `"s"`, its `secret` the reason): each masked cell
reaches the templates and charts as a `formatting.Masque`, written « < k » for a count masked because it is from
1 to k−1, « s » otherwise, never summed, sorted by value nor drawn; each section lists the marks it shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from milo_pipeline.lib.extraits import ConfigurationInvalide
from milo_pipeline.lib.formatting import Masque

INTERNE, PUBLIQUE = "interne", "publique"
VERSIONS = (INTERNE, PUBLIQUE)
SEUIL_PUBLIC = 5
LEGENDE_PRIMAIRE = "< {k} : effectif de 1 à {k1}, masqué (secret statistique)."
LEGENDE_SECRET = "s : secret statistique (valeur masquée)."


@dataclass(frozen=True)
class Diffusion:
    """Which versions of the report a run writes, and the threshold k of the public one (config/diffusion.yaml)."""

    versions: tuple[str, ...] = VERSIONS
    seuil: int = SEUIL_PUBLIC


def lire_diffusion(path: str | Path) -> Diffusion:
    """config/diffusion.yaml (keys `versions`, `seuil`); a missing file gives the defaults (both, k = 5). A mistake
    is refused with the file and the key named."""
    path = Path(path)
    nom = f"config/{path.name}"
    if not path.is_file():
        return Diffusion()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigurationInvalide(f"{nom} : YAML illisible ({exc})") from None
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ConfigurationInvalide(f"{nom} : attendu les clés versions et seuil")
    problemes = []
    if inconnues := sorted(set(data) - {"versions", "seuil"}):
        problemes.append(f"clé(s) inconnue(s) {inconnues} (attendu versions, seuil)")
    versions = data.get("versions", list(VERSIONS))
    if isinstance(versions, str):
        versions = [versions]
    if not isinstance(versions, list) or not versions:
        problemes.append(f"`versions` : {versions!r} invalide (attendu une liste parmi {list(VERSIONS)})")
        versions = []
    elif bad := [v for v in versions if v not in VERSIONS]:
        problemes.append(f"`versions` : {bad} inconnue(s) (attendu parmi {list(VERSIONS)})")
    seuil = data.get("seuil", SEUIL_PUBLIC)
    if not isinstance(seuil, int) or isinstance(seuil, bool) or seuil < 2:
        problemes.append(f"`seuil` : {seuil!r} invalide (attendu un entier ≥ 2)")
    if problemes:
        raise ConfigurationInvalide("\n".join(f"{nom} : {p}" for p in problemes))
    return Diffusion(tuple(v for v in VERSIONS if v in versions), seuil)


def options_diffusion(version: str, seuil: int) -> dict[str, Any]:
    """What the templates need to know of the version: the internal one is marked « Diffusion restreinte »."""
    if version not in VERSIONS:
        raise ValueError(f"Version du rapport inconnue : {version!r} (attendu : {', '.join(VERSIONS)})")
    publique = version == PUBLIQUE
    return {"version": version, "publique": publique, "interne": not publique, "seuil": seuil}


def legende_secret(masques: Iterable[Masque]) -> list[str]:
    """What the marks shown mean: « < k » (a count from 1 to k−1), « s » (any other masked value)."""
    seuils = sorted({m.seuil for m in masques if m.seuil})
    legende = [LEGENDE_PRIMAIRE.format(k=k, k1=k - 1) for k in seuils]
    if any(not m.seuil for m in masques):
        legende.append(LEGENDE_SECRET)
    return legende
