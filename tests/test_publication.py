"""Publication is all or nothing: a destination that cannot be replaced, found before or during the renames,
leaves every previous output byte-identical, no temporary file, and a message that says nothing was published;
then (slow) the same through the CLI, with the register of diffusion rolled back too."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from milo_pipeline.lib import outputs
from milo_pipeline.lib.outputs import PublicationImpossible, publish

ROOT = Path(__file__).resolve().parents[1]


def arbre(dossier: Path) -> dict[str, bytes]:
    return {p.relative_to(dossier).as_posix(): p.read_bytes() for p in sorted(dossier.rglob("*")) if p.is_file()}


@pytest.fixture
def ancien_et_nouveau(tmp_path):
    staging, out = tmp_path / "staging", tmp_path / "out"
    for racine, version in ((staging, b"nouveau"), (out, b"ancien")):
        (racine / "extraits" / "caf" / "2024").mkdir(parents=True)
        (racine / "indicateurs.csv").write_bytes(version + b" csv")
        (racine / "rapport_activite_2024.pdf").write_bytes(version + b" pdf")
        (racine / "extraits" / "caf" / "2024" / "caf_2024.csv").write_bytes(version + b" caf")
    (staging / "rapport_activite_2024_public.pdf").write_bytes(b"nouveau public")  # no previous version
    return staging, out


def immuable(path: Path, oui: bool) -> bool:
    """chattr ±i: a file not even root can replace (what a locked file on a share does to a rename)."""
    return subprocess.run(["chattr", "+i" if oui else "-i", str(path)], capture_output=True).returncode == 0


def test_a_rename_that_fails_midway_puts_back_the_files_already_replaced(ancien_et_nouveau):
    staging, out = ancien_et_nouveau
    avant = arbre(out)
    bloque = out / "rapport_activite_2024.pdf"  # sorted after extraits/… and indicateurs.csv: replaced 3rd
    if not immuable(bloque, True):
        pytest.skip("chattr +i impossible sur ce système de fichiers")
    try:
        with pytest.raises(PublicationImpossible) as erreur:
            publish(staging, out)
    finally:
        immuable(bloque, False)
    assert arbre(out) == avant, "every previous output byte-identical, the new public PDF not published"
    assert "rien n'a été publié" in str(erreur.value) and str(bloque) in str(erreur.value)
    assert "2 fichier(s) déjà remplacé(s) ont été restaurés" in str(erreur.value)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")], "no temporary file left"


def test_the_same_when_the_last_rename_fails(ancien_et_nouveau, monkeypatch):
    """Whatever rename fails (here the last one, of a file that had no previous version), the same result: the
    three files already replaced are put back, the new file is not left behind."""
    staging, out = ancien_et_nouveau
    avant = arbre(out)
    remplacer = os.replace

    def replace(source, dest):
        if Path(dest).name == "rapport_activite_2024_public.pdf":
            raise OSError(16, "Device or resource busy")
        remplacer(source, dest)

    monkeypatch.setattr(outputs.os, "replace", replace)
    with pytest.raises(PublicationImpossible, match="Device or resource busy"):
        publish(staging, out)
    monkeypatch.undo()
    assert arbre(out) == avant
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == sorted(Path(k).name for k in avant)


def test_a_folder_in_the_way_is_found_before_anything_is_touched(ancien_et_nouveau):
    staging, out = ancien_et_nouveau
    (out / "indicateurs.csv").unlink()
    (out / "indicateurs.csv").mkdir()
    (out / "indicateurs.csv" / "x").write_bytes(b"x")
    avant = arbre(out)
    with pytest.raises(PublicationImpossible, match="un dossier"):
        publish(staging, out)
    assert arbre(out) == avant


def test_a_successful_publication_leaves_only_the_new_files(ancien_et_nouveau):
    staging, out = ancien_et_nouveau
    publish(staging, out)
    assert arbre(out) == arbre(staging)


# --------------------------------------------------------------------------------------------- the CLI

CLI = str(Path(sys.executable).with_name("milo-pipeline"))


@pytest.mark.slow
def test_a_destination_that_cannot_be_replaced_fails_the_run_and_publishes_nothing(tmp_path):
    env = {**os.environ, "MILO_HOME": str(tmp_path / "home"), "MILO_PSEUDONYMISATION_KEY": "k" * 40}
    for var in ("DAGSTER_HOME", "MILO_WAREHOUSE", "MILO_OUT", "MILO_EXPORTS"):
        env.pop(var, None)
    out = tmp_path / "out"
    commande = [CLI, "run", "--exports", str(ROOT / "tests" / "fixtures" / "exports_2024"), "--period", "2024",
                "--out", str(out)]
    premier = subprocess.run(commande, env=env, capture_output=True, text=True, timeout=900)
    assert premier.returncode == 0, premier.stdout + premier.stderr
    avant = {k: hashlib.sha256(v).hexdigest() for k, v in arbre(out).items()}
    entrepot = tmp_path / "home" / "warehouse.duckdb"
    with duckdb.connect(str(entrepot), read_only=True) as con:
        registre = con.execute("select count(*) from diffusion.registre").fetchone()[0]
    bloque = out / "rapport_activite_2024.pdf"
    if not immuable(bloque, True):
        pytest.skip("chattr +i impossible sur ce système de fichiers")
    try:
        second = subprocess.run(commande, env=env, capture_output=True, text=True, timeout=900)
    finally:
        immuable(bloque, False)
    assert second.returncode == 1, second.stdout + second.stderr
    assert "Traceback" not in second.stdout + second.stderr
    assert "rien n'a été publié" in second.stderr and str(bloque) in second.stderr
    assert {k: hashlib.sha256(v).hexdigest() for k, v in arbre(out).items()} == avant, \
        "the manifests (whose generation time differs) are the first run's: nothing was replaced"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    with duckdb.connect(str(entrepot), read_only=True) as con:
        assert con.execute("select count(*) from diffusion.registre").fetchone()[0] == registre, \
            "the cells of a run that did not publish were not recorded as sent"
