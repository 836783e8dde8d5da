"""The ages are computed at ingestion, exactly, and the birth date never reaches the warehouse.

Two youths, everything on 20/06/2024 (first welcome, registration, an interview « Présent », a CEJ entry, the
start of a mentorship): J18 born 20/06/2006 — 18 that very day, not a minor —, J17 born 21/06/2006 — still 17,
a minor. The real ingestion writes the warehouse, the real dbt project computes the indicators of 2024; every
value below is computed by hand.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dbt_helpers import assert_values, dbt_build, read_valeurs
from openpyxl import Workbook

from milo_pipeline.lib.ingestion import age_revolu_sql, ingest_exports
from milo_pipeline.lib.pseudonymisation import ENV_KEY, pseudonymise

KEY = "cle-de-test-des-ages-32-octets-au-moins"
ANNEE = ("2024-01-01", "2024-12-31")

FICHIERS = {
    "jeunes": [
        "id_jeune;nom;prenom;date_naissance;sexe;code_postal;commune_insee;qpv_code;zrr;niveau_formation;"
        "diplome_obtenu;hebergement;moyen_locomotion;permis_b;rqth;date_inscription;date_premier_accueil;site",
        "J18;Durand;Léa;20/06/2006;F;25000;25056;;Non;IV;Oui;Chez les parents;Aucun;Non;Non;20/06/2024;20/06/2024;A",
        "J17;Morel;Hugo;21/06/2006;H;25000;25056;;Non;IV;Oui;Chez les parents;Aucun;Non;Non;20/06/2024;20/06/2024;A",
    ],
    "evenements": [
        "id_evenement;id_jeune;date_evenement;nature;statut;conseiller;site",
        "E1;J18;2024-06-20 09:00:00;Entretien individuel;Présent;C01;A",
        "E2;J17;2024-06-20 23:30:00;Entretien individuel;Présent;C01;A",
        "E3;J17;2024-06-21 09:00:00;Atelier;Présent;C01;A",
    ],
    "situations": ["id_jeune;categorie;type_contrat;date_debut;date_fin;etat",
                   "J18;Emploi;CDD;01/09/2024;;EN_COURS"],
    "allocations": ["id_jeune;dispositif;date_paiement;montant", "J17;CEJ;05/07/2024;500"],
    "parrainages": ["id_parrainage;id_jeune;id_parrain;date_debut;date_fin;motif_fin;nb_entretiens",
                    "P1;J18;M1;20/06/2024;;;1", "P2;J17;M1;20/06/2024;;;1"],
    "parrains": ["id_parrain;nom;statut;date_entree", "M1;Petit;Retraité;01/01/2024"],
    "reperage": ["id_contact;date_contact;canal;repere;id_jeune", "R1;02/02/2024;Maraude;Oui;J18"],
    "contacts_entreprises": ["id_contact;siret;raison_sociale;date_contact;type_contact",
                             "C1;01234567800011;Boulangerie;03/03/2024;Visite"],
}


def exports(folder: Path) -> Path:
    folder.mkdir()
    for table, lignes in FICHIERS.items():
        (folder / f"{table}_2025-01-15.csv").write_text("\n".join(lignes) + "\n", encoding="utf-8")
    classeur = Workbook()
    classeur.active.append(["id_jeune", "dispositif", "date_entree", "date_sortie", "motif_sortie"])
    classeur.active.append(["J18", "CEJ", "20/06/2024", None, None])
    classeur.active.append(["J17", "CEJ", "20/06/2024", None, None])
    classeur.save(folder / "dispositifs_2025-01-15.xlsx")
    return folder


@pytest.fixture(scope="module")
def entrepot(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("ages")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(ENV_KEY, KEY)
        ingest_exports(exports(tmp / "exports"), tmp / "home" / "warehouse.duckdb", tmp / "home")
    return tmp / "home" / "warehouse.duckdb"


def requete(path: Path, sql: str):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def h(valeur: str) -> str:
    return pseudonymise(KEY.encode(), valeur)


def test_ages_at_ingestion_count_the_birthday_from_its_day(entrepot):
    j18, j17 = h("J18"), h("J17")
    assert requete(entrepot, "select id_jeune, age_premier_accueil, age_inscription from raw.jeunes") == [
        (j18, 18, 18), (j17, 17, 17)]
    # J17's age at each event: 17 on 20/06 (even at 23:30), 18 on 21/06, his birthday
    assert requete(entrepot, "select id_evenement, id_jeune, age_evenement from raw.evenements") == [
        (h("E1"), j18, 18), (h("E2"), j17, 17), (h("E3"), j17, 18)]
    assert requete(entrepot, "select id_jeune, age_entree from raw.dispositifs") == [(j18, 18), (j17, 17)]
    assert requete(entrepot, "select id_parrainage, age_debut from raw.parrainages") == [(h("P1"), 18), (h("P2"), 17)]


def test_no_birth_date_in_the_warehouse(entrepot):
    colonnes = requete(entrepot, "select table_name, column_name, data_type from information_schema.columns "
                                 "where table_schema = 'raw'")
    assert not [c for c in colonnes if "naissance" in c[1]]
    # nothing the birth date could be read back from: no date column of the youths but the two events
    assert sorted(c[1] for c in colonnes if c[0] == "jeunes" and c[2] == "DATE") == [
        "date_inscription", "date_premier_accueil"]
    assert not requete(entrepot, "select * from raw.jeunes where cast(columns(*) as varchar) in "
                                 "('2006-06-20', '2006-06-21', '20/06/2006', '21/06/2006')")


@pytest.mark.slow
def test_the_youth_whose_birthday_is_the_reference_date_is_not_a_minor(entrepot, tmp_path):
    """pa/acc: J18 in 18-21, J17 in 16-17 (1 of 2 = 50 %); CEJ: 1 minor entrant (J17); programmes: CEJ 50 % of
    minors; mentoring: 50 % of minors at the start. J17's first qualifying event is on 20/06 (17), although he
    is 18 at the next one."""
    valeurs = read_valeurs(dbt_build(entrepot, tmp_path, [ANNEE]))
    assert_values(valeurs, ANNEE, {
        ("pa_nb_jeunes", None): 2,
        ("pa_tranche_age_pct", "16-17 ans"): 50.0,
        ("pa_tranche_age_pct", "18-21 ans"): 50.0,
        ("acc_nb_jeunes", None): 2,
        ("acc_tranche_age_pct", "16-17 ans"): 50.0,
        ("acc_tranche_age_pct", "18-21 ans"): 50.0,
        ("cej_nb_entrees", None): 2,
        ("cej_nb_mineurs", None): 1,
        ("disp_mineurs_pct", "CEJ"): 50.0,
        ("parr_mineurs_pct", None): 50.0,
    })


@pytest.mark.parametrize(("naissance", "reference", "age"), [
    ("2006-06-20", "2024-06-20", 18),  # the 18th birthday
    ("2006-06-21", "2024-06-20", 17),  # the day before it
    ("2006-06-21", "2024-06-20 23:59:59", 17),  # an event late in the evening: its day counts
    ("2004-02-29", "2023-02-28", 18),  # born on 29 February: one year older on 1 March of a non-leap year
    ("2004-02-29", "2023-03-01", 19),
    ("2004-02-29", "2024-02-29", 20),
    ("2006-12-31", "2024-01-01", 17),
    ("2010-01-01", "2009-12-31", -1),  # a reference before the birth (an error in the export): shown as such
    (None, "2024-06-20", None),
    ("2006-06-20", None, None),
])
def test_age_revolu_sql(naissance, reference, age):
    sql = f"select {age_revolu_sql('cast($n as date)', 'cast($r as timestamp)')}"
    assert duckdb.execute(sql, {"n": naissance, "r": reference}).fetchall() == [(age,)]
