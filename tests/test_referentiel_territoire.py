"""The territory script (milo_pipeline.referentiels.territoire) on a tiny sample of the package's JSON:
no network, no npm (the CLI is run on a hand-made tarball through --paquet)."""

from __future__ import annotations

import csv
import io
import json
import tarfile
from pathlib import Path

import pytest

from milo_pipeline.referentiels import territoire as ref

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"

COMMUNES = [
    {"code": "25001", "nom": "Alpha", "type": "commune-actuelle", "departement": "25"},
    {"code": "25002", "nom": "Beta-Nouvelle", "type": "commune-actuelle", "departement": "25",
     "anciensCodes": ["25090", "25091", "25099"]},
    {"code": "70003", "nom": "Gamma", "type": "commune-actuelle", "departement": "70"},
    {"code": "39004", "nom": "Ailleurs", "type": "commune-actuelle", "departement": "39", "anciensCodes": ["25099"]},
    # delegated commune sharing the code of its commune nouvelle: the current commune keeps its row
    {"code": "25002", "nom": "Beta", "type": "commune-deleguee", "chefLieu": "25002", "departement": "25"},
    {"code": "25090", "nom": "Beta-le-Bas", "type": "commune-deleguee", "chefLieu": "25002", "departement": "25"},
    {"code": "39091", "nom": "Beta-Comté", "type": "commune-associee", "chefLieu": "25002", "departement": "25"},
    {"code": "39092", "nom": "Loin-Associée", "type": "commune-associee", "chefLieu": "39004", "departement": "39"},
    {"code": "25101", "nom": "Alpha 1er Arrondissement", "type": "arrondissement-municipal", "commune": "25001",
     "departement": "25"},
]
EPCI = [
    {"code": "200000001", "nom": "CC Une", "type": "CC", "membres": [{"code": "25001"}, {"code": "70003"}]},
    {"code": "200000002", "nom": "CU Deux", "type": "CU", "membres": [{"code": "25002"}]},
    {"code": "200000003", "nom": "CC Hors", "type": "CC", "membres": [{"code": "39004"}]},
]
SOURCE = "@etalab/decoupage-administratif@9.9.9"


def test_rows_of_the_territory_in_configuration_order():
    territoire = ref.construire(COMMUNES, EPCI, ["200000002", "200000001"], SOURCE)
    assert territoire.epci == [
        {"epci_siren": "200000002", "epci_nom": "CU Deux", "epci_type": "CU", "nb_communes": "1",
         "departements": "25", "ordre": "1", "source": SOURCE},
        {"epci_siren": "200000001", "epci_nom": "CC Une", "epci_type": "CC", "nb_communes": "2",
         "departements": "25|70", "ordre": "2", "source": SOURCE},
    ]
    lignes = {r["commune_insee"]: (r["nom"], r["commune_type"], r["commune_actuelle_insee"], r["departement"],
                                   r["epci_siren"], r["epci_nom"]) for r in territoire.communes}
    assert lignes == {
        "25001": ("Alpha", "commune-actuelle", "25001", "25", "200000001", "CC Une"),
        "70003": ("Gamma", "commune-actuelle", "70003", "70", "200000001", "CC Une"),
        "25101": ("Alpha 1er Arrondissement", "arrondissement-municipal", "25001", "25", "200000001", "CC Une"),
        "25002": ("Beta-Nouvelle", "commune-actuelle", "25002", "25", "200000002", "CU Deux"),
        "25090": ("Beta-le-Bas", "commune-deleguee", "25002", "25", "200000002", "CU Deux"),
        "39091": ("Beta-Comté", "commune-associee", "25002", "25", "200000002", "CU Deux"),
        # a former code without a record of its own: the current commune's name
        "25091": ("Beta-Nouvelle", "ancien-code", "25002", "25", "200000002", "CU Deux"),
    }
    # 25099 is a former code of two current communes (a split): ambiguous, left out; 39004 and its
    # associated commune are outside the territory
    assert [r["commune_insee"] for r in territoire.communes] == sorted(lignes)


def test_unknown_epci_is_named():
    with pytest.raises(ref.ReferentielInvalide, match=r"decoupage-administratif@9\.9\.9\) : 200000009"):
        ref.construire(COMMUNES, EPCI, ["200000001", "200000009"], SOURCE)


def test_member_missing_from_the_communes_is_an_error():
    epci = [{"code": "200000001", "nom": "CC Une", "type": "CC", "membres": [{"code": "25999"}]}]
    with pytest.raises(ref.ReferentielInvalide, match="25999"):
        ref.construire(COMMUNES, epci, ["200000001"], SOURCE)


def test_configuration_order_duplicates_and_empty(tmp_path):
    path = tmp_path / "territoire.yaml"
    path.write_text('epci:\n  - "200000002"\n  - 200000001\n', encoding="utf-8")
    assert ref.lire_config(path) == ["200000002", "200000001"]
    path.write_text('epci: ["200000002", "200000002"]\n', encoding="utf-8")
    with pytest.raises(ref.ReferentielInvalide, match="plusieurs fois"):
        ref.lire_config(path)
    path.write_text("epci: []\n", encoding="utf-8")
    with pytest.raises(ref.ReferentielInvalide, match="vide"):
        ref.lire_config(path)


def _tarball(path: Path, version: str) -> Path:
    fichiers = {"package/package.json": {"name": ref.PAQUET, "version": version},
                "package/data/communes.json": COMMUNES, "package/data/epci.json": EPCI}
    with tarfile.open(path, "w:gz") as tar:
        for nom, contenu in fichiers.items():
            data = json.dumps(contenu).encode()
            info = tarfile.TarInfo(nom)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_command_writes_both_seeds_from_a_tarball(tmp_path, capsys):
    config = tmp_path / "territoire.yaml"
    config.write_text('epci: ["200000001"]\n', encoding="utf-8")
    tgz = _tarball(tmp_path / "paquet.tgz", "9.9.9")
    args = ["--version", "9.9.9", "--config", str(config), "--seeds", str(tmp_path), "--paquet", str(tgz)]
    assert ref.main(args) == 0
    sortie = capsys.readouterr().out
    assert "CC Une (200000001, 25|70) : 2 communes ; autres codes : 1 arrondissement-municipal" in sortie
    communes = (tmp_path / "territoire_communes.csv").read_text(encoding="utf-8")
    assert communes.splitlines()[0] == ",".join(ref.COLONNES_COMMUNES)
    assert communes.splitlines()[1:] == ["25001,Alpha,commune-actuelle,25001,25,200000001,CC Une",
                                         "25101,Alpha 1er Arrondissement,arrondissement-municipal,25001,25,200000001,"
                                         "CC Une",
                                         "70003,Gamma,commune-actuelle,70003,70,200000001,CC Une"]
    first = (tmp_path / "territoire_epci.csv").read_bytes()
    assert ref.main(args) == 0
    assert (tmp_path / "territoire_epci.csv").read_bytes() == first  # same package, same bytes


def test_command_refuses_a_tarball_of_another_version(tmp_path, capsys):
    tgz = _tarball(tmp_path / "paquet.tgz", "4.0.0")
    assert ref.main(["--version", "4.1.0", "--seeds", str(tmp_path), "--paquet", str(tgz)]) == 1
    assert "attendu @etalab/decoupage-administratif@4.1.0" in capsys.readouterr().err
    assert not (tmp_path / "territoire_communes.csv").exists()


def test_committed_seeds_match_the_configuration():
    """The seeds in the repo were generated from config/territoire.yaml (4.1.0, the 2024 geography)."""
    with open(SEEDS / "territoire_epci.csv", encoding="utf-8", newline="") as f:
        epci = list(csv.DictReader(f))
    with open(SEEDS / "territoire_communes.csv", encoding="utf-8", newline="") as f:
        communes = {r["commune_insee"]: r for r in csv.DictReader(f)}
    assert [e["epci_siren"] for e in epci] == ref.lire_config()
    assert {e["source"] for e in epci} == {"@etalab/decoupage-administratif@4.1.0"}
    actuelles = [c for c in communes.values() if c["commune_type"] == "commune-actuelle"]
    assert {e["epci_siren"]: int(e["nb_communes"]) for e in epci} == {
        s: sum(c["epci_siren"] == s for c in actuelles) for s in ref.lire_config()}
    # Val Marnaysien spans the Doubs and the Haute-Saône: Marnay (70) is in it
    assert communes["70334"]["epci_nom"] == "CC du Val Marnaysien"
    assert communes["70334"]["departement"] == "70"
    assert communes["25056"]["epci_nom"] == "CU Grand Besançon Métropole"
    assert communes["25509"]["commune_actuelle_insee"] == "25438"  # Routelle, delegated commune
