"""The Dagster `reseau` group (defs/reseau.py): the sensor on the packages folder (partitions per structure code, runs
when a manifest changes, cursor), and the assets run in process on hand-written packages."""

from __future__ import annotations

import csv
import io
import json

import dagster as dg
import pytest
from test_reseau_consolidation import PAQUETS as LIGNES
from test_reseau_consolidation import RESEAU_ATTENDU, ecrire_paquet

from milo_pipeline.definitions import defs
from milo_pipeline.defs.reseau import (
    CONSOLIDATION,
    PAQUETS,
    config_run,
    consolidation_reseau,
    paquets_deposes,
    paquets_reseau,
    structures_reseau,
)
from milo_pipeline.defs.resources import MiloSettings


@pytest.fixture
def home(tmp_path, monkeypatch, env_propre):
    for variable in ("MILO_RESEAU", "MILO_PAQUETS", "MILO_OUT"):
        monkeypatch.delenv(variable, raising=False)
    home = tmp_path / "home"
    for code, lignes in LIGNES.items():
        ecrire_paquet(home / "paquets", code, lignes)
    return home


def tick(instance, home, cursor=None):
    with dg.build_sensor_context(instance=instance, instance_ref=instance.get_ref(), cursor=cursor, definitions=defs,
                                 resources={"milo": MiloSettings(milo_home=str(home))}) as context:
        return paquets_deposes.evaluate_tick(context)


def test_le_capteur_ajoute_les_partitions_et_lance_les_paquets_changes(home):
    with dg.instance_for_test() as instance:
        premier = tick(instance, home)
        (ajout,) = premier.dynamic_partitions_requests
        assert ajout.partitions_def_name == structures_reseau.name and list(ajout.partition_keys) == ["ML-A", "ML-B"]
        demandes = premier.run_requests
        assert [(r.partition_key, r.asset_selection) for r in demandes] == [
            ("ML-A", [PAQUETS]), ("ML-B", [PAQUETS]), (None, [CONSOLIDATION])]
        for r in demandes:
            dg.validate_run_config(defs.resolve_job_def("reseau"), r.run_config)
        assert demandes[0].run_config == {"ops": {"reseau__paquets": {"config": {"periode": "2024"}}}}
        instance.add_dynamic_partitions(structures_reseau.name, ["ML-A", "ML-B"])

        second = tick(instance, home, premier.cursor)
        assert second.run_requests == [] and "inchangés" in second.skip_message

        # ML-A's package replaced (another manifest), ML-C's dropped in: their runs only, and one consolidation
        for dossier in ("ML-A_2024",):
            for f in (home / "paquets" / dossier).iterdir():
                f.unlink()
            (home / "paquets" / dossier).rmdir()
        ecrire_paquet(home / "paquets", "ML-A", LIGNES["ML-A"][:3])
        ecrire_paquet(home / "paquets", "ML-C", LIGNES["ML-B"][:3])
        troisieme = tick(instance, home, second.cursor)
        assert list(troisieme.dynamic_partitions_requests[0].partition_keys) == ["ML-C"]
        assert [(r.partition_key, r.asset_selection) for r in troisieme.run_requests] == [
            ("ML-A", [PAQUETS]), ("ML-C", [PAQUETS]), (None, [CONSOLIDATION])]
        assert troisieme.run_requests[-1].run_key != premier.run_requests[-1].run_key
        assert set(json.loads(troisieme.cursor)) == {"ML-A|2024|ML-A_2024", "ML-B|2024|ML-B_2024",
                                                     "ML-C|2024|ML-C_2024"}


def _materialiser(instance, home, selection, partition_key=None):
    return dg.materialize([paquets_reseau, consolidation_reseau], selection=selection, instance=instance,
                          partition_key=partition_key, raise_on_error=False,
                          resources={"milo": MiloSettings(milo_home=str(home))},
                          run_config=config_run("2024", *selection))


def test_les_assets_verifient_et_consolident(home):
    # ML-B broken after its manifest was written: its partition fails with the reason, the others consolidate
    f = home / "paquets" / "ML-B_2024" / "agregats.csv"
    f.write_bytes(f.read_bytes().replace(b",90,", b",91,"))
    ecrire_paquet(home / "paquets", "ML-C", LIGNES["ML-B"])
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(structures_reseau.name, ["ML-A", "ML-B", "ML-C"])
        a = _materialiser(instance, home, [PAQUETS], "ML-A")
        assert a.success
        (materialisation,) = a.asset_materializations_for_node("reseau__paquets")
        assert materialisation.metadata["lignes"].value == len(LIGNES["ML-A"])
        assert materialisation.metadata["structure"].value == "ML-A (Mission Locale A)"
        b = _materialiser(instance, home, [PAQUETS], "ML-B")
        assert not b.success
        (echec,) = [e for e in b.all_events if e.is_step_failure]
        assert echec.step_failure_data.user_failure_data.description == (
            "Paquet refusé : ML-B (Mission Locale B) : ML-B_2024/agregats.csv : somme de contrôle SHA-256 différente "
            "de celle de manifest.json (fichier modifié)")
        c = _materialiser(instance, home, [CONSOLIDATION])
        assert c.success
    sortie = home / "out" / "reseau" / "indicateurs_reseau.csv"
    lignes = list(csv.DictReader(io.StringIO(sortie.read_text(encoding="utf-8"))))
    # ML-C carries ML-B's figures: the network of ML-A and ML-C is the one computed by hand for ML-A and ML-B
    assert [(r["indicateur"], r["modalite"], r["valeur"]) for r in lignes if r["structure"] == "ARML-BFC"] \
        == RESEAU_ATTENDU
    manifeste = json.loads((home / "out" / "reseau" / "consolidation.json").read_text(encoding="utf-8"))
    assert manifeste["comptes"] == {"incluse": 2, "refusee": 1, "manquante": 0}
