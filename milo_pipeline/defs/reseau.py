"""The network's consolidation as Dagster assets (group `reseau`), over lib/reseau/:

- `reseau/paquets`, one dynamic partition per structure code (`structures_reseau`): verifies its structure's
  package for the period in the packages folder ($MILO_PAQUETS, else MILO_HOME/paquets); a refused package fails its
  partition with the reason, in French;
- `reseau/consolidation`: verifies every package again, whole, and publishes the network's outputs into
  MILO_OUT/reseau (`milo-pipeline consolidate` does the same from the command line);
- the sensor `paquets_deposes` watches the packages folder: a new structure code adds its partition, and a package
  whose manifest changed (its SHA-256, the cursor) starts the run of its partition and the consolidation of its
  period.

The period is the assets' run config `periode` (AAAA or AAAA-MM); empty: the latest period of the packages found."""

import hashlib
import json

import dagster as dg
from pydantic import Field

from ..lib.extraits import ConfigurationInvalide
from ..lib.outputs import PublicationImpossible
from ..lib.periods import Periode, parse_period
from ..lib.reseau.configuration import ReseauInvalide, lire_reseau
from ..lib.reseau.consolidation import (
    FICHIER_CONSOLIDATION,
    FICHIER_INDICATEURS,
    RienAConsolider,
    consolider,
    dictionnaire_et_version,
)
from ..lib.reseau.inventaire import EntreePaquet, derniere_periode, dossier_paquets, inventaire
from ..lib.reseau.sorties import publier
from ..lib.reseau.verification import PaquetRefuse, verifier_paquet
from .resources import MiloSettings

GROUPE = "reseau"
structures_reseau = dg.DynamicPartitionsDefinition(name="structures_reseau")
PAQUETS = dg.AssetKey([GROUPE, "paquets"])
CONSOLIDATION = dg.AssetKey([GROUPE, "consolidation"])


reseau = dg.define_asset_job(
    "reseau",
    selection=dg.AssetSelection.groups(GROUPE),
    description="La consolidation du réseau : la vérification du paquet d'une structure (une partition par code de "
                "structure) et la consolidation de la période. C'est le job du capteur `paquets_deposes`.",
)


class ConfigReseau(dg.Config):
    periode: str = Field(default="", description="Période des paquets, AAAA ou AAAA-MM ; vide : la plus récente "
                                                 "des paquets trouvés.")


def config_run(periode: str, *cles: dg.AssetKey) -> dict:
    """The run config giving `periode` to each asset of `cles`."""
    return {"ops": {"__".join(cle.path): {"config": {"periode": periode}} for cle in cles}}


def _periode(config: ConfigReseau, entrees: list[EntreePaquet], dossier) -> Periode:
    label = config.periode.strip() or derniere_periode(entrees)
    if label is None:
        raise dg.Failure(description=f"Aucun paquet dans {dossier} : rien à consolider.", allow_retries=False)
    try:
        return parse_period(label)
    except ValueError as exc:
        raise dg.Failure(description=f"Configuration du run : {exc}", allow_retries=False) from None


@dg.asset(
    key=PAQUETS,
    group_name=GROUPE,
    partitions_def=structures_reseau,
    description="Le paquet réseau d'une structure (une partition par code de structure) pour la période, vérifié en "
                "entier : manifeste, sommes de contrôle, contrat d'agregats.csv, période, version du dictionnaire, "
                "statut de qualité. Un paquet refusé met sa partition en échec, avec la raison.",
)
def paquets_reseau(context: dg.AssetExecutionContext, config: ConfigReseau, milo: MiloSettings) -> dg.MaterializeResult:
    code, dossier = context.partition_key, dossier_paquets(milo.home)
    entrees = inventaire(dossier)
    periode = _periode(config, entrees, dossier)
    siens = [e for e in entrees if e.code == code and e.periode == periode.label]
    if not siens:
        raise dg.Failure(description=f"Structure {code} : aucun paquet pour la période {periode.label} dans {dossier}.",
                         allow_retries=False)
    if len(siens) > 1:
        raise dg.Failure(description=f"Structure {code} : {len(siens)} paquets pour la période {periode.label} "
                                     f"({', '.join(e.dossier.name for e in siens)}) : tous refusés.",
                         allow_retries=False)
    dictionnaire, version = dictionnaire_et_version()
    try:
        paquet = verifier_paquet(siens[0].dossier, dossier, periode, dictionnaire, version)
    except PaquetRefuse as exc:
        raise dg.Failure(description=exc.message(), allow_retries=False) from None
    return dg.MaterializeResult(metadata={
        "structure": f"{paquet.code} ({paquet.nom})", "periode": periode.label, "dossier": str(siens[0].dossier),
        "lignes": len(paquet.lignes), "manifest_sha256": paquet.manifest_sha256,
        "statut_qualite": paquet.manifest["qualite"]["statut"]})


@dg.asset(
    key=CONSOLIDATION,
    group_name=GROUPE,
    deps=[PAQUETS],
    description="La consolidation du réseau (config/reseau.yaml) pour la période : chaque paquet vérifié en entier, "
                "les chiffres du réseau recalculés (sommes des numérateurs et des dénominateurs), publiés dans "
                "MILO_OUT/reseau (indicateurs_reseau.csv, consolidation.json), tout ou rien.",
)
def consolidation_reseau(context: dg.AssetExecutionContext, config: ConfigReseau,
                         milo: MiloSettings) -> dg.MaterializeResult:
    dossier = dossier_paquets(milo.home)
    periode = _periode(config, inventaire(dossier), dossier)
    try:
        reseau = lire_reseau()
    except ReseauInvalide as exc:
        raise dg.Failure(description=f"Erreur de configuration : {exc}", allow_retries=False) from None
    consolidation = consolider(dossier, periode, reseau)
    for structure in consolidation.refusees + consolidation.manquantes:
        context.log.warning(structure.motif)
    out = milo.out / GROUPE
    try:
        publies = publier(consolidation, out, milo.home)
    except (RienAConsolider, PublicationImpossible, ConfigurationInvalide) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    return dg.MaterializeResult(metadata={
        "periode": periode.label, "incluses": len(consolidation.incluses), "refusees": len(consolidation.refusees),
        "manquantes": len(consolidation.manquantes),
        "structures": dg.MetadataValue.md("\n".join(f"- {s.code} : {s.statut}" + (f" ({s.motif})" if s.motif else "")
                                                    for s in consolidation.structures)),
        FICHIER_INDICATEURS: dg.MetadataValue.path(str(out / FICHIER_INDICATEURS)),
        FICHIER_CONSOLIDATION: dg.MetadataValue.path(str(out / FICHIER_CONSOLIDATION)),
        "rapport": dg.MetadataValue.md("\n".join(f"- `{p}`" for p in publies["rapport"])),
        "extraits": dg.MetadataValue.md("\n".join(f"- `{p}`" for p in publies["extraits"]) or "aucun")})


@dg.sensor(
    job=reseau,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Surveille le dossier des paquets réseau (MILO_PAQUETS, sinon MILO_HOME/paquets) : un nouveau code "
                "de structure ajoute sa partition ; un paquet nouveau ou modifié (SHA-256 de son manifeste) lance la "
                "vérification de sa partition et la consolidation de sa période.",
)
def paquets_deposes(context: dg.SensorEvaluationContext, milo: MiloSettings):
    dossier = dossier_paquets(milo.home)
    entrees = inventaire(dossier)
    vus = json.loads(context.cursor) if context.cursor else {}
    actuels = {f"{e.code}|{e.periode}|{e.dossier.name}": e.manifest_sha256 for e in entrees}
    if actuels == vus:
        return dg.SkipReason(f"Paquets de {dossier} inchangés ({len(entrees)} paquet(s)).")
    changes = [e for e in entrees if vus.get(f"{e.code}|{e.periode}|{e.dossier.name}") != e.manifest_sha256]
    periodes = sorted({e.periode for e in changes} | {cle.split("|")[1] for cle in set(vus) - set(actuels)})
    connus = set(context.instance.get_dynamic_partitions(structures_reseau.name))
    nouveaux = sorted({e.code for e in entrees} - connus)
    demandes = [dg.RunRequest(run_key=f"paquet|{e.code}|{e.periode}|{e.manifest_sha256}", partition_key=e.code,
                              asset_selection=[PAQUETS], run_config=config_run(e.periode, PAQUETS))
                for e in changes]
    for periode in periodes:
        empreinte = json.dumps(sorted((k, v) for k, v in actuels.items() if k.split("|")[1] == periode))
        demandes.append(dg.RunRequest(
            run_key=f"consolidation|{periode}|{hashlib.sha256(empreinte.encode()).hexdigest()}",
            asset_selection=[CONSOLIDATION], run_config=config_run(periode, CONSOLIDATION)))
    return dg.SensorResult(
        run_requests=demandes, cursor=json.dumps(actuels, sort_keys=True),
        dynamic_partitions_requests=[structures_reseau.build_add_request(nouveaux)] if nouveaux else [])


ASSETS = [paquets_reseau, consolidation_reseau]
SENSORS = [paquets_deposes]
JOBS = [reseau]
