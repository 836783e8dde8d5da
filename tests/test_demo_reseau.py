"""`milo-pipeline demo --reseau` (milo_pipeline/demo_reseau.py): the demo's network file and its sizes, each
structure's configuration files, a structure that fails named while the others go on, the whole chain."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from milo_pipeline import demo_reseau
from milo_pipeline.demo_reseau import DemoInvalide, Dossiers, StructureDemo, lire_demo
from milo_pipeline.synthetic.generator import generate
from milo_pipeline.synthetic.structures import Structure, network_sizes


def test_the_demo_network_is_15_structures_of_the_national_spread():
    demo = lire_demo()
    assert demo.reseau["code"] == "ARML-DEMO" and "données synthétiques" in demo.reseau["nom"]
    assert [s.code for s in demo.structures] == [f"ML-{i:02d}" for i in range(1, 16)]
    assert [s.index for s in demo.structures] == list(range(1, 16))
    assert [s.jeunes for s in demo.structures] == network_sizes(15, 40_000)
    assert demo.structures[0].jeunes == 8200 and demo.structures[-1].jeunes == 524
    assert all(s.nom.startswith(("Mission Locale de ", "Mission Locale d'"))
               and s.nom.endswith(" (données synthétiques)") for s in demo.structures)
    assert demo.structures[3].nom == "Mission Locale d'Aubrelac (données synthétiques)"
    assert demo.structures[3].nom_court == "Mission Locale d'Aubrelac"


def test_network_sizes_by_hand():
    # two structures: weights e^(±0.75 × 0.67449) = 1.65846 and 0.60297 → 73.34 % and 26.66 % of 1,000
    assert network_sizes(2, 1000) == [733, 267]
    assert network_sizes(1, 3500) == [3500]
    national = network_sizes(440, 1_200_000)
    assert sum(national) == 1_200_000 and national == sorted(national, reverse=True)
    assert (national[0], national[-1]) == (20_343, 209)
    # the median structure: the quantile ½, e^0 = 1 over the mean weight e^(σ²/2) (up to the discrete quantiles)
    mean = 1_200_000 / 440
    assert abs(sorted(national)[220] / (mean / math.exp(0.75**2 / 2)) - 1) < 0.01


def test_each_structure_gets_its_identity_and_the_network_its_list(tmp_path, monkeypatch):
    from milo_pipeline.lib.configuration import mission_locale

    demo = lire_demo()
    dossiers = Dossiers(tmp_path, tmp_path / "consolidation")
    demo_reseau.ecrire_configurations(dossiers, demo)
    monkeypatch.setenv("MILO_MISSION_LOCALE", str(dossiers.mission_locale("ML-07")))
    identite = mission_locale()  # read as a structure's run reads it
    assert identite["code"] == "ML-07" and identite["nom"] == "Mission Locale de Lavercourt (données synthétiques)"
    assert identite["nom_court"] == "Mission Locale de Lavercourt" and identite["ville"] == "Lavercourt"
    assert identite["departement"] == "Doubs" and identite["region"] == "Bourgogne-Franche-Comté"
    assert dossiers.mission_locale("ML-07") == tmp_path / "homes" / "ML-07" / "mission_locale.yaml"
    reseau = yaml.safe_load(dossiers.reseau.read_text(encoding="utf-8"))
    assert {k: reseau[k] for k in ("code", "nom_court", "region")} == {
        "code": "ARML-DEMO", "nom_court": "Réseau de démonstration", "region": "Bourgogne-Franche-Comté"}
    assert reseau["structures"][0] == {"code": "ML-01", "nom": "Mission Locale de Valbrune (données synthétiques)"}
    assert len(reseau["structures"]) == 15


@pytest.mark.parametrize("structures, message", [
    ("[{code: ML-A, ville: X, jeunes: 300}, {code: ML-A, ville: Y, jeunes: 400}]",
     "structure n° 2 : code « ML-A » invalide ou en double"),
    ("[{code: ML-A, ville: X, jeunes: trois}]", "structure ML-A, jeunes : « trois »"),
    ("[{code: 'ML A', ville: X, jeunes: 300}]", "structure n° 1 : code « ML A »"),
    ("[]", "clé « structures »"),
])
def test_a_wrong_network_file_is_named(tmp_path, structures, message):
    fichier = tmp_path / "reseau.yaml"
    fichier.write_text("reseau: {code: R, nom: N, nom_court: N, region: R}\nstructures: " + structures + "\n",
                       encoding="utf-8")
    with pytest.raises(DemoInvalide, match=message) as erreur:
        lire_demo(fichier)
    assert str(fichier) in str(erreur.value)


def test_the_command_refuses_a_wrong_network_file_without_traceback(tmp_path):
    fichier = tmp_path / "reseau.yaml"
    fichier.write_text("reseau: {code: R, nom: N, nom_court: N, region: R}\nstructures: []\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "milo_pipeline.cli", "--milo-home", str(tmp_path / "home"),
                             "demo", "--reseau", str(fichier)], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"Erreur : {fichier}, clé « structures »" in result.stderr
    assert not (tmp_path / "home" / "demo" / "reseau").exists()


@pytest.mark.slow
def test_a_failed_structure_is_named_and_the_others_go_on(tmp_path, capsys):
    """Two structures run as the demo runs them; the second one's exports are broken (the youths' file lost its
    id_jeune column): it fails, named with the French message of its run, and the first one publishes under its
    own identity."""
    bonne, cassee = StructureDemo("ML-A", "Valbrune", 300, 1), StructureDemo("ML-B", "Hautemarche", 300, 2)
    demo = demo_reseau.Demo({"code": "ARML-T", "nom": "Réseau test", "nom_court": "Test", "region": "BFC"}, "Doubs",
                            (bonne, cassee))
    dossiers = Dossiers(tmp_path, tmp_path / "consolidation")
    demo_reseau.ecrire_configurations(dossiers, demo)
    for s in demo.structures:
        generate(dossiers.exports(s.code), youths=s.jeunes, seed=2024 + s.index, structure=Structure(s.code, s.index))
    jeunes = next(dossiers.exports("ML-B").glob("jeunes_*"))
    texte = jeunes.read_bytes().decode("cp1252")
    jeunes.write_bytes(texte.replace("id_jeune;", "numero;", 1).encode("cp1252"))
    lignes = []
    a, b = demo_reseau.executer_structures(dossiers, demo.structures, 2024, None, 2, annoncer=lignes.append)
    assert not b.reussi and b.structure.code == "ML-B"
    assert "run en échec (code 1)" in b.message and "jeunes_2025-01-15.csv" in b.message
    assert str(dossiers.journal("ML-B")) in b.message and dossiers.journal("ML-B").exists()
    assert any(ligne.startswith("  ML-B Mission Locale de Hautemarche (données synthétiques) : run en échec")
               for ligne in capsys.readouterr().err.splitlines())
    assert len(lignes) == 2 and any("ML-B" in ligne and "ÉCHEC" in ligne for ligne in lignes)
    # the other one ran to the end, with its own identity
    assert (dossiers.sorties("ML-A") / "indicateurs.csv").exists(), a.message
    html = (dossiers.sorties("ML-A") / "rapport_activite_2024.html").read_text(encoding="utf-8")
    assert "Mission Locale de Valbrune" in html
    assert a.cpu > 1
    # its network package (engineer A's part, design §2) copied for the consolidation
    assert a.reussi, a.message
    assert (dossiers.paquets / "ML-A_2024" / "manifest.json").is_file()
    assert json.loads((dossiers.paquets / "ML-A_2024" / "manifest.json").read_text())["structure"]["code"] == "ML-A"


@pytest.mark.slow
def test_the_whole_network_demo(tmp_path):
    """`milo-pipeline demo --reseau FICHIER` with two small structures: each one runs and publishes its package,
    the consolidation adds them up (the network's pa_nb_jeunes is the sum of the two structures' own), and the
    last line is the regional report."""
    fichier = tmp_path / "petit.yaml"
    fichier.write_text(
        "reseau: {code: ARML-T, nom: Réseau test (données synthétiques), nom_court: Réseau test, region: BFC}\n"
        "departement: Doubs\nstructures:\n  - {code: ML-A, ville: Valbrune, jeunes: 400}\n"
        "  - {code: ML-B, ville: Hautemarche, jeunes: 300}\n", encoding="utf-8")
    home = tmp_path / "home"
    result = subprocess.run([sys.executable, "-m", "milo_pipeline.cli", "--milo-home", str(home), "demo",
                             "--reseau", str(fichier)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    racine = home / "demo" / "reseau"
    derniere = result.stdout.strip().splitlines()[-1]
    assert derniere == f"Rapport du réseau : {racine / 'consolidation' / 'rapport_reseau_2024.pdf'}"
    assert (racine / "consolidation" / "rapport_reseau_2024.pdf").is_file()
    assert sorted(p.name for p in (racine / "paquets").iterdir()) == ["ML-A_2024", "ML-B_2024"]

    def pa(path: Path, structure: str | None = None) -> float:
        with open(path, encoding="utf-8") as f:
            return next(float(r["valeur"]) for r in csv.DictReader(f) if r["indicateur"] == "pa_nb_jeunes"
                        and not r["modalite"] and (structure is None or r["structure"] == structure))

    propres = pa(racine / "sorties" / "ML-A" / "indicateurs.csv") + pa(racine / "sorties" / "ML-B" / "indicateurs.csv")
    assert pa(racine / "consolidation" / "indicateurs_reseau.csv", "ARML-T") == propres > 0
    temps = json.loads((racine / "demo_reseau.json").read_text(encoding="utf-8"))
    assert [s["code"] for s in temps["structures"]] == ["ML-A", "ML-B"] and temps["consolidation_code"] == 0


def _processus_sous(dossier: Path) -> list[int]:
    """Pids of the processes whose command line names `dossier` (the runs of a demo in this test's folder)."""
    pids = []
    for entree in Path("/proc").iterdir():
        if entree.name.isdigit():
            try:
                ligne = (entree / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(dossier) in ligne:
                pids.append(int(entree.name))
    return pids


@pytest.mark.slow
def test_sigterm_stops_the_demo_and_its_runs(tmp_path):
    """SIGTERM while the structures run: the demo stops them (nothing left running under its folder), starts no
    other one, and ends as an interrupted command does (130), saying nothing was published."""
    import os
    import signal
    import time

    fichier = tmp_path / "trois.yaml"
    fichier.write_text(
        "reseau: {code: ARML-T, nom: Réseau test, nom_court: Test, region: BFC}\nstructures:\n"
        "  - {code: ML-A, ville: A, jeunes: 300}\n  - {code: ML-B, ville: B, jeunes: 300}\n"
        "  - {code: ML-C, ville: C, jeunes: 300}\n", encoding="utf-8")
    home = tmp_path / "home"
    demo = subprocess.Popen([sys.executable, "-m", "milo_pipeline.cli", "--milo-home", str(home), "demo", "--reseau",
                             str(fichier)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        journaux = home / "demo" / "reseau" / "journaux"
        limite = time.monotonic() + 120
        while time.monotonic() < limite and len(list(journaux.glob("*.log"))) < 2:
            time.sleep(0.5)
        assert len(list(journaux.glob("*.log"))) == 2  # two runs started, the third waits its turn
        time.sleep(3)
        demo.send_signal(signal.SIGTERM)
        sortie, erreurs = demo.communicate(timeout=120)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
    assert demo.returncode == 130, sortie + erreurs
    assert "Interrompu : rien n'a été publié" in erreurs and "Traceback" not in erreurs
    assert _processus_sous(home) == []
    assert not (journaux / "ML-C.log").exists()  # never started
