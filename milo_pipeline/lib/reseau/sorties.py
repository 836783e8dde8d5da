"""Everything a consolidation publishes, for the command and the Dagster asset alike, in the order that keeps the
network's promises:

1. the consolidated table (network rows + each structure's) masked ONCE for every public output, with the strictest
   threshold of the network's public report and regional funders, against what the network sent before (its
   register, `MILO_HOME/reseau.duckdb`): `secret.secretiser_reseau`;
2. staged in one folder: `indicateurs_reseau.csv` (internal, exact), the regional report in its versions
   (`rapport_reseau_<période>[_public].pdf/.html`, both always: the internal one from the exact rows, the public
   one from the masked table with the threshold of config/reseau.yaml), the regional funder extracts
   (`extraits/<financeur>/<période>/`), `consolidation.json`;
3. the cells of every public output recorded as about to be sent, then published all or nothing and moved into the
   register in the same transaction (`registre.valider`): nothing recorded when nothing is published."""

from __future__ import annotations

import csv
import uuid
from datetime import datetime
from pathlib import Path

from ..dictionnaire import SEED, lire_csv
from ..extraits import seuil_commun
from ..outputs import publish
from ..report.diffusion import INTERNE, VERSIONS
from ..report.reseau import contexte_rapport_reseau, rendre_rapport_reseau
from . import registre
from .consolidation import Consolidation, publier_consolidation
from .extraits import charger_financeurs_reseau, ecrire_extraits_reseau, sources_reseau
from .secret import secretiser_reseau

SEEDS = SEED.parent
DESTINATAIRE_RAPPORT = "rapport_reseau_public"


def _seed(nom: str) -> list[dict]:
    """A seed's rows typed as the report reads them from a warehouse (`ordre` an integer)."""
    with open(SEEDS / nom, encoding="utf-8", newline="") as f:
        lignes = [{k: (None if v == "" else v) for k, v in r.items()} for r in csv.DictReader(f)]
    for r in lignes:
        if r.get("ordre") is not None:
            r["ordre"] = int(r["ordre"])
    return lignes


def _genere_le(consolidation: Consolidation) -> datetime:
    return datetime.fromisoformat(consolidation.genere_le) if consolidation.genere_le else datetime.now().astimezone()


def publier(consolidation: Consolidation, out: Path, milo_home: Path) -> dict[str, list[Path]]:
    """Mask, stage, record and publish the consolidation's outputs into `out` (module docstring). Returns the files
    published by kind: `rapport` (the report's PDF and page of each version), `extraits`, `tous`. Raises
    RienAConsolider, PublicationImpossible (nothing published, nothing recorded) or ConfigurationInvalide."""
    reseau = consolidation.reseau
    financeurs = charger_financeurs_reseau()
    seuil = seuil_commun(financeurs, int(reseau.get("seuil") or 5))
    base = registre.chemin(Path(milo_home))
    periodes = dict.fromkeys((r["periode_debut"], r["periode_fin"]) for r in consolidation.lignes)
    table = secretiser_reseau(consolidation.lignes, None, seuil, registre.publiees_reseau(base, periodes),
                              reseau=reseau["code"])
    publiques = [{**r, "secret": table.motifs.get(k)} for r, k in
                 ((r, (r["structure"], r["periode_debut"], r["periode_fin"], r["indicateur"], r["modalite"]))
                  for r in table.lignes)]
    dictionnaire, programmes, vocabulaires = lire_csv(), _seed("programmes.csv"), _seed("vocabulaires.csv")
    genere_le = _genere_le(consolidation)
    run_id = uuid.uuid4().hex
    ecrits: dict[str, list[Path]] = {"rapport": [], "extraits": []}

    def rapport(c: Consolidation, dossier: Path) -> None:
        for version in VERSIONS:
            lignes = c.lignes if version == INTERNE else publiques
            contexte = contexte_rapport_reseau(reseau, c.periode, c.structures, lignes, dictionnaire, programmes,
                                               vocabulaires, version=version, seuil=seuil,
                                               genere_le=genere_le.date())
            ecrits["rapport"] += [p.relative_to(dossier) for p in rendre_rapport_reseau(contexte, dossier)]
        registre.envoyer(base, run_id, DESTINATAIRE_RAPPORT, table.lignes, table)

    def extraits(c: Consolidation, dossier: Path) -> None:
        paquets = [(f"{s.code}/{nom}", sha) for s in c.incluses for nom, sha in s.fichiers]
        sources = sources_reseau(reseau["nom"], paquets, run_id=run_id)
        for extrait in ecrire_extraits_reseau(table, financeurs, dossier, dictionnaire, c.periode, sources, seuil,
                                              reseau["code"], genere_le):
            registre.envoyer(base, run_id, extrait.financeur.code, extrait.lignes, table)
            ecrits["extraits"].append(Path("extraits") / extrait.financeur.code / c.periode.label)

    def publication(staging: Path, destination: Path) -> list[Path]:
        return registre.valider(base, run_id, lambda: publish(staging, destination), genere_le)[1]

    try:
        tous = publier_consolidation(consolidation, out, milo_home, ecrivains=[rapport, extraits],
                                     publication=publication)
    except BaseException:
        registre.abandonner(base, run_id)
        raise
    return {"rapport": [Path(out) / p for p in ecrits["rapport"]],
            "extraits": [Path(out) / p for p in ecrits["extraits"]], "tous": tous}
