"""Disclosure control of the network's consolidated table (lib/reseau/secret.py), its register (lib/reseau/registre.py)
and the regional funder extracts (lib/reseau/extraits.py): computed by hand, and attacked the way a reader would,
from what is published and the equations any reader knows (the network is the sum of its structures)."""

from __future__ import annotations

import csv
import importlib.util
import io
import itertools
import random
import time
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pytest

from milo_pipeline.lib import extraits
from milo_pipeline.lib.periods import Periode
from milo_pipeline.lib.reseau import extraits as extraits_reseau
from milo_pipeline.lib.reseau import registre as registre_reseau
from milo_pipeline.lib.reseau.secret import PublieeReseau, cle_reseau, paires_reseau, secretiser_reseau
from milo_pipeline.lib.suppression import MASQUE, Cellule, Groupe, recalculables, secretiser

ROOT = Path(__file__).resolve().parents[1]
DICTIONNAIRE = ROOT / "dbt_project" / "seeds" / "indicateurs_dictionnaire.csv"
with open(DICTIONNAIRE, encoding="utf-8", newline="") as f:
    LIGNES_DICTIONNAIRE = list(csv.DictReader(f))
DICO = {d["indicateur"]: d for d in LIGNES_DICTIONNAIRE}
STRUCTURE = extraits.structure_du_dictionnaire()
ANNEE = Periode(date(2024, 1, 1), date(2024, 12, 31))
DECEMBRE = Periode(date(2024, 12, 1), date(2024, 12, 31))
RESEAU = "ARML-BFC"


def ligne(structure, indicateur, valeur, modalite=None, periode=ANNEE):
    return {"structure": structure, "periode_debut": periode.debut, "periode_fin": periode.fin,
            "indicateur": indicateur, "modalite": modalite, "valeur": valeur, "unite": DICO[indicateur]["unite"],
            "agregation": DICO[indicateur]["agregation"]}


def masquees(table) -> set[tuple]:
    return {(r["structure"], r["indicateur"], r["modalite"]) for r in table.lignes if r["valeur"] == MASQUE}


def publiees(table) -> dict[tuple, float]:
    return {(r["structure"], r["indicateur"], r["modalite"]): r["valeur"] for r in table.lignes
            if r["valeur"] != MASQUE}


def valeurs_possibles(inconnues: list[str], equations: list[tuple[dict[str, int], int]], borne: int) -> dict:
    """The attacker: every assignment of 0..borne to the unknowns satisfying every equation (Σ coef × x = constant);
    each unknown → the set of its possible values."""
    possibles = {x: set() for x in inconnues}
    for valeurs in itertools.product(range(borne + 1), repeat=len(inconnues)):
        x = dict(zip(inconnues, valeurs, strict=True))
        if all(sum(c * x[n] for n, c in coefs.items()) == constante for coefs, constante in equations):
            for n, v in x.items():
                possibles[n].add(v)
    return possibles


# ------------------------------------------------------------------------------ the network minus the others

def trois_structures(b: int = 2):
    """Three structures: A 30, B `b`, C 20 youths accompanied; the network 50 + b."""
    return [ligne(RESEAU, "acc_nb_jeunes", 50 + b), ligne("ML-A", "acc_nb_jeunes", 30),
            ligne("ML-B", "acc_nb_jeunes", b), ligne("ML-C", "acc_nb_jeunes", 20)]


def test_the_network_minus_the_other_structures_does_not_give_a_small_count():
    """B = 2 is masked (primary). The network (52) is published: with A and C published, 52 − 30 − 20 = 2 would
    give B; so C (the smallest other, 20) is masked too, and 52 − 30 = 22 = B + C says nothing of B."""
    lignes = [{**r, "numerateur": r["valeur"], "denominateur": None} for r in trois_structures()]
    table = secretiser_reseau(lignes, STRUCTURE, 5)
    assert masquees(table) == {("ML-B", "acc_nb_jeunes", None), ("ML-C", "acc_nb_jeunes", None)}
    assert [r["numerateur"] for r in table.lignes] == [52, 30, None, None], "a masked cell's numerator is emptied"
    assert table.motifs[("ML-B", ANNEE.debut, ANNEE.fin, "acc_nb_jeunes", None)] == "primaire"
    assert table.motifs[("ML-C", ANNEE.debut, ANNEE.fin, "acc_nb_jeunes", None)] == "secondaire"
    vu = publiees(table)
    assert vu == {(RESEAU, "acc_nb_jeunes", None): 52, ("ML-A", "acc_nb_jeunes", None): 30}
    # the attacker: network = A + B + C, with what is published
    possibles = valeurs_possibles(["B", "C"], [({"B": 1, "C": 1}, 52 - 30)], 60)
    assert possibles["B"] == set(range(23)), "B can be anything from 0 to 22"
    # each structure masked alone (no equation across structures): the subtraction gives B back
    seule = {s: extraits.secretiser_indicateurs([r for r in trois_structures() if r["structure"] == s], STRUCTURE)
             for s in (RESEAU, "ML-A", "ML-B", "ML-C")}
    assert [s for s, t in seule.items() if t.lignes[0]["valeur"] == MASQUE] == ["ML-B"]
    assert seule[RESEAU].lignes[0]["valeur"] - 30 - seule["ML-C"].lignes[0]["valeur"] == 2


def test_a_masked_structure_is_hidden_by_another_whose_sum_reaches_k():
    """B 2 and C 3 are both small (primary): together 5 = k, so the network (55) minus A (50) gives only B + C = 5:
    nothing more is masked."""
    lignes = [ligne(RESEAU, "acc_nb_jeunes", 55), ligne("ML-A", "acc_nb_jeunes", 50),
              ligne("ML-B", "acc_nb_jeunes", 2), ligne("ML-C", "acc_nb_jeunes", 3)]
    assert masquees(secretiser_reseau(lignes, STRUCTURE, 5)) == {("ML-B", "acc_nb_jeunes", None),
                                                                  ("ML-C", "acc_nb_jeunes", None)}
    possibles = valeurs_possibles(["B", "C"], [({"B": 1, "C": 1}, 5)], 10)
    assert possibles["B"] == possibles["C"] == set(range(6))


def test_the_network_s_share_minus_the_structures_shares_does_not_give_a_small_numerator():
    """QPV share: A 10 of 40 (25 %), B 3 of 30 (10 %), C 10 of 20 (50 %); the network 23 of 90 (25.6 %). B's
    numerator 3 is masked (primary); the network's numerator 25.6 % × 90 = 23 minus A's and C's would give it: A
    (numerator 10, first of the two smallest) is masked too. The counts (40, 30, 20, 90) stay published."""
    lignes = [ligne(RESEAU, "acc_nb_jeunes", 90), ligne(RESEAU, "acc_qpv_pct", 25.6)]
    for code, n, pct in (("ML-A", 40, 25.0), ("ML-B", 30, 10.0), ("ML-C", 20, 50.0)):
        lignes += [ligne(code, "acc_nb_jeunes", n), ligne(code, "acc_qpv_pct", pct)]
    table = secretiser_reseau(lignes, STRUCTURE, 5)
    assert masquees(table) == {("ML-B", "acc_qpv_pct", None), ("ML-A", "acc_qpv_pct", None)}
    assert table.effectifs[(RESEAU, ANNEE.debut, ANNEE.fin, "acc_qpv_pct", None)] == 23
    # the attacker: numerators from each published share and its published denominator
    vu = publiees(table)
    reseau = round(vu[(RESEAU, "acc_qpv_pct", None)] * vu[(RESEAU, "acc_nb_jeunes", None)] / 100)
    c = round(vu[("ML-C", "acc_qpv_pct", None)] * vu[("ML-C", "acc_nb_jeunes", None)] / 100)
    possibles = valeurs_possibles(["A", "B"], [({"A": 1, "B": 1}, reseau - c)], 40)
    assert 3 in possibles["B"] and len(possibles["B"]) == 14, "B's numerator anywhere from 0 to 13"


def test_an_evolution_of_the_network_does_not_give_a_structure_s_small_count_of_last_year():
    """2024: A 40 (+33.3 %), B 10 (+400 %), C 20 (+0 %), the network 70 (+34.6 %): each evolution gives last year's
    count, A 30, B 10 / 5 = 2, C 20, the network 52. B's is masked (primary: 2); the network's 52 − 30 − 20 would
    give it: C's evolution (the smallest other, 20) is masked too."""
    an_2023 = Periode(date(2023, 1, 1), date(2023, 12, 31))
    lignes = []
    for code, n, evolution in ((RESEAU, 70, 34.6), ("ML-A", 40, 33.3), ("ML-B", 10, 400.0), ("ML-C", 20, 0.0)):
        lignes += [ligne(code, "service_civique_nb", n), ligne(code, "service_civique_evolution_pct", evolution)]
    table = secretiser_reseau(lignes, STRUCTURE, 5)
    assert table.motifs == {("ML-B", ANNEE.debut, ANNEE.fin, "service_civique_evolution_pct", None): "primaire",
                            ("ML-C", ANNEE.debut, ANNEE.fin, "service_civique_evolution_pct", None): "secondaire"}
    possibles = valeurs_possibles(["B", "C"], [({"B": 1, "C": 1}, 52 - 30)], 30)
    assert possibles["B"] == set(range(23))
    # last year sent as the masking gave it (the network 52 and A 30 published, B and C masked): the same result
    envoyees = [PublieeReseau(code, an_2023.debut, an_2023.fin, "service_civique_nb", None,
                              None if masque else n, masque, n)
                for code, n, masque in ((RESEAU, 52, False), ("ML-A", 30, False), ("ML-B", 2, True),
                                        ("ML-C", 20, True))]
    table = secretiser_reseau(lignes, STRUCTURE, 5, envoyees)
    assert masquees(table) == {("ML-B", "service_civique_evolution_pct", None),
                               ("ML-C", "service_civique_evolution_pct", None)}


# ------------------------------------------------------------------------------------- random networks

def table_aleatoire(graine: int) -> list[dict]:
    """A network of 4 structures with small cells: counts, a breakdown with its total, shares."""
    r = random.Random(graine)
    structures = {}
    for code in ("ML-A", "ML-B", "ML-C", "ML-D"):
        n = r.choice([3, 8, 40, 120])
        programmes = {p: r.choice([0, 1, 2, 3, 6, 12, 50]) for p in ("CEJ", "PACEA", "PPAE")}
        femmes = r.randint(0, n)
        structures[code] = (n, programmes, femmes)
    lignes = []

    def ajouter(code, n, programmes, femmes):
        lignes.append(ligne(code, "acc_nb_jeunes", n))
        lignes.append(ligne(code, "acc_qpv_pct", round(100 * femmes / n, 1)))
        lignes.extend(ligne(code, "disp_nb_beneficiaires", v, p) for p, v in programmes.items())
        lignes.append(ligne(code, "disp_nb_beneficiaires", sum(programmes.values()), "Ensemble"))

    ajouter(RESEAU, sum(s[0] for s in structures.values()),
            {p: sum(s[1][p] for s in structures.values()) for p in ("CEJ", "PACEA", "PPAE")},
            sum(s[2] for s in structures.values()))
    for code, s in structures.items():
        ajouter(code, *s)
    return lignes


@pytest.mark.parametrize("graine", range(25))
def test_random_networks_publish_no_small_count_and_no_recomputable_cell(graine):
    """No effectif from 1 to 4 published (counts, numerators of shares), and no masked cell that the equations
    of the table (each structure's, the network's, network = Σ structures) determine from what is published."""
    lignes = table_aleatoire(graine)
    table = secretiser_reseau(lignes, STRUCTURE, 5)
    for r in table.lignes:
        if r["valeur"] != MASQUE:
            assert not 1 <= table.effectifs[cle_reseau(r)] <= 4, r
    # the reader's equations, written here: per structure, Ensemble = Σ programmes; across, network = Σ structures
    groupes = []
    codes = sorted({r["structure"] for r in lignes})
    cle = lambda s, i, m=None: (s, ANNEE.debut, ANNEE.fin, i, m)  # noqa: E731
    for s in codes:
        groupes.append(Groupe(tuple(cle(s, "disp_nb_beneficiaires", p) for p in ("CEJ", "PACEA", "PPAE")),
                              cle(s, "disp_nb_beneficiaires", "Ensemble")))
    for i, m in [("acc_nb_jeunes", None), ("acc_qpv_pct", None),
                 *(("disp_nb_beneficiaires", p) for p in ("CEJ", "PACEA", "PPAE", "Ensemble"))]:
        groupes.append(Groupe(tuple(cle(s, i, m) for s in codes if s != RESEAU), cle(RESEAU, i, m)))
    assert recalculables(groupes, table.motifs) == set()


# --------------------------------------------------------------------------------- across periods

def test_the_network_s_year_sent_before_then_a_monthly_consolidation():
    """The network's 2024 (33 youths with a CEJ) was sent. December: A 30, B 1, C 0, the network 31. B is masked
    (primary) and A (secondary: 31 − 0 − A would give B); the network's December is 2 below its year, sent: a
    difference of 2 (who had a CEJ in 2024 but not in December): the December value is masked."""
    envoyee = PublieeReseau(RESEAU, ANNEE.debut, ANNEE.fin, "disp_nb_beneficiaires", "CEJ", 33, False, 33)
    lignes = [ligne(code, "disp_nb_beneficiaires", v, "CEJ", DECEMBRE)
              for code, v in ((RESEAU, 31), ("ML-A", 30), ("ML-B", 1), ("ML-C", 0))]
    table = secretiser_reseau(lignes, STRUCTURE, 5, [envoyee])
    assert {k[0]: m for k, m in table.motifs.items()} == {"ML-B": "primaire", "ML-A": "secondaire",
                                                         RESEAU: "écart"}
    assert table.differences == 1
    assert publiees(table) == {("ML-C", "disp_nb_beneficiaires", "CEJ"): 0}


def test_a_structure_s_month_against_the_network_s_year_is_a_nested_pair():
    """The network's year holds each structure's month: the pair exists (difference ≥ k or 0 required), not the
    other way round, nor over the same period (network = Σ structures covers it)."""
    cellules = {(s, p.debut, p.fin, "x", None): Cellule(10) for s in (RESEAU, "ML-A") for p in (ANNEE, DECEMBRE)}
    assert paires_reseau(cellules, {}, RESEAU) == [((RESEAU, ANNEE.debut, ANNEE.fin, "x", None),
                                                   ("ML-A", DECEMBRE.debut, DECEMBRE.fin, "x", None))]


def test_a_published_year_and_a_structure_s_month_never_differ_by_1_to_4():
    """When the year's count is not a set holding the month's (a count of youths present at the end of the
    period: the network's year 33, A's December 30), the pair alone masks A's December (difference 3), then B's
    (network = A + B); the engine with only each structure's pairs would publish A (the network's December 40 = A
    30 + B 10 is far from 33)."""
    envoyee = PublieeReseau(RESEAU, ANNEE.debut, ANNEE.fin, "disp_nb_presents_fin", "Ensemble", 33, False, 33)
    lignes = [ligne(code, "disp_nb_presents_fin", v, "Ensemble", DECEMBRE)
              for code, v in ((RESEAU, 40), ("ML-A", 30), ("ML-B", 10))]
    table = secretiser_reseau(lignes, STRUCTURE, 5, [envoyee])
    assert table.motifs == {("ML-A", DECEMBRE.debut, DECEMBRE.fin, "disp_nb_presents_fin", "Ensemble"): "écart",
                            ("ML-B", DECEMBRE.debut, DECEMBRE.fin, "disp_nb_presents_fin", "Ensemble"): "secondaire"}
    # the engine given only the equation network = A + B and the network's own pair: A is published
    cellules = {cle_reseau(r): Cellule(r["valeur"]) for r in lignes}
    annee = (RESEAU, ANNEE.debut, ANNEE.fin, "disp_nb_presents_fin", "Ensemble")
    cellules[annee] = Cellule(33)
    cles = list(cellules)
    assert secretiser(cellules, [Groupe((cles[1], cles[2]), cles[0])], 5, {annee: False}, [(annee, cles[0])]) == {}


def test_cells_sent_before_keep_their_state_per_structure():
    """A's 2024 count was sent masked, B's sent as 12: this consolidation keeps them so (A masked, B published
    even though its value computed now, 13, differs: the value sent is kept, and reported)."""
    lignes = [ligne(RESEAU, "acc_nb_jeunes", 60), ligne("ML-A", "acc_nb_jeunes", 35),
              ligne("ML-B", "acc_nb_jeunes", 13), ligne("ML-C", "acc_nb_jeunes", 12)]
    envoyees = [PublieeReseau("ML-A", ANNEE.debut, ANNEE.fin, "acc_nb_jeunes", None, None, True, 35),
                PublieeReseau("ML-B", ANNEE.debut, ANNEE.fin, "acc_nb_jeunes", None, 12, False, 12)]
    table = secretiser_reseau(lignes, STRUCTURE, 5, envoyees)
    assert table.motifs == {("ML-A", ANNEE.debut, ANNEE.fin, "acc_nb_jeunes", None): "déjà masqué",
                            ("ML-C", ANNEE.debut, ANNEE.fin, "acc_nb_jeunes", None): "secondaire"}
    assert publiees(table)[("ML-B", "acc_nb_jeunes", None)] == 12
    assert table.figees_differentes == (("ML-B", ANNEE.debut, ANNEE.fin, "acc_nb_jeunes", None),)


# -------------------------------------------------------------------------------------------- register

def test_the_register_is_written_only_when_the_consolidation_publishes(tmp_path):
    base = registre_reseau.chemin(tmp_path)
    assert registre_reseau.publiees_reseau(base, [(ANNEE.debut, ANNEE.fin)]) == []
    assert not base.exists(), "reading does not create the register"
    table = secretiser_reseau(trois_structures(), STRUCTURE, 5)
    assert registre_reseau.envoyer(base, "c1", "rapport_public", table.lignes, table) == 4
    assert registre_reseau.publiees_reseau(base, [(ANNEE.debut, ANNEE.fin)]) == [], "about to be sent: not yet"

    def echoue():
        raise OSError("disque plein")

    with pytest.raises(OSError):
        registre_reseau.valider(base, "c1", echoue, datetime(2025, 1, 20, 9))
    assert registre_reseau.publiees_reseau(base, [(ANNEE.debut, ANNEE.fin)]) == [], "publication failed: nothing"
    n, resultat = registre_reseau.valider(base, "c1", lambda: "publié", datetime(2025, 1, 20, 9))
    assert (n, resultat) == (4, "publié")
    envoyees = registre_reseau.publiees_reseau(base, [(DECEMBRE.debut, DECEMBRE.fin)])
    assert [(p.structure, p.valeur, p.masque, p.effectif) for p in envoyees] == [
        (RESEAU, 52, False, 52), ("ML-A", 30, False, 30), ("ML-B", None, True, 2), ("ML-C", None, True, 20)]
    with duckdb.connect(str(base), read_only=True) as con:
        assert con.execute("select count(*) from diffusion.envois_reseau").fetchone() == (0,)
        assert con.execute("select distinct destinataire, run_id from diffusion.registre_reseau").fetchall() == [
            ("rapport_public", "c1")]
    # a later consolidation abandoned: its pending sends are dropped, the register unchanged
    registre_reseau.envoyer(base, "c2", "etat_dreets_reseau", table.lignes[:1], table)
    registre_reseau.abandonner(base, "c2")
    with duckdb.connect(str(base), read_only=True) as con:
        assert con.execute("select count(*) from diffusion.envois_reseau").fetchone() == (0,)
        assert con.execute("select count(*) from diffusion.registre_reseau").fetchone() == (4,)
    # what was sent holds the next consolidation: B stays masked, A keeps 30
    suivante = secretiser_reseau(trois_structures(b=7), STRUCTURE, 5,
                                 registre_reseau.publiees_reseau(base, [(ANNEE.debut, ANNEE.fin)]))
    assert masquees(suivante) == {("ML-B", "acc_nb_jeunes", None), ("ML-C", "acc_nb_jeunes", None)}
    assert publiees(suivante)[(RESEAU, "acc_nb_jeunes", None)] == 52, "the network's value sent is kept"


# -------------------------------------------------------------------------------------------- extracts

FORMULE = "=HYPERLINK(\"http://x\")"


def table_consolidee():
    """The network and three structures, a modality that looks like a formula, small counts here and there."""
    lignes = []
    valeurs = {"ML-A": (120, 30, 40, 2), "ML-B": (40, 3, 12, 0), "ML-C": (25, 8, 1, 6)}
    reseau = tuple(sum(v[i] for v in valeurs.values()) for i in range(4))
    for code, (n, cej, pacea, f) in ((RESEAU, reseau), *valeurs.items()):
        lignes += [ligne(code, "acc_nb_jeunes", n), ligne(code, "acc_qpv_pct", round(100 * (n // 4) / n, 1)),
                   ligne(code, "disp_nb_beneficiaires", cej, "CEJ"),
                   ligne(code, "disp_nb_beneficiaires", pacea, "PACEA"),
                   ligne(code, "disp_nb_beneficiaires", f, FORMULE),
                   ligne(code, "disp_nb_beneficiaires", cej + pacea + f, "Ensemble")]
    return lignes


def test_the_two_network_funders_load():
    financeurs = {f.code: f for f in extraits_reseau.charger_financeurs_reseau()}
    assert {c: f.structures for c, f in financeurs.items()} == {"etat_dreets_reseau": True,
                                                               "region_bfc_reseau": False}
    assert financeurs["etat_dreets_reseau"].fichier == "config/reseau/financeurs/etat_dreets_reseau.yaml"
    ids = {d["indicateur"] for d in LIGNES_DICTIONNAIRE}
    for f in financeurs.values():
        extraits.verifier_indicateurs(f, ids)


def test_a_malformed_network_funder_is_refused_with_the_file_and_the_key(tmp_path):
    (tmp_path / "arml.yaml").write_text("financeur: X\nstructures: oui\nindicateurs: [acc_nb_jeunes]\n",
                                        encoding="utf-8")
    with pytest.raises(extraits.ConfigurationInvalide, match=r"config/reseau/financeurs/arml.yaml : `structures` : "
                                                             r"'oui' invalide \(attendu true ou false\)"):
        extraits_reseau.charger_financeurs_reseau(tmp_path)
    # a Mission Locale's funder has no such key
    (tmp_path / "arml.yaml").write_text("financeur: X\nstructures: true\nindicateurs: [acc_nb_jeunes]\n",
                                        encoding="utf-8")
    with pytest.raises(extraits.ConfigurationInvalide, match=r"config/financeurs/arml.yaml : clé\(s\) inconnue"):
        extraits.charger_financeurs(tmp_path)


@pytest.fixture(scope="module")
def extraits_ecrits(tmp_path_factory):
    staging = tmp_path_factory.mktemp("staging")
    table = secretiser_reseau(table_consolidee(), STRUCTURE, 5)
    financeurs = [extraits.Financeur("dreets", "DREETS", (extraits.Selection("acc_nb_jeunes"),
                                                          extraits.Selection("disp_nb_beneficiaires")),
                                     formats=("xlsx", "csv"), structures=True),
                  extraits.Financeur("region", "Région", (extraits.Selection("acc_nb_jeunes"),
                                                          extraits.Selection("acc_qpv_pct")),
                                     formats=("xlsx", "csv"), structures=False)]
    sources = extraits_reseau.sources_reseau("ARML Bourgogne-Franche-Comté", [("ML-A/agregats.csv", "ab" * 32)])
    ecrits = extraits_reseau.ecrire_extraits_reseau(table, financeurs, staging, LIGNES_DICTIONNAIRE, ANNEE, sources,
                                                    5, RESEAU, datetime(2025, 1, 20, 9).astimezone())
    return staging, table, ecrits


def test_the_masking_of_the_extracts_table_by_hand(extraits_ecrits):
    """Primary: A's formula-like modality 2, B's CEJ 3, C's PACEA 1. Within each structure (Ensemble = CEJ + PACEA
    + the third modality) the smallest other non-zero part: A's CEJ 30, B's PACEA 12 (its third is 0), C's third 6.
    Across structures every masked set already reaches k: CEJ 30 + 3, PACEA 12 + 1, the third 2 + 6 (its network
    value 8 minus B's 0). The six equations form one even cycle (rank 5): nothing is determined."""
    _, table, _ = extraits_ecrits
    assert {(s, m): table.motifs[(s, ANNEE.debut, ANNEE.fin, i, m)] for s, i, m in masquees(table)} == {
        ("ML-A", FORMULE): "primaire", ("ML-A", "CEJ"): "secondaire", ("ML-B", "CEJ"): "primaire",
        ("ML-B", "PACEA"): "secondaire", ("ML-C", "PACEA"): "primaire", ("ML-C", FORMULE): "secondaire"}


def test_the_network_extracts_open_and_publish_no_small_count(extraits_ecrits):
    staging, table, ecrits = extraits_ecrits
    assert [e.nom for e in ecrits] == ["dreets_2024", "region_2024"]
    dreets = staging / "extraits" / "dreets" / "2024"
    assert sorted(p.name for p in dreets.iterdir()) == ["dreets_2024.csv", "dreets_2024.xlsx",
                                                         "dreets_2024_definitions.csv", "manifest.json"]
    texte = (dreets / "dreets_2024.csv").read_bytes().decode("utf-8-sig")
    lues = list(csv.DictReader(io.StringIO(texte, newline=""), delimiter=";"))
    assert list(lues[0]) == ["structure", "periode_debut", "periode_fin", "indicateur", "libelle", "modalite",
                             "valeur", "unite"]
    assert [r["structure"] for r in lues] == [RESEAU] * 5 + ["ML-A"] * 5 + ["ML-B"] * 5 + ["ML-C"] * 5
    assert [r["valeur"] for r in lues if r["structure"] == "ML-C"] == ["25", "8", "s", "s", "15"]
    assert {r["modalite"] for r in lues} >= {f"'{FORMULE}"}, "a formula-like text is inert in the CSV"
    region = list(csv.DictReader(io.StringIO((staging / "extraits" / "region" / "2024" / "region_2024.csv")
                                             .read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [(r["structure"], r["indicateur"], r["valeur"]) for r in region] == [
        (RESEAU, "acc_nb_jeunes", "185"), (RESEAU, "acc_qpv_pct", "24,9")]

    wb = openpyxl.load_workbook(dreets / "dreets_2024.xlsx")
    assert wb.sheetnames == ["Présentation", "Données", "Définitions"]
    assert wb["Présentation"]["A3"].value == "Réseau" and wb["Présentation"]["B3"].value.startswith("ARML")
    assert "entre les structures du réseau" in wb["Présentation"]["B7"].value
    cellules = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cellules if c.data_type == "f"], "no formula anywhere"
    donnees = list(wb["Données"].iter_rows(values_only=True))
    assert donnees[0][0] == "structure" and len(donnees) == 21
    formules = [c for c in wb["Données"]["F"] if c.value == FORMULE]
    assert len(formules) == 4 and all(c.data_type == "s" and c.quotePrefix for c in formules)
    # no count from 1 to 4 anywhere: every staged CSV and every workbook
    for fichier in staging.glob("extraits/*/*/*_2024.csv"):
        for r in csv.DictReader(io.StringIO(fichier.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"):
            if r["unite"] == "nb":
                assert r["valeur"] == MASQUE or not 1 <= int(r["valeur"]) <= 4, (fichier.name, r)
    for fichier in staging.glob("extraits/*/*/*.xlsx"):
        for r in openpyxl.load_workbook(fichier)["Données"].iter_rows(min_row=2, values_only=True):
            assert r[-1] != "nb" or r[-2] == MASQUE or not 1 <= r[-2] <= 4, (fichier.name, r)


@pytest.mark.slow
def test_libreoffice_opens_the_network_workbook_with_its_structure_column(extraits_ecrits, tmp_path):
    """The DREETS workbook opened by LibreOffice Calc and saved as CSV: the structure column, the formula-like
    modality read as text, the masked cells as `s`."""
    import subprocess

    staging, _, _ = extraits_ecrits
    profil = [f"-env:UserInstallation=file://{tmp_path}/profil"]
    vers_csv = "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false,false"
    subprocess.run(["soffice", "--headless", *profil, "--convert-to", f"{vers_csv},-1", "--outdir", str(tmp_path),
                    str(staging / "extraits" / "dreets" / "2024" / "dreets_2024.xlsx")], check=True,
                   capture_output=True, timeout=300)
    lues = list(csv.reader(io.StringIO((tmp_path / "dreets_2024-Données.csv").read_text(encoding="utf-8")),
                           delimiter=";"))
    assert lues[0][0] == "structure" and len(lues) == 21
    assert [r[5] for r in lues[1:] if r[0] == "ML-A"][3] == FORMULE
    assert [r[6] for r in lues[1:] if r[0] == "ML-C"] == ["25", "8", "s", "s", "15"]


# ------------------------------------------------------------------------------------- at scale

def _table_du_benchmark(n: int) -> list[dict]:
    """benchmarks/secret_reseau.py's table: the fixture's indicator table replicated for `n` structures, each times
    an integer (consistent: breakdowns still sum to their totals), one in four small (5 to 20 youths)."""
    spec = importlib.util.spec_from_file_location("secret_reseau", ROOT / "benchmarks" / "secret_reseau.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.table_reseau(n)


def determinees_svd(groupes: list[Groupe], masquees: set) -> set:
    """The reader's linear algebra, written apart from the engine's: the masked cells are the unknowns, each
    equation gives a row, published cells are constants; a cell is determined when its unit vector lies in the row
    space (its squared norm on an orthonormal basis of that space, from the SVD, is 1). Per connected component."""
    parent = {c: c for g in groupes for c in g.cellules if c in masquees}

    def racine(c):
        while parent[c] != c:
            c = parent[c]
        return c

    for g in groupes:
        inconnues = [c for c in g.cellules if c in masquees]
        for c in inconnues[1:]:
            parent[racine(c)] = racine(inconnues[0])
    composantes: dict = {}
    for g in groupes:
        if inconnues := [c for c in g.cellules if c in masquees]:
            composantes.setdefault(racine(inconnues[0]), []).append(g)
    determinees = set()
    for equations in composantes.values():
        colonne = {c: j for j, c in enumerate(dict.fromkeys(c for g in equations for c in g.cellules
                                                            if c in masquees))}
        systeme = np.zeros((len(equations), len(colonne)))
        for i, g in enumerate(equations):
            for p in g.parties:
                if p in masquees:
                    systeme[i, colonne[p]] += 1
            if g.total in masquees:
                systeme[i, colonne[g.total]] -= 1
        _, valeurs, vt = np.linalg.svd(systeme, full_matrices=False)
        norme = (vt[:int((valeurs > 1e-9).sum())] ** 2).sum(axis=0)
        determinees |= {c for c, j in colonne.items() if norme[j] > 1 - 1e-9}
    return determinees


def test_sixty_structures_are_masked_safely_and_quickly():
    """60 structures (20,379 cells, a quarter of the structures small): masked in a few seconds (440 in benchmarks/),
    and the reader finds nothing: no effectif from 1 to 4 published; for every count, the network minus the
    structures published leaves 0 or at least 5; and no masked cell determined by the equations
    any reader knows (each structure's breakdowns and sums from the dictionary, the network = Σ structures), solved
    with the reader's own linear algebra (`determinees_svd`), which finds the same cells as the engine's exact audit
    where there are some to find."""
    lignes = _table_du_benchmark(60)
    assert len(lignes) == 279 + 60 * 335  # the network's rows (no territory), then 60 times the fixture's
    debut = time.perf_counter()
    table = secretiser_reseau(lignes, STRUCTURE, 5, reseau="ARML-BENCH")
    assert time.perf_counter() - debut < 60
    masquees = {cle_reseau(r) for r in table.lignes if r["valeur"] == MASQUE}
    effectifs = table.effectifs
    assert len(masquees) > 1000 and any(k[0] == "ARML-BENCH" for k in masquees)
    assert not [k for k, e in effectifs.items() if k not in masquees and e is not None and 1 <= e <= 4]
    # the reader's equations: each structure's (the dictionary's breakdowns, totals, sums), network = Σ structures
    groupes = []
    par_structure: dict = {}
    for r in lignes:
        par_structure.setdefault(r["structure"], []).append(r)
    for code, rows in par_structure.items():
        cellules, groupes_structure, _ = extraits.cellules_et_groupes(rows, STRUCTURE)
        groupes += [Groupe(tuple((code, *p) for p in g.parties), None if g.total is None else (code, *g.total))
                    for g in groupes_structure]
    parties: dict = {}
    for r in lignes:
        k = cle_reseau(r)
        agregee = (r["agregation"] == "somme" and r["unite"] == "nb") or r["unite"] == "pct"
        if r["structure"] != "ARML-BENCH" and agregee and effectifs.get(k) is not None:
            parties.setdefault(k[1:], []).append(k)
    reseau = [("ARML-BENCH", *k) for k in parties if effectifs.get(("ARML-BENCH", *k)) is not None]
    groupes += [Groupe(tuple(parties[k[1:]]), k) for k in reseau]
    # the network's count minus the structures' counts published (a share's numerator comes from a rounded share:
    # the network's and the sum of the structures' differ by the rounding, no count of people)
    for total in reseau:
        if total not in masquees and DICO[total[3]]["unite"] == "nb":
            reste = effectifs[total] - sum(effectifs[p] for p in parties[total[1:]] if p not in masquees)
            assert not 1 <= reste <= 4, (total, reste)
    assert determinees_svd(groupes, masquees) == set()
    # the engine's exact audit and the reader's SVD agree at this scale where there is something to find: the same
    # table with one secondary cell in three published again
    secondaires = sorted(k for k, m in table.motifs.items() if m == "secondaire")
    partiel = masquees - set(secondaires[::3])
    fuites = determinees_svd(groupes, partiel)
    assert len(fuites) > 50
    assert recalculables(groupes, partiel) == fuites
