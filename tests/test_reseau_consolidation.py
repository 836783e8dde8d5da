"""The network's consolidation (lib/reseau/verification.py, lib/reseau/consolidation.py, `milo-pipeline consolidate`)
on small packages written by hand (`ecrire_paquet`: agregats.csv from hand-written rows and a manifest with the real
SHA-256 and the real dictionary version, as design §2 says a Mission Locale's run writes them), then broken.

The network values below are computed by hand from the rows of ML-A and ML-B (PAQUETS)."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import os
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import cli_env, run_cli, tree

from milo_pipeline.lib.dictionnaire import indicateurs, lire_csv, version_dictionnaire
from milo_pipeline.lib.periods import parse_period
from milo_pipeline.lib.reseau.configuration import ReseauInvalide, lire_reseau
from milo_pipeline.lib.reseau.consolidation import (
    INCLUSE,
    MANQUANTE,
    REFUSEE,
    RienAConsolider,
    consolider,
    indicateurs_reseau_csv,
    publier_consolidation,
)

DICTIONNAIRE = indicateurs(lire_csv())
COLONNES = "periode_debut,periode_fin,indicateur,modalite,valeur,unite,agregation,numerateur,denominateur"
P2024 = ("2024-01-01", "2024-12-31")
NOMS = {"ML-A": "Mission Locale A", "ML-B": "Mission Locale B", "ML-C": "Mission Locale C"}

# (indicateur, modalite, valeur, numerateur, denominateur), as a Mission Locale's run writes them (design §2)
PAQUETS = {
    "ML-A": [
        ("pa_nb_jeunes", "", "10", "10", ""),
        ("pa_sexe_pct", "F", "30.0", "3", "10"),
        ("pa_sexe_pct", "H", "70.0", "7", "10"),
        ("acc_nb_jeunes", "", "40", "40", ""),
        ("acc_qpv_pct", "", "2.5", "1", "40"),
        ("pacea_montant_eur", "", "1000.00", "1000.00", ""),
        ("pacea_nb_jeunes", "", "3", "3", ""),
        ("pacea_moyenne_eur", "", "333.33", "1000.00", "3"),
        ("disp_nb_beneficiaires", "CEJ", "4", "4", ""),
        ("disp_nb_beneficiaires", "PACEA", "6", "6", ""),
        ("disp_femmes_pct", "CEJ", "50.0", "2", "4"),
        ("disp_femmes_pct", "PACEA", "33.3", "2", "6"),
        ("cej_nb_sorties", "", "0", "0", ""),
        ("cej_sorties_positives_pct", "", "", "0", "0"),
        ("parr_nb_parrains", "", "2", "2", ""),
        ("parr_jeunes_par_parrain", "", "2.5", "5.000000", "2"),
        ("pmsmp_nb", "", "12", "12", ""),
        ("pmsmp_evolution_pct", "", "20.0", "2", "10"),
        ("terr_nb_jeunes", "Besançon", "10", "", ""),
    ],
    "ML-B": [
        ("pa_nb_jeunes", "", "90", "90", ""),
        ("pa_sexe_pct", "F", "60.0", "54", "90"),
        ("pa_sexe_pct", "H", "40.0", "36", "90"),
        ("acc_nb_jeunes", "", "40", "40", ""),
        ("acc_qpv_pct", "", "0.0", "0", "40"),
        ("pacea_montant_eur", "", "2500.50", "2500.50", ""),
        ("pacea_nb_jeunes", "", "4", "4", ""),
        ("pacea_moyenne_eur", "", "625.13", "2500.50", "4"),
        ("disp_nb_beneficiaires", "CEJ", "1", "1", ""),
        ("disp_nb_beneficiaires", "PIAL", "2", "2", ""),
        ("disp_femmes_pct", "CEJ", "100.0", "1", "1"),
        ("disp_femmes_pct", "PIAL", "50.0", "1", "2"),
        ("cej_nb_sorties", "", "0", "0", ""),
        ("cej_sorties_positives_pct", "", "", "0", "0"),
        ("parr_nb_parrains", "", "3", "3", ""),
        ("parr_jeunes_par_parrain", "", "1.0", "3.000000", "3"),
        ("pmsmp_nb", "", "8", "8", ""),
        ("pmsmp_evolution_pct", "", "", "8", "0"),
        ("terr_nb_jeunes", "Dole", "90", "", ""),
    ],
}
# The network (ML-A + ML-B), by hand; in the order of the output: dictionary `ordre`, then modalities merged
# (ML-A's CEJ, PACEA; ML-B adds PIAL after CEJ, where it stands in its own package)
RESEAU_ATTENDU = [
    ("pa_nb_jeunes", "", "100"),              # 10 + 90
    ("pa_sexe_pct", "F", "57.0"),             # (3 + 54) / (10 + 90); the mean of the shares would be 45.0
    ("pa_sexe_pct", "H", "43.0"),             # (7 + 36) / 100
    ("acc_nb_jeunes", "", "80"),
    ("acc_qpv_pct", "", "1.3"),               # 1 / 80 = 1.25 %, half away from zero
    ("pacea_montant_eur", "", "3500.50"),
    ("pacea_nb_jeunes", "", "7"),
    ("pacea_moyenne_eur", "", "500.07"),      # 3500.50 / 7 = 500.0714…; the mean of the means would be 479.23
    ("disp_nb_beneficiaires", "CEJ", "5"),
    ("disp_nb_beneficiaires", "PIAL", "2"),
    ("disp_nb_beneficiaires", "PACEA", "6"),
    ("disp_femmes_pct", "CEJ", "60.0"),       # denominator disp_nb_beneficiaires[*]: (2 + 1) / (4 + 1)
    ("disp_femmes_pct", "PIAL", "50.0"),      # ML-B alone: 1 / 2
    ("disp_femmes_pct", "PACEA", "33.3"),     # ML-A alone: 2 / 6
    ("cej_nb_sorties", "", "0"),
    ("cej_sorties_positives_pct", "", ""),    # Σ denominators = 0: empty
    ("parr_nb_parrains", "", "5"),
    ("parr_jeunes_par_parrain", "", "1.6"),   # (5 + 3) / (2 + 3); the mean of the ratios would be 1.8 (1.75)
    ("pmsmp_nb", "", "20"),
    ("pmsmp_evolution_pct", "", "100.0"),     # 100 × ((12 − 10) + (8 − 0)) / (10 + 0): 10 last year, 20 now
]                                             # terr_nb_jeunes (non_agregeable): no network row


def ecrire_paquet(packages: Path, code: str, lignes, periode: str = "2024", version: str | None = None,
                  statut: str = "conforme", dossier: str | None = None, nom: str | None = None,
                  periodes=(P2024,)) -> Path:
    """A valid network package (design §2) in packages/<dossier or code_periode>/ from hand-written rows (unit and
    aggregation from the dictionary), its manifest carrying the real SHA-256 and dictionary version."""
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, lineterminator="\n")
    ecrivain.writerow(COLONNES.split(","))
    for ligne in lignes:
        debut, fin = ligne[5] if len(ligne) > 5 else periodes[0]
        ind, modalite, valeur, num, den = ligne[:5]
        ecrivain.writerow([debut, fin, ind, modalite, valeur, DICTIONNAIRE[ind].unite, DICTIONNAIRE[ind].agregation,
                           num, den])
    contenu = tampon.getvalue().encode("utf-8")
    folder = packages / (dossier or f"{code}_{periode}")
    folder.mkdir(parents=True)
    (folder / "agregats.csv").write_bytes(contenu)
    manifest = {
        "format": "milo-pipeline/paquet-reseau", "version_format": 1,
        "structure": {"code": code, "nom": nom or NOMS.get(code, f"Mission Locale {code}"), "nom_court": code,
                      "departement": "Doubs", "region": "Bourgogne-Franche-Comté"},
        "periode": periode, "periodes": [{"debut": d, "fin": f} for d, f in periodes],
        "dictionnaire": {"version": version or version_dictionnaire()},
        "qualite": {"statut": statut, "controles": 12, "echecs_bloquants": 0, "avertissements": 0},
        "run_id": "run-test", "version": "test", "genere_le": "2025-01-20T10:00:00+00:00",
        "fichiers": {"agregats.csv": {"sha256": hashlib.sha256(contenu).hexdigest(), "octets": len(contenu),
                                      "lignes": len(lignes)}},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True),
                                          encoding="utf-8")
    return folder


def ecrire_reseau(dossier: Path, structures=()) -> Path:
    chemin = dossier / "reseau.yaml"
    lignes = ["code: ARML-TEST", "nom: Association régionale de test", "nom_court: ARML Test", "region: Test",
              "seuil: 5", "structures:" + ("" if structures else " []")]
    lignes += [f"  - {{code: {code}, nom: {nom}}}" for code, nom in structures]
    chemin.write_text("\n".join(lignes) + "\n", encoding="utf-8")
    return chemin


@pytest.fixture
def paquets(tmp_path) -> Path:
    dossier = tmp_path / "paquets"
    for code, lignes in PAQUETS.items():
        ecrire_paquet(dossier, code, lignes)
    return dossier


def _reseau(tmp_path, structures=()) -> dict:
    return lire_reseau(ecrire_reseau(tmp_path, structures))


def _csv(octets: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(octets.decode("utf-8"))))


def _refus(consolidation) -> dict[str, str]:
    return {s.fichier.split("/")[0]: s.motif for s in consolidation.refusees}


# --- network values ---------------------------------------------------------------------------------------------

def test_valeurs_du_reseau_calculees_a_la_main(tmp_path, paquets):
    consolidation = consolider(paquets, parse_period("2024"), _reseau(tmp_path))
    assert [(s.code, s.statut) for s in consolidation.structures] == [("ML-A", INCLUSE), ("ML-B", INCLUSE)]
    lignes = _csv(indicateurs_reseau_csv(consolidation.lignes))
    reseau = [(r["indicateur"], r["modalite"], r["valeur"]) for r in lignes if r["structure"] == "ARML-TEST"]
    assert reseau == RESEAU_ATTENDU
    # then each structure's rows as its package has them (same valeur bytes), structures by code
    structures = [(r["structure"], r["indicateur"], r["modalite"], r["valeur"]) for r in lignes
                  if r["structure"] != "ARML-TEST"]
    assert structures == [(code, *ligne[:3]) for code in ("ML-A", "ML-B") for ligne in PAQUETS[code]]
    assert all((r["periode_debut"], r["periode_fin"]) == P2024 for r in lignes)
    assert list(lignes[0]) == ["structure", "periode_debut", "periode_fin", "indicateur", "modalite", "valeur",
                               "unite"]
    # the Python rows carry the summed numerators and denominators
    sexe_f = next(r for r in consolidation.lignes if r["structure"] == "ARML-TEST"
                  and r["indicateur"] == "pa_sexe_pct" and r["modalite"] == "F")
    assert (sexe_f["valeur"], sexe_f["numerateur"], sexe_f["denominateur"]) == (57.0, 57.0, 100.0)
    assert sexe_f["periode_debut"] == date(2024, 1, 1) and sexe_f["agregation"] == "rapport"


def test_une_cellule_vide_d_une_structure_rend_vide_celle_du_reseau(tmp_path):
    """A sum never silently leaves a structure out: a budget one structure did not enter empties the network's."""
    dossier = tmp_path / "paquets"
    ecrire_paquet(dossier, "ML-A", [("budget_charges_eur", "", "1000.00", "1000.00", ""),
                                    ("rh_nb_salaries", "", "5", "5", "")])
    ecrire_paquet(dossier, "ML-B", [("budget_charges_eur", "", "", "", ""), ("rh_nb_salaries", "", "7", "7", "")])
    consolidation = consolider(dossier, parse_period("2024"), _reseau(tmp_path))
    reseau = {r["indicateur"]: r["valeur"] for r in consolidation.lignes if r["structure"] == "ARML-TEST"}
    assert reseau == {"budget_charges_eur": None, "rh_nb_salaries": 12.0}


# --- refusals ---------------------------------------------------------------------------------------------------

def _casser(paquets: Path) -> None:
    """One package per fault beside ML-A and ML-B."""
    valide = PAQUETS["ML-A"][:3]
    # wrong checksum: a digit changed after the manifest was written (same size)
    f = ecrire_paquet(paquets, "ML-SHA", valide) / "agregats.csv"
    f.write_bytes(f.read_bytes().replace(b",30.0,", b",31.0,"))
    (ecrire_paquet(paquets, "ML-ABSENT", valide) / "agregats.csv").unlink()
    (ecrire_paquet(paquets, "ML-EXTRA", valide) / "notes.txt").write_text("à voir", encoding="utf-8")
    ecrire_paquet(paquets, "ML-2023", valide, periode="2023", periodes=(("2023-01-01", "2023-12-31"),))
    ecrire_paquet(paquets, "ML-DICO", valide, version="0" * 64)
    ecrire_paquet(paquets, "ML-CSV", [valide[0], ("pa_sexe_pct", "F", "trente", "3", "10"), valide[2]])
    ecrire_paquet(paquets, "ML-QUALITE", valide, statut="echec")
    ecrire_paquet(paquets, "ML-D", valide, dossier="ML-D_2024")
    ecrire_paquet(paquets, "ML-D", valide, dossier="ML-D_copie")
    # last year's package of ML-A left in the folder: refused for its period, ML-A's package of 2024 still included
    ecrire_paquet(paquets, "ML-A", valide, periode="2023", periodes=(("2023-01-01", "2023-12-31"),))
    (paquets / "vide").mkdir()
    (paquets / "ML-JSON_2024").mkdir()
    (paquets / "ML-JSON_2024" / "manifest.json").write_text("{pas du json", encoding="utf-8")
    ailleurs = ecrire_paquet(paquets.parent / "ailleurs", "ML-LIEN", valide)
    (paquets / "ML-LIEN_2024").symlink_to(ailleurs, target_is_directory=True)
    lien = ecrire_paquet(paquets, "ML-FLIEN", valide) / "agregats.csv"
    cible = paquets.parent / "agregats_ailleurs.csv"
    shutil.move(lien, cible)
    lien.symlink_to(cible)


def test_paquets_refuses_nommes_les_autres_consolides(tmp_path, paquets):
    _casser(paquets)
    reseau = _reseau(tmp_path, [("ML-A", "Mission Locale A"), ("ML-B", "Mission Locale B"),
                                ("ML-Z", "Mission Locale Z")] + [(c, c) for c in (
                                    "ML-SHA", "ML-ABSENT", "ML-EXTRA", "ML-2023", "ML-DICO", "ML-CSV", "ML-QUALITE",
                                    "ML-D", "ML-LIEN", "ML-FLIEN")])
    consolidation = consolider(paquets, parse_period("2024"), reseau)
    assert [s.code for s in consolidation.incluses] == ["ML-A", "ML-B"]
    refus = _refus(consolidation)
    assert set(refus) == {"ML-SHA_2024", "ML-ABSENT_2024", "ML-EXTRA_2024", "ML-2023_2023", "ML-DICO_2024",
                          "ML-CSV_2024", "ML-QUALITE_2024", "ML-D_2024", "ML-D_copie", "vide", "ML-JSON_2024",
                          "ML-LIEN_2024", "ML-FLIEN_2024", "ML-A_2023"}
    assert "ML-A (Mission Locale A) : ML-A_2023/manifest.json : paquet de la période « 2023 »" in refus["ML-A_2023"]
    assert refus["ML-SHA_2024"] == ("Paquet refusé : ML-SHA (Mission Locale ML-SHA) : ML-SHA_2024/agregats.csv : "
                                    "somme de contrôle SHA-256 différente de celle de manifest.json (fichier modifié)")
    assert "ML-ABSENT (Mission Locale ML-ABSENT) : ML-ABSENT_2024/agregats.csv : listé dans manifest.json : " \
           "fichier absent" in refus["ML-ABSENT_2024"]
    assert "ML-EXTRA_2024/notes.txt : fichier non listé dans manifest.json" in refus["ML-EXTRA_2024"]
    assert "ML-2023_2023/manifest.json : paquet de la période « 2023 », consolidation de la période « 2024 »" \
        in refus["ML-2023_2023"]
    assert "ML-DICO (Mission Locale ML-DICO) : ML-DICO_2024/manifest.json : calculé avec une autre version du " \
           "dictionnaire" in refus["ML-DICO_2024"]
    assert refus["ML-CSV_2024"] == (
        "Paquet refusé : ML-CSV (Mission Locale ML-CSV) : ML-CSV_2024/agregats.csv : contrat non respecté : "
        "agregats.csv, ligne 3, colonne « valeur » : nombre attendu (chiffres, point décimal) ou vide "
        "(valeur lue : « trente »)")
    assert "statut de qualité « echec »" in refus["ML-QUALITE_2024"]
    for dossier in ("ML-D_2024", "ML-D_copie"):  # the same code twice: both refused
        assert "le code « ML-D » est celui de 2 paquets (ML-D_2024, ML-D_copie) : tous refusés" in refus[dossier]
    assert refus["vide"] == "Paquet refusé : dossier vide : vide/manifest.json : fichier absent"
    empreintes = {s.fichier.split("/")[0]: s.manifest_sha256 for s in consolidation.refusees}
    assert empreintes["ML-DICO_2024"] == hashlib.sha256((paquets / "ML-DICO_2024" / "manifest.json").read_bytes()
                                                        ).hexdigest()
    assert empreintes["vide"] is None
    assert refus["ML-JSON_2024"] == ("Paquet refusé : dossier ML-JSON_2024 : ML-JSON_2024/manifest.json : "
                                     "JSON invalide (ligne 1, colonne 2)")
    assert refus["ML-LIEN_2024"] == ("Paquet refusé : dossier ML-LIEN_2024 : ML-LIEN_2024 : lien symbolique ou "
                                     "fichier spécial, non suivi")
    assert "ML-FLIEN_2024/agregats.csv : listé dans manifest.json : lien symbolique" in refus["ML-FLIEN_2024"]
    assert [(s.code, s.motif) for s in consolidation.manquantes] == [
        ("ML-LIEN", f"Structure manquante : ML-LIEN (ML-LIEN) : aucun paquet dans {paquets}"),
        ("ML-Z", f"Structure manquante : ML-Z (Mission Locale Z) : aucun paquet dans {paquets}")]
    # the network's figures are those of ML-A and ML-B alone
    reseau_lignes = [(x["indicateur"], x["modalite"], x["valeur"])
                     for x in _csv(indicateurs_reseau_csv(consolidation.lignes)) if x["structure"] == "ARML-TEST"]
    assert reseau_lignes == RESEAU_ATTENDU


@pytest.mark.parametrize(("remplacer", "attendu"), [
    ((b"pa_sexe_pct,F,30.0,pct,rapport", b"pa_sexe_pct,F,30.0,nb,rapport"),
     "ligne 3, colonne « unite » : unité de « pa_sexe_pct » dans le dictionnaire : pct (valeur lue : « nb »)"),
    ((b"pa_sexe_pct,F,30.0,pct,rapport", b"pa_sexe_pct,F,30.0,pct,somme"),
     "ligne 3, colonne « agregation » : agrégation de « pa_sexe_pct » dans le dictionnaire : rapport"),
    ((b"pa_sexe_pct,H,", b"pa_sexe_pct,F,"),
     "ligne 4, colonne « modalite » : période, indicateur et modalité déjà présents ligne 3 (valeur lue : « F »)"),
    ((b"2024-01-01,2024-12-31,pa_nb_jeunes", b"2024-13-01,2024-12-31,pa_nb_jeunes"),
     "ligne 2, colonne « periode_debut » : date attendue (AAAA-MM-JJ) (valeur lue : « 2024-13-01 »)"),
    ((b"periode_debut,", b"debut,"), "ligne 1 : en-tête attendu"),
    ((b",30.0,pct,rapport,3,10", b",30.00,pct,rapport,3,10"),
     "colonne « valeur » : valeur mal arrondie pour l'unité pct"),
    ((b",30.0,pct,rapport,3,10", b",30.0,pct,rapport,3,"),
     "colonne « denominateur » : numérateur et dénominateur tous deux renseignés ou tous deux vides"),
    ((b"pa_nb_jeunes,,10,nb,somme,10,", b"pa_nb_jeunes,,10,nb,somme,1e1,"),
     "ligne 2, colonne « numerateur » : nombre attendu"),
    ((b",30.0,pct,rapport,3,10", b",30.0,pct,rapport,3.0000001,10"),
     "colonne « numerateur » : 6 décimales au plus, moins de 10^31 (valeur lue : « 3.0000001 »)"),
    ((b"pa_nb_jeunes,,10,nb,somme,10,", b"inconnu_nb,,10,nb,somme,10,"),
     "colonne « indicateur » : indicateur inconnu du dictionnaire (valeur lue : « inconnu_nb »)"),
])
def test_contrat_des_agregats(tmp_path, remplacer, attendu):
    """A contract fault is named with its line, column and value (the manifest re-sealed: only the contract fails)."""
    dossier = tmp_path / "paquets"
    f = ecrire_paquet(dossier, "ML-A", PAQUETS["ML-A"][:3]) / "agregats.csv"
    contenu = f.read_bytes()
    assert remplacer[0] in contenu
    _resceller(f, contenu.replace(*remplacer))
    consolidation = consolider(dossier, parse_period("2024"), _reseau(tmp_path))
    assert not consolidation.incluses
    motif = consolidation.refusees[0].motif
    assert motif.startswith("Paquet refusé : ML-A (Mission Locale A) : ML-A_2024/agregats.csv : contrat non "
                            "respecté : agregats.csv, ligne ")
    assert attendu in motif


def _resceller(fichier: Path, contenu: bytes) -> None:
    """Rewrite a package's file and its manifest entry, so that only what follows the checksums can fail."""
    fichier.write_bytes(contenu)
    manifest_path = fichier.parent / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["fichiers"][fichier.name] = {"sha256": hashlib.sha256(contenu).hexdigest(), "octets": len(contenu),
                                          "lignes": contenu.count(b"\n") - 1}
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def test_format_du_manifeste(tmp_path):
    dossier = tmp_path / "paquets"
    m = ecrire_paquet(dossier, "ML-A", PAQUETS["ML-A"][:1]) / "manifest.json"
    manifest = json.loads(m.read_text(encoding="utf-8"))
    m.write_text(json.dumps(manifest | {"version_format": 2}), encoding="utf-8")
    consolidation = consolider(dossier, parse_period("2024"), _reseau(tmp_path))
    assert consolidation.refusees[0].motif == (
        "Paquet refusé : ML-A (Mission Locale A) : ML-A_2024/manifest.json : format de paquet invalide : « format » "
        "'milo-pipeline/paquet-reseau', « version_format » 2 (attendu 'milo-pipeline/paquet-reseau', 1)")


def test_structure_non_attendue_refusee(tmp_path, paquets):
    consolidation = consolider(paquets, parse_period("2024"), _reseau(tmp_path, [("ML-A", "Mission Locale A")]))
    assert [s.code for s in consolidation.incluses] == ["ML-A"]
    assert "structure absente de la liste « structures »" in consolidation.refusees[0].motif


# --- publication ------------------------------------------------------------------------------------------------

def test_publication_et_manifeste_de_consolidation(tmp_path, paquets):
    out, home = tmp_path / "out", tmp_path / "home"
    consolidation = consolider(paquets, parse_period("2024"), _reseau(tmp_path, [("ML-A", "A"), ("ML-B", "B"),
                                                                                 ("ML-Z", "Z")]),
                               genere_le=datetime(2025, 2, 1, 12, 0, tzinfo=UTC))
    ecrits = []

    def rapport(c, dossier):  # an écrivain as the regional report will be (lead's merge)
        ecrits.append(c)
        (dossier / "rapport_reseau_2024.html").write_text("<html></html>", encoding="utf-8")

    publier_consolidation(consolidation, out, home, ecrivains=[rapport])
    assert ecrits == [consolidation]
    assert sorted(p.name for p in out.iterdir()) == ["consolidation.json", "indicateurs_reseau.csv",
                                                     "rapport_reseau_2024.html"]
    assert not list(home.iterdir())  # the staging folder removed
    manifeste = json.loads((out / "consolidation.json").read_text(encoding="utf-8"))
    assert manifeste["comptes"] == {"incluse": 2, "refusee": 0, "manquante": 1}
    assert manifeste["genere_le"] == "2025-02-01T12:00:00+00:00"
    assert manifeste["reseau"]["code"] == "ARML-TEST" and manifeste["periode"] == "2024"
    a = next(s for s in manifeste["structures"] if s["code"] == "ML-A")
    assert a["manifest_sha256"] == hashlib.sha256((paquets / "ML-A_2024" / "manifest.json").read_bytes()).hexdigest()
    assert a["fichiers"]["agregats.csv"]["sha256"] == hashlib.sha256(
        (paquets / "ML-A_2024" / "agregats.csv").read_bytes()).hexdigest()
    assert manifeste["fichiers"]["indicateurs_reseau.csv"]["sha256"] == hashlib.sha256(
        (out / "indicateurs_reseau.csv").read_bytes()).hexdigest()
    assert manifeste["structures"][-1] == {"code": "ML-Z", "nom": "Z", "nom_court": "Z", "statut": MANQUANTE,
                                           "motif": f"Structure manquante : ML-Z (Z) : aucun paquet dans {paquets}",
                                           "fichier": None, "manifest_sha256": None, "fichiers": {}}


def test_rien_publie_sans_paquet_valide(tmp_path):
    dossier = tmp_path / "paquets"
    ecrire_paquet(dossier, "ML-A", PAQUETS["ML-A"], version="0" * 64)
    consolidation = consolider(dossier, parse_period("2024"), _reseau(tmp_path))
    assert [s.statut for s in consolidation.structures] == [REFUSEE]
    with pytest.raises(RienAConsolider):
        publier_consolidation(consolidation, tmp_path / "out", tmp_path / "home")
    assert not (tmp_path / "out").exists()


def test_configuration_du_reseau(tmp_path):
    reseau = lire_reseau()  # the packaged file
    assert reseau["structures"] == [] and reseau["seuil"] == 5
    chemin = tmp_path / "r.yaml"
    chemin.write_text("code: ARML BFC\nnom: x\nnom_court: x\nregion: x\n", encoding="utf-8")
    with pytest.raises(ReseauInvalide, match=r"r\.yaml, clé « code » : « ARML BFC » invalide"):
        lire_reseau(chemin)
    chemin.write_text("code: ARML\nnom: x\nnom_court: x\nregion: x\nseuil: 1\n", encoding="utf-8")
    with pytest.raises(ReseauInvalide, match="clé « seuil » : « 1 » invalide"):
        lire_reseau(chemin)
    with pytest.raises(ReseauInvalide, match="fichier introuvable"):
        lire_reseau(tmp_path / "absent.yaml")


# --- the command ------------------------------------------------------------------------------------------------

def _env(home: Path) -> dict[str, str]:
    env = cli_env(home)
    env.pop("MILO_RESEAU", None)
    return env


def test_commande_consolidate(tmp_path, paquets):
    """Through the real command: refusals on stderr one line each, exit 0, outputs named; a second run gives the
    same bytes; then with no valid package exit 1 and the previous outputs untouched."""
    _casser(paquets)
    reseau, out, home = ecrire_reseau(tmp_path, [("ML-A", "A"), ("ML-B", "B"), ("ML-Z", "Z")]), tmp_path / "out", \
        tmp_path / "home"
    args = ["consolidate", "--packages", str(paquets), "--period", "2024", "--out", str(out), "--reseau", str(reseau)]
    r = run_cli(args, home, env=_env(home))
    assert r.returncode == 0, r.stderr
    erreurs = r.stderr.splitlines()
    assert len([e for e in erreurs if e.startswith("Paquet refusé : ")]) == 14
    assert "Structure manquante : ML-Z (Z) : aucun paquet dans" in r.stderr
    assert "Traceback" not in r.stderr
    assert "2 structure(s) incluse(s), 14 paquet(s) refusé(s), 1 structure(s) manquante(s)" in r.stdout
    assert f"Indicateurs du réseau : {out / 'indicateurs_reseau.csv'}" in r.stdout
    premier = (out / "indicateurs_reseau.csv").read_bytes()
    reseau_lignes = [(x["indicateur"], x["modalite"], x["valeur"]) for x in _csv(premier)
                     if x["structure"] == "ARML-TEST"]
    assert reseau_lignes == RESEAU_ATTENDU
    assert run_cli(args, home, env=_env(home)).returncode == 0
    assert (out / "indicateurs_reseau.csv").read_bytes() == premier  # deterministic
    avant = tree(out)
    vide = tmp_path / "aucun"
    ecrire_paquet(vide, "ML-A", PAQUETS["ML-A"], periode="2023")
    r = run_cli([*args[:2], str(vide), *args[3:]], home, env=_env(home))
    assert r.returncode == 1
    assert "0 structure(s) incluse(s), 1 paquet(s) refusé(s)" in r.stderr
    assert "rien n'a été publié" in r.stderr and "Traceback" not in r.stderr
    assert tree(out) == avant


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2024-13"], "période invalide : « 2024-13 »"),
    (["--packages", "absent"], "le dossier des paquets"),
    (["--reseau", "absent.yaml"], "Erreur de configuration : absent.yaml : fichier introuvable"),
])
def test_erreurs_d_usage(cli, tmp_path, paquets, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MILO_RESEAU", raising=False)
    base = {"--packages": str(paquets), "--period": "2024", "--out": str(tmp_path / "out")}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    sortie = cli(["consolidate", *[x for kv in base.items() for x in kv]])
    assert sortie.code == 2
    assert message in sortie.stderr
    assert not (tmp_path / "out").exists()


def test_aucun_lien_suivi_dans_le_dossier_des_paquets(tmp_path):
    """A package whose folder is reached through a link is refused even when everything in it is valid."""
    dossier = tmp_path / "paquets"
    dossier.mkdir()
    vrai = ecrire_paquet(tmp_path / "vrai", "ML-A", PAQUETS["ML-A"])
    os.symlink(vrai, dossier / "ML-A_2024")
    consolidation = consolider(dossier, parse_period("2024"), _reseau(tmp_path))
    assert not consolidation.incluses and "lien symbolique" in consolidation.refusees[0].motif


def test_un_mois_et_son_cumul_consolides_par_periode(tmp_path):
    """A monthly package holds the month and the year to date (manifest « periodes »): one network row per period."""
    mars, cumul = ("2024-03-01", "2024-03-31"), ("2024-01-01", "2024-03-31")
    dossier = tmp_path / "paquets"
    for code, (n_mars, n_cumul) in {"ML-A": ("4", "10"), "ML-B": ("1", "6")}.items():
        ecrire_paquet(dossier, code, [("pa_nb_jeunes", "", n_cumul, n_cumul, "", cumul),
                                      ("pa_nb_jeunes", "", n_mars, n_mars, "", mars)],
                      periode="2024-03", periodes=(mars, cumul))
    ecrire_paquet(dossier, "ML-C", [("pa_nb_jeunes", "", "2", "2", "", P2024)], periode="2024-03",
                  periodes=(mars, cumul))
    consolidation = consolider(dossier, parse_period("2024-03"), _reseau(tmp_path))
    reseau = [(r["periode_debut"].isoformat(), r["periode_fin"].isoformat(), r["valeur"])
              for r in consolidation.lignes if r["structure"] == "ARML-TEST"]
    assert reseau == [("2024-01-01", "2024-03-31", 16.0), ("2024-03-01", "2024-03-31", 5.0)]
    (refus,) = consolidation.refusees
    assert refus.motif == ("Paquet refusé : ML-C (Mission Locale C) : ML-C_2024-03/agregats.csv : agregats.csv, "
                           "ligne 2, colonne « periode_debut » : période absente de « periodes » de manifest.json "
                           "(valeur lue : « 2024-01-01 »)")


def test_un_paquet_range_plus_bas_est_trouve(tmp_path):
    """A structure's whole output folder copied in: its package (reseau/<code>_<période>/) is the candidate, the
    folder above it is not refused for having no manifest."""
    dossier = tmp_path / "paquets"
    ecrire_paquet(dossier / "ML-A" / "reseau", "ML-A", PAQUETS["ML-A"])
    (dossier / "ML-A" / "indicateurs.csv").write_text("x\n", encoding="utf-8")
    ecrire_paquet(dossier, "ML-B", PAQUETS["ML-B"])
    consolidation = consolider(dossier, parse_period("2024"), _reseau(tmp_path))
    assert [(s.code, s.statut, s.fichier) for s in consolidation.structures] == [
        ("ML-A", INCLUSE, "ML-A/reseau/ML-A_2024"), ("ML-B", INCLUSE, "ML-B_2024")]


def test_consolidate_tient_le_verrou_de_milo_home(tmp_path, paquets):
    """Like `run`: while another writer holds MILO_HOME, `--no-wait` fails at once (exit 1, French), nothing
    published."""
    from milo_pipeline.lib import verrou

    home, out = tmp_path / "home", tmp_path / "out"
    home.mkdir()
    with verrou.verrou(home, "milo-pipeline run --period 2024"):
        r = run_cli(["consolidate", "--packages", str(paquets), "--period", "2024", "--out", str(out), "--reseau",
                     str(ecrire_reseau(tmp_path)), "--no-wait"], home, env=_env(home))
    assert r.returncode == 1, r.stderr
    assert "milo-pipeline run --period 2024" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_un_motif_tient_sur_une_ligne(tmp_path):
    dossier = tmp_path / "paquets"
    f = ecrire_paquet(dossier, "ML-A", PAQUETS["ML-A"][:1]) / "agregats.csv"
    _resceller(f, f.read_bytes().replace(b"pa_nb_jeunes,,10", b'pa_nb_jeunes,,"1\n0"'))
    (refus,) = consolider(dossier, parse_period("2024"), _reseau(tmp_path)).refusees
    assert "\n" not in refus.motif and "(valeur lue : « 1 0 »)" in refus.motif


@pytest.mark.skipif(importlib.util.find_spec("milo_pipeline.lib.reseau.paquet") is None,
                    reason="the package a run writes (lib/reseau/paquet.py) is built beside this part")
def test_le_paquet_d_un_vrai_run_consolide_seul_redonne_ses_valeurs(run_2024, tmp_path):
    """The package of the real run of the fixture is accepted, and a network of that one structure has, for every
    indicator that aggregates, the structure's value byte for byte: the summed numerators over the summed
    denominators give back each share, mean, ratio and evolution, rounded as the mart rounds them."""
    (paquet,) = (run_2024.out / "reseau").glob("*_2024")
    shutil.copytree(paquet, tmp_path / "paquets" / paquet.name)
    consolidation = consolider(tmp_path / "paquets", parse_period("2024"), _reseau(tmp_path))
    assert [s.statut for s in consolidation.structures] == [INCLUSE]
    lignes = _csv(indicateurs_reseau_csv(consolidation.lignes))
    reseau = {(r["periode_debut"], r["indicateur"], r["modalite"]): r["valeur"] for r in lignes
              if r["structure"] == "ARML-TEST"}
    agregees = [r for r in _csv((paquet / "agregats.csv").read_bytes()) if r["agregation"] != "non_agregeable"]
    assert len(reseau) == len(agregees) > 200
    assert reseau == {(r["periode_debut"], r["indicateur"], r["modalite"]): r["valeur"] for r in agregees}
