"""The extract's manifest.json (files and their SHA-256, periods, sources, quality status, disclosure control) and
the writing of an extract's files into the run's staging folder."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from ..suppression import MASQUE
from .selection import Extrait, Sources
from .writing import fichiers_extrait


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifeste(extrait: Extrait, sources: Sources, fichiers: Mapping[str, bytes], genere_le: datetime,
              avertissements: Iterable[str] = ()) -> bytes:
    """manifest.json: the files and their SHA-256, the periods, the sources, the data-quality status, the run's id
    and the version of milo-pipeline. Written only by a run whose blocking checks all passed; the checks that only
    warned are listed (`avertissements`, with those of `sources.tracabilite.qualite`), and the ingestion's
    warnings."""
    t = sources.tracabilite
    avertissements = sorted({*avertissements, *t.qualite.avertissements})
    periode = {"debut": extrait.periode.debut.isoformat(), "fin": extrait.periode.fin.isoformat()}
    contenu = {
        "financeur": extrait.financeur.nom,
        "code": extrait.financeur.code,
        "mission_locale": sources.mission_locale,
        "periode": periode,
        "periodes_extraites": [{"debut": p.debut.isoformat(), "fin": p.fin.isoformat()} for p in extrait.periodes],
        "genere_le": genere_le.isoformat(timespec="seconds"),
        "run_id": t.run_id,
        "version_milo_pipeline": t.version,
        "date_exports": sources.date_exports.isoformat() if sources.date_exports else None,
        "exports_sources": [{"fichier": nom, "sha256": h} for nom, h in sources.exports],
        "qualite": {
            "statut": "conforme avec avertissements" if avertissements or t.qualite.ingestion else "conforme",
            "controles_bloquants": "tous réussis",
            "controles_reussis": t.qualite.reussis,
            "avertissements": avertissements,
            "avertissements_ingestion": list(t.qualite.ingestion),
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
