"""The regional funder extracts (config/reseau/financeurs/*.yaml): each a selection of the consolidated table masked
once (`secret.secretiser_reseau`), the network's rows and, with `structures: true`, each structure's beside them
(a `structure` column), written with a Mission Locale's writers (XLSX, CSV, definitions, manifest.json) into
`<staging>/extraits/<financeur>/<période>/`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path

from ..extraits import (
    Extrait,
    Financeur,
    Secretisation,
    Sources,
    Tracabilite,
    construire_extrait,
    ecrire_extrait,
    verifier_indicateurs,
)
from ..extraits.selection import FINANCEURS_RESEAU, charger_financeurs
from ..extraits.tracabilite import version
from ..periods import Periode


def charger_financeurs_reseau(dossier: Path = FINANCEURS_RESEAU) -> list[Financeur]:
    """The network's funders, checked for their shape (`ConfigurationInvalide`, French message naming the file)."""
    return charger_financeurs(dossier, reseau=True)


def sources_reseau(nom: str, paquets: Iterable[tuple[str, str]] = (), date_exports: date | None = None,
                   run_id: str | None = None) -> Sources:
    """The extracts' sources for a network: its name, the packages consolidated ((`<code>/agregats.csv`, SHA-256)
    of each, listed as the source files) and the version of milo-pipeline."""
    return Sources(mission_locale=nom, exports=tuple(paquets), date_exports=date_exports,
                   tracabilite=Tracabilite(version=version(), run_id=run_id))


def extrait_reseau(table: Secretisation, dictionnaire: Iterable[Mapping], financeur: Financeur, periode: Periode,
                   seuil: int, reseau: str) -> Extrait:
    """A funder's selection of the masked consolidated table: the network's rows (`structure == reseau`), and every
    structure's when the funder asks for them. An id unknown to the dictionary raises `ConfigurationInvalide`."""
    dictionnaire = list(dictionnaire)
    verifier_indicateurs(financeur, (d["indicateur"] for d in dictionnaire))
    lignes = [r for r in table.lignes if financeur.structures or r["structure"] == reseau]
    return construire_extrait(lignes, dictionnaire, financeur, periode, seuil)


def ecrire_extraits_reseau(table: Secretisation, financeurs: Iterable[Financeur], staging: Path,
                           dictionnaire: Iterable[Mapping], periode: Periode, sources: Sources, seuil: int,
                           reseau: str, genere_le: datetime) -> list[Extrait]:
    """Write every funder's extract into `staging/extraits/<financeur>/<période>/`; the extracts written (a funder
    none of whose periods the consolidation has gets none). Record their cells with `registre.envoyer`."""
    dictionnaire = list(dictionnaire)
    ecrits = []
    for financeur in financeurs:
        extrait = extrait_reseau(table, dictionnaire, financeur, periode, seuil, reseau)
        if not extrait.lignes:
            continue
        ecrire_extrait(extrait, sources, Path(staging) / "extraits" / financeur.code / periode.label, genere_le)
        ecrits.append(extrait)
    return ecrits
