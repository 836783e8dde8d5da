"""Acceptance of the network: the consolidation of three structures' packages equals, value for value, one run over
the union of their exports (distinct youths), for every indicator that aggregates; the territories (`non_agregeable`)
have no network value. Real runs: three structures of different sizes and seeds generated with their own id ranges,
each run by the CLI with its own MILO_HOME and identity, their packages consolidated, and one run of the union."""

import csv
import shutil
from pathlib import Path

import pytest
from conftest import cli_env, run_cli

from milo_pipeline.lib import dictionnaire
from milo_pipeline.synthetic.generator import generate
from milo_pipeline.synthetic.structures import Structure, union

pytestmark = pytest.mark.slow

STRUCTURES = (("ML-NORD", 1, 400, 11), ("ML-SUD", 2, 650, 12), ("ML-EST", 3, 900, 13))
RESEAU = "ARML-TEST"


def _lire(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _identite(dossier: Path, code: str) -> Path:
    fichier = dossier / f"{code}.yaml"
    fichier.write_text(f"code: {code}\nnom: Mission Locale {code} (test)\nnom_court: {code}\n"
                       "ville: Test\ndepartement: Doubs\nregion: Bourgogne-Franche-Comté\n", encoding="utf-8")
    return fichier


def _run(root: Path, nom: str, exports: Path, code: str, dagster_home: Path):
    home, out = root / "homes" / nom, root / "sorties" / nom
    out.parent.mkdir(exist_ok=True)
    env = cli_env(home, MILO_MISSION_LOCALE=str(_identite(root, code)), DAGSTER_HOME=str(dagster_home / nom))
    result = run_cli(["run", "--exports", str(exports), "--period", "2024", "--out", str(out)], home, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def reseau(tmp_path_factory, dagster_home):
    root = tmp_path_factory.mktemp("reseau_union")
    dossiers, paquets = [], root / "paquets"
    for code, index, jeunes, graine in STRUCTURES:
        exports = root / "exports" / code
        generate(exports, youths=jeunes, seed=graine, structure=Structure(code, index))
        dossiers.append(exports)
        out = _run(root, code, exports, code, dagster_home)
        shutil.copytree(out / "reseau" / f"{code}_2024", paquets / f"{code}_2024")
    union(dossiers, root / "exports" / "union")
    out_union = _run(root, "union", root / "exports" / "union", "UNION", dagster_home)
    fichier_reseau = root / "reseau.yaml"
    fichier_reseau.write_text(
        f"code: {RESEAU}\nnom: Association régionale de test\nnom_court: ARML test\nregion: Test\nseuil: 5\n"
        "structures:\n" + "".join(f"  - {{code: {c}, nom: Mission Locale {c}}}\n" for c, *_ in STRUCTURES),
        encoding="utf-8")
    home = root / "homes" / "reseau"
    result = run_cli(["consolidate", "--packages", str(paquets), "--period", "2024", "--out", str(root / "conso"),
                      "--reseau", str(fichier_reseau)], home, env=cli_env(home))
    assert result.returncode == 0, result.stdout + result.stderr
    return root, out_union, result


def test_the_network_of_three_structures_is_the_run_over_the_union_of_their_exports(reseau):
    root, out_union, _ = reseau
    agregation = {i.id: i.agregation for i in dictionnaire.indicateurs(dictionnaire.lire_csv()).values()}
    lignes = _lire(root / "conso" / "indicateurs_reseau.csv")
    cle = ("periode_debut", "periode_fin", "indicateur", "modalite")
    reseau_ = {tuple(r[c] for c in cle): (r["valeur"], r["unite"]) for r in lignes if r["structure"] == RESEAU}
    union_ = {tuple(r[c] for c in cle): (r["valeur"], r["unite"]) for r in _lire(out_union / "indicateurs.csv")
              if agregation[r["indicateur"]] != "non_agregeable"}
    assert len(union_) > 250
    differentes = {k: (reseau_.get(k), v) for k, v in union_.items() if reseau_.get(k) != v}
    assert differentes == {}
    # nothing more in the network than in the union, and no network value for an indicator that does not aggregate
    assert set(reseau_) == set(union_)
    # each structure's own rows are there too, as its run published them
    for code, *_ in STRUCTURES:
        propres = [r for r in lignes if r["structure"] == code]
        publiees = _lire(root / "sorties" / code / "indicateurs.csv")
        assert [[r[c] for c in (*cle, "valeur", "unite")] for r in propres] == \
               [[r[c] for c in (*cle, "valeur", "unite")] for r in publiees]


def test_the_consolidation_publishes_the_regional_report_and_extracts(reseau):
    root, _, result = reseau
    conso = root / "conso"
    for nom in ("rapport_reseau_2024.pdf", "rapport_reseau_2024.html", "rapport_reseau_2024_public.pdf",
                "rapport_reseau_2024_public.html", "consolidation.json"):
        assert (conso / nom).is_file(), nom
    assert f"Rapport du réseau : {conso / 'rapport_reseau_2024.pdf'}" in result.stdout
    assert "3 structure(s) incluse(s), 0 paquet(s) refusé(s), 0 structure(s) manquante(s)" in result.stdout
    assert list((conso / "extraits").iterdir())
