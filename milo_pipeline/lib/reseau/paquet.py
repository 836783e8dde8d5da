"""The network package of a Mission Locale's run: what its network (the regional association) consolidates.

A run that publishes writes, beside its funder extracts, the folder `reseau/<code>_<période>/` of its staging folder
(published all or nothing with the other outputs), two files:

- `agregats.csv`: the rows of `indicateurs.csv` (same rows, order and `valeur` bytes) with `agregation`,
  `numerateur` and `denominateur`, read from the mart `agregats_reseau` (computed in dbt from the exact values:
  the dictionary's column `agregation` says how each indicator adds up);
- `manifest.json`: the structure (config/mission_locale.yaml or MILO_MISSION_LOCALE), the period, the dictionary's
  version (SHA-256 of the seed), the run's quality status, the run and the version of milo-pipeline, and each
  file's SHA-256, size and rows.

The package holds unsuppressed aggregates (no youth-level row): it goes to the network under its agreement, and
whatever the network publishes from it goes through disclosure control. `agregats.csv` depends only on the exports
and the dictionary: the same exports give the same bytes; the generation time lives only in the manifest.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from ..configuration import fichier_mission_locale, mission_locale
from ..dbt_project import dossier_projet
from ..dictionnaire import SEED, version_dictionnaire
from ..extraits.manifest import sha256
from ..extraits.tracabilite import Qualite, version
from ..outputs import COLONNES, format_valeur
from ..periods import Periode, periods_to_compute
from ..warehouse import read_rows

FORMAT, VERSION_FORMAT = "milo-pipeline/paquet-reseau", 1
AGREGATS, MANIFEST = "agregats.csv", "manifest.json"
DOSSIER = "reseau"
COLONNES_AGREGATS = (*COLONNES, "agregation", "numerateur", "denominateur")
CLES_STRUCTURE = ("code", "nom", "nom_court", "departement", "region")
STATUT_CONFORME, STATUT_AVERTISSEMENTS = "conforme", "avertissements"


class PaquetImpossible(ValueError):
    """The package cannot be written (the Mission Locale's file has no valid `code`); str() is in French."""


@dataclass(frozen=True)
class Paquet:
    dossier: Path
    """The package's folder in the staging folder (`reseau/<code>_<période>`)."""
    fichiers: Mapping[str, bytes]
    lignes: int
    """Rows of agregats.csv, header excluded."""


def lire_agregats(warehouse: Path) -> list[dict]:
    """The mart `agregats_reseau` (the run's own periods), in the order of indicateurs.csv."""
    return read_rows(warehouse, "select * from main.agregats_reseau "
                                "order by periode_debut, periode_fin, ordre, modalite_ordre, modalite")


def _nombre(valeur, decimales: int) -> str:
    if valeur is None:
        return ""
    return str(Decimal(str(valeur)).quantize(Decimal(1).scaleb(-decimales), rounding=ROUND_HALF_UP))


def agregats_csv(lignes: Iterable[Mapping]) -> bytes:
    """agregats.csv (UTF-8, `,`, `\\n`): the columns of indicateurs.csv written as it writes them, then
    `agregation`, `numerateur` (to its `numerateur_decimales`) and `denominateur` (an integer); empty = none."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLONNES_AGREGATS)
    for r in lignes:
        writer.writerow([
            r["periode_debut"].isoformat(), r["periode_fin"].isoformat(), r["indicateur"], r["modalite"] or "",
            format_valeur(r["valeur"], r["unite"]), r["unite"], r["agregation"],
            _nombre(r["numerateur"], int(r["numerateur_decimales"])),
            "" if r["denominateur"] is None else str(int(r["denominateur"])),
        ])
    return buffer.getvalue().encode("utf-8")


def structure() -> dict:
    """The Mission Locale as its network knows it (code, names, territory), from `configuration.mission_locale()`;
    PaquetImpossible (file and key named) without a valid `code`."""
    try:
        donnees = mission_locale()
    except ValueError as exc:
        raise PaquetImpossible(str(exc)) from None
    if donnees.get("code") is None:  # an invalid one was refused by mission_locale()
        raise PaquetImpossible(f"{fichier_mission_locale()}, clé « code » manquante : le code de la structure dans "
                               "son réseau est nécessaire au paquet réseau (lettres, chiffres, - et _, par exemple "
                               "code: ML-BESANCON)")
    return {cle: (None if donnees.get(cle) is None else str(donnees[cle])) for cle in CLES_STRUCTURE}


def qualite_paquet(qualite: Qualite) -> dict:
    """The run's quality status as a package carries it. A package exists only for a run whose blocking checks
    all passed (`echecs_bloquants` 0); the checks that warned and the ingestion's warnings are `avertissements`."""
    avertissements = len(qualite.avertissements) + len(qualite.ingestion)
    return {"statut": STATUT_AVERTISSEMENTS if avertissements else STATUT_CONFORME,
            "controles": (qualite.reussis or 0) + len(qualite.avertissements),
            "echecs_bloquants": 0, "avertissements": avertissements}


def manifeste(structure_ml: Mapping, periode: Periode, qualite: Qualite, run_id: str | None,
              fichiers: Mapping[str, bytes], genere_le: datetime) -> bytes:
    """manifest.json (keys sorted, indent 2, UTF-8): what the consolidation checks before reading a row. The
    dictionary's version is the SHA-256 of the seed of the dbt project the run built (MILO_DBT_PROJECT, else the
    repository's)."""
    periodes = sorted(periods_to_compute(periode), key=lambda p: (p.debut, p.fin))
    contenu = {
        "format": FORMAT, "version_format": VERSION_FORMAT,
        "structure": dict(structure_ml),
        "periode": periode.label,
        "periodes": [{"debut": p.debut.isoformat(), "fin": p.fin.isoformat()} for p in periodes],
        "dictionnaire": {"version": version_dictionnaire(dossier_projet() / "seeds" / SEED.name)},
        "qualite": qualite_paquet(qualite),
        "run_id": run_id, "version": version(), "genere_le": genere_le.isoformat(timespec="seconds"),
        "fichiers": {nom: {"sha256": sha256(data), "octets": len(data), "lignes": data.count(b"\n") - 1}
                     for nom, data in sorted(fichiers.items())},
    }
    return (json.dumps(contenu, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def nom_dossier(code: str, periode: Periode) -> str:
    """`ML-BESANCON_2024`: the package's folder under `reseau/`."""
    return f"{code}_{periode.label}"


def ecrire_paquet(warehouse: Path, periode: Periode, qualite: Qualite, run_id: str | None, staging: Path,
                  genere_le: datetime) -> Paquet:
    """Write the package of the run into `staging/reseau/<code>_<période>/` (the run's staging folder, published
    with the other outputs). PaquetImpossible before anything is written if the structure has no valid code."""
    structure_ml = structure()
    lignes = lire_agregats(warehouse)
    fichiers = {AGREGATS: agregats_csv(lignes)}
    fichiers[MANIFEST] = manifeste(structure_ml, periode, qualite, run_id, fichiers, genere_le)
    dossier = staging / DOSSIER / nom_dossier(structure_ml["code"], periode)
    dossier.mkdir(parents=True, exist_ok=True)
    for nom, data in fichiers.items():
        (dossier / nom).write_bytes(data)
    return Paquet(dossier, fichiers, len(lignes))
