"""The dbt formulas of the first slice (pa_*, acc_*, pacea_*, disp_*) on a hand-built warehouse.

The raw.* tables are written by hand (as the ingestion would: typed, PII-free), the real dbt project
is built once for two periods — the year 2024 and August 2024, a month with no welcome and no
accompanied youth — and the rows of `indicateurs` are compared with values computed by hand below.

Youths (born · sex · QPV · ZRR · level/diploma · housing → category · mobility · licence · first welcome)
  J01 2006-03-10 F QPV  -    V/Non   Chez les parents            Aucun     -  2024-03-10
  J02 2006-03-11 H -    ZRR  IV/Oui  CHRS → Foyer, CHRS, hôtel   Voiture   B  2024-03-10
  J03 2000-07-01 F -    ?    VI/?    (empty) → Non communiqué    Vélo      B  2023-05-01
  J04 1998-06-15 H QPV  -    III/Oui Logement autonome           Transports -  2024-12-31
  J05 2010-02-01 F -    -    IV/Non  Chez les parents            Aucun     -  2025-01-02
  J06 2003-01-01 H -    -    IV/Oui  Chez les parents            Voiture   B  2022-01-01
  J07 2001-09-09 F QPV  -    V/?     Hôtel → Foyer, CHRS, hôtel  Aucun     -  2021-01-01
  J08 1999-01-01 H -    -    II/Oui  Logement autonome           Voiture   B  2020-01-01
  J09 2006-05-20 F -    ZRR  V bis/? Chez des amis               (empty)   -  2019-01-01
  J10 2005-01-01 H -    -    V/Oui   Chez les parents            Vélo      -  2023-01-01
  J11 2004-04-04 F QPV  -    VI/Non  Chez les parents            Aucun     -  2022-06-01
  J12 2007-12-31 F -    ZRR  IV/Non  Chez les parents            Aucun     -  2021-01-01
"""

from __future__ import annotations

import duckdb
import pytest
from dbt_helpers import SAISIES_MANUELLES, assert_values, build_warehouse, read_valeurs, seed

pytestmark = pytest.mark.slow

FIRST_SLICE = ("pa_", "acc_", "pacea_", "disp_")
ANNEE = ("2024-01-01", "2024-12-31")
AOUT = ("2024-08-01", "2024-08-31")

RAW = """
insert into raw.jeunes values
    ('J01', '2006-03-10', 'F', '25000', '25056', 'QN02501M', false, 'V', false, 'Chez les parents',
     'Aucun', false, false, '2024-03-01', '2024-03-10', 'Besançon'),
    ('J02', '2006-03-11', 'H', '25000', '25056', null, true, 'IV', true, 'CHRS',
     'Voiture', true, false, '2024-03-01', '2024-03-10', 'Besançon'),
    ('J03', '2000-07-01', 'F', '25000', '25056', null, null, 'VI', null, null,
     'Vélo', true, false, '2023-05-01', '2023-05-01', 'Besançon'),
    ('J04', '1998-06-15', 'H', '25000', '25056', 'QN02502M', false, 'III', true, 'Logement autonome',
     'Transports en commun', false, false, '2024-12-01', '2024-12-31', 'Besançon'),
    ('J05', '2010-02-01', 'F', '25000', '25056', null, false, 'IV', false, 'Chez les parents',
     'Aucun', false, false, '2024-06-01', '2025-01-02', 'Besançon'),
    ('J06', '2003-01-01', 'H', '25000', '25056', null, false, 'IV', true, 'Chez les parents',
     'Voiture', true, false, '2022-01-01', '2022-01-01', 'Besançon'),
    ('J07', '2001-09-09', 'F', '25000', '25056', 'QN02501M', false, 'V', null, 'Hôtel',
     'Aucun', false, false, '2021-01-01', '2021-01-01', 'Besançon'),
    ('J08', '1999-01-01', 'H', '25000', '25056', null, false, 'II', true, 'Logement autonome',
     'Voiture', true, false, '2020-01-01', '2020-01-01', 'Besançon'),
    ('J09', '2006-05-20', 'F', '25000', '25056', null, true, 'V bis', null, 'Chez des amis',
     null, false, false, '2019-01-01', '2019-01-01', 'Besançon'),
    ('J10', '2005-01-01', 'H', '25000', '25056', null, false, 'V', true, 'Chez les parents',
     'Vélo', false, false, '2023-01-01', '2023-01-01', 'Besançon'),
    ('J11', '2004-04-04', 'F', '25000', '25056', 'QN02501M', false, 'VI', false, 'Chez les parents',
     'Aucun', false, false, '2022-06-01', '2022-06-01', 'Besançon'),
    ('J12', '2007-12-31', 'F', '25000', '25056', null, true, 'IV', false, 'Chez les parents',
     'Aucun', false, false, '2021-01-01', '2021-01-01', 'Besançon');

insert into raw.evenements values
    ('E01', 'J01', '2024-03-10 09:00:00', 'Entretien individuel', 'Présent', 'Besançon'),
    ('E02', 'J02', '2024-03-01 09:00:00', 'Entretien individuel', 'Absent', 'Besançon'),
    ('E03', 'J02', '2024-03-12 09:00:00', 'Entretien individuel', 'Présent', 'Besançon'),
    ('E04', 'J03', '2024-01-03 14:00:00', 'Information collective', 'Annulé', 'Besançon'),
    ('E05', 'J03', '2024-01-05 14:00:00', 'Atelier', 'Présent', 'Besançon'),
    ('E06', 'J04', '2024-12-31 23:30:00', 'Entretien individuel', 'Présent', 'Besançon'),
    ('E07', 'J05', '2024-06-01 10:00:00', 'Atelier', 'Absent', 'Besançon'),
    ('E08', 'J05', '2024-06-02 10:00:00', 'Entretien individuel', 'Reporté', 'Besançon'),
    ('E09', 'J06', '2025-01-01 00:15:00', 'Entretien individuel', 'Présent', 'Besançon'),
    ('E10', 'J06', '2024-10-10 10:00:00', 'Atelier', 'Planifié', 'Besançon'),
    ('E11', 'J07', '2024-12-31 23:30:00', 'Atelier', 'Présent', 'Besançon'),
    ('E12', 'J08', '2024-04-04 10:00:00', 'Entretien téléphonique', 'Présent', 'Besançon'),
    ('E13', 'J08', '2023-12-31 23:59:00', 'Entretien individuel', 'Présent', 'Besançon'),
    ('E14', 'J09', '2024-05-19 10:00:00', 'Information collective', 'Présent', 'Besançon'),
    ('E15', 'J09', '2024-05-20 10:00:00', 'Entretien individuel', 'Présent', 'Besançon');

insert into raw.dispositifs values
    ('J10', 'PACEA', '2024-01-15', '2024-03-31', 'Emploi durable'),
    ('J10', 'PACEA', '2024-09-01', null, null),
    ('J02', 'PACEA', '2024-03-10', '2024-08-15', 'Abandon'),
    ('J04', 'PACEA', '2025-01-10', null, null),
    ('J11', 'CEJ', '2022-06-01', null, null),
    ('J12', 'CEJ', '2024-02-01', '2024-12-31', null),
    ('J09', 'CEJ', '2024-05-19', null, null),
    ('J03', 'CEJ', '2023-01-01', '2024-02-15', 'Alternance'),
    ('J07', 'Atelier Bidule', '2024-06-01', '2024-06-30', null);

insert into raw.allocations values
    ('J10', 'PACEA', '2024-02-05', 300.50),
    ('J10', 'PACEA', '2024-03-05', 252.26),
    ('J02', 'PACEA', '2024-12-31', 100.25),
    ('J01', 'CEJ', '2024-05-05', 500.00),
    ('J03', 'PACEA', '2023-12-31', 200.00);
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """One `dbt build` (seeds, models, data and unit tests) for the module."""
    return build_warehouse(tmp_path_factory.mktemp("dbt_formulas"), RAW, [ANNEE, AOUT])


@pytest.fixture(scope="module")
def valeurs(warehouse):
    return read_valeurs(warehouse)


def test_premier_accueil_2024(valeurs):
    # PA 2024 = J01, J02 (10/03/2024), J04 (31/12/2024); J03 (2023) and J05 (02/01/2025) are out: n = 3.
    # Ages at the welcome date: J01 born 10/03/2006 → 18 that very day (18-21, not a minor);
    # J02 born 11/03/2006 → 17 (16-17); J04 born 15/06/1998 → 26 (26 ans et plus).
    assert_values(valeurs, ANNEE, {
        ("pa_nb_jeunes", None): 3,
        ("pa_sexe_pct", "F"): 33.3,  # J01: 100 × 1/3
        ("pa_sexe_pct", "H"): 66.7,  # J02, J04: 100 × 2/3 = 66.67
        ("pa_tranche_age_pct", "Moins de 16 ans"): 0,
        ("pa_tranche_age_pct", "16-17 ans"): 33.3,  # J02
        ("pa_tranche_age_pct", "18-21 ans"): 33.3,  # J01
        ("pa_tranche_age_pct", "22-25 ans"): 0,
        ("pa_tranche_age_pct", "26 ans et plus"): 33.3,  # J04
        ("pa_hebergement_pct", "Chez les parents"): 33.3,  # J01
        ("pa_hebergement_pct", "Logement autonome"): 33.3,  # J04
        ("pa_hebergement_pct", "Chez un membre de la famille"): 0,
        ("pa_hebergement_pct", "Foyer, CHRS, hôtel"): 33.3,  # J02 (CHRS)
        ("pa_hebergement_pct", "Chez des amis"): 0,
        ("pa_hebergement_pct", "Sans hébergement"): 0,
        ("pa_hebergement_pct", "Non communiqué"): 0,
        ("pa_qpv_pct", None): 66.7,  # J01, J04
        ("pa_zrr_pct", None): 33.3,  # J02
        ("pa_sans_qualification_pct", None): 33.3,  # J01 (V without the diploma); J02 IV, J04 III
        ("pa_sans_locomotion_nb", None): 1,  # J01
        ("pa_permis_b_nb", None): 1,  # J02
        ("pa_voiture_nb", None): 1,  # J02
    })


def test_accompagnes_2024(valeurs):
    # ACC 2024 (qualifying nature + Présent, on a day of 2024):
    #   J01 E01 (10/03, 18); J02 E03 (12/03: E02 Absent does not count; 18 since 11/03);
    #   J03 E05 atelier 05/01 (E04 Annulé ignored; 23); J04 E06 31/12 23:30 (26);
    #   J07 E11 atelier 31/12 23:30 (23); J09 E14 info collective 19/05 (17: 18 on 20/05).
    #   Not J05 (Absent, Reporté), J06 (01/01/2025 00:15; Planifié), J08 (Entretien téléphonique;
    #   31/12/2023 23:59). n = 6.
    assert_values(valeurs, ANNEE, {
        ("acc_nb_jeunes", None): 6,
        ("acc_sexe_pct", "F"): 66.7,  # J01 J03 J07 J09: 4/6
        ("acc_sexe_pct", "H"): 33.3,  # J02 J04
        ("acc_tranche_age_pct", "Moins de 16 ans"): 0,
        ("acc_tranche_age_pct", "16-17 ans"): 16.7,  # J09
        ("acc_tranche_age_pct", "18-21 ans"): 33.3,  # J01 J02
        ("acc_tranche_age_pct", "22-25 ans"): 33.3,  # J03 J07
        ("acc_tranche_age_pct", "26 ans et plus"): 16.7,  # J04
        ("acc_hebergement_pct", "Chez les parents"): 16.7,  # J01
        ("acc_hebergement_pct", "Logement autonome"): 16.7,  # J04
        ("acc_hebergement_pct", "Chez un membre de la famille"): 0,
        ("acc_hebergement_pct", "Foyer, CHRS, hôtel"): 33.3,  # J02 CHRS, J07 Hôtel
        ("acc_hebergement_pct", "Chez des amis"): 16.7,  # J09
        ("acc_hebergement_pct", "Sans hébergement"): 0,
        ("acc_hebergement_pct", "Non communiqué"): 16.7,  # J03 (empty); the rounded shares sum to 100.1
        ("acc_qpv_pct", None): 50,  # J01 J04 J07
        ("acc_zrr_pct", None): 33.3,  # J02 J09 (J03 unknown is not ZRR)
        ("acc_sans_qualification_pct", None): 50,  # J01 V/Non, J03 VI, J09 V bis (J07 V/unknown is not)
        ("acc_sans_locomotion_nb", None): 2,  # J01 J07
        ("acc_permis_b_nb", None): 2,  # J02 J03
        ("acc_voiture_nb", None): 1,  # J02
        ("acc_nb_entretiens_individuels", None): 4,  # E01 E03 E06 E15 (E13 is 2023, E09 2025)
    })


def test_pacea_2024(valeurs):
    # PACEA paid in 2024: J10 300,50 + 252,26; J02 100,25 → 653,01 € for 2 youths (J01's payment is CEJ,
    # J03's is dated 2023). Mean 326,505 → 326,51: as a DOUBLE it is 326,50499…, rounded through DECIMAL.
    assert_values(valeurs, ANNEE, {
        ("pacea_montant_eur", None): 653.01,
        ("pacea_nb_jeunes", None): 2,
        ("pacea_moyenne_eur", None): 326.51,
    })


def test_dispositifs_2024(valeurs):
    # PACEA: J10 entered 15/01, left 31/03 (Emploi durable), re-entered 01/09 (open) → beneficiary,
    #   present at the end, exit; J02 entered 10/03 at 17, left 15/08 (Abandon); J04's entry in 2025
    #   does not count. Beneficiaries J10 (19, H), J02 (17, H, ZRR).
    # CEJ: J12 entered 01/02 at 16, left 31/12 (not open at the end); J09 entered 19/05 at 17 (18 the
    #   next day), open, V bis, ZRR; J11 open since 2022 (present, not a beneficiary); J03 left 15/02
    #   (Alternance) with an entry in 2023: an exit without an entry.
    # Atelier Bidule (not in the catalogue): J07 in and out in June, reason empty.
    # Ensemble: beneficiaries J10 J02 J12 J09 J07 = 5; women J12 J09 J07; minors at their first entry
    #   J02 J12 J09; sans qualification J09; QPV J07; ZRR J02 J12 J09; present at the end J10 J11 J09;
    #   youths with an exit J10 J02 J12 J03 J07.
    assert_values(valeurs, ANNEE, {
        ("disp_nb_beneficiaires", "PACEA"): 2,
        ("disp_femmes_pct", "PACEA"): 0,
        ("disp_mineurs_pct", "PACEA"): 50,
        ("disp_sans_qualification_pct", "PACEA"): 0,
        ("disp_qpv_pct", "PACEA"): 0,
        ("disp_zrr_pct", "PACEA"): 50,
        ("disp_nb_presents_fin", "PACEA"): 1,
        ("disp_nb_sorties", "PACEA"): 2,
        ("disp_nb_beneficiaires", "CEJ"): 2,
        ("disp_femmes_pct", "CEJ"): 100,
        ("disp_mineurs_pct", "CEJ"): 100,
        ("disp_sans_qualification_pct", "CEJ"): 50,
        ("disp_qpv_pct", "CEJ"): 0,
        ("disp_zrr_pct", "CEJ"): 100,
        ("disp_nb_presents_fin", "CEJ"): 2,
        ("disp_nb_sorties", "CEJ"): 2,
        ("disp_nb_beneficiaires", "Atelier Bidule"): 1,
        ("disp_femmes_pct", "Atelier Bidule"): 100,
        ("disp_mineurs_pct", "Atelier Bidule"): 0,
        ("disp_qpv_pct", "Atelier Bidule"): 100,
        ("disp_nb_presents_fin", "Atelier Bidule"): 0,
        ("disp_nb_sorties", "Atelier Bidule"): 1,
        # a catalogue programme with no entrant: zero counts, no shares
        ("disp_nb_beneficiaires", "PEC"): 0,
        ("disp_femmes_pct", "PEC"): None,
        ("disp_mineurs_pct", "PEC"): None,
        ("disp_nb_presents_fin", "PEC"): 0,
        ("disp_nb_beneficiaires", "Ensemble"): 5,
        ("disp_femmes_pct", "Ensemble"): 60,
        ("disp_mineurs_pct", "Ensemble"): 60,
        ("disp_sans_qualification_pct", "Ensemble"): 20,
        ("disp_qpv_pct", "Ensemble"): 20,
        ("disp_zrr_pct", "Ensemble"): 60,
        ("disp_nb_presents_fin", "Ensemble"): 3,
        ("disp_nb_sorties", "Ensemble"): 5,
    })
    motifs = {k[2]: v for k, v in valeurs.items() if k[0] == ANNEE and k[1] == "disp_sorties_motif_nb"}
    assert motifs == {
        "PACEA|Emploi durable": 1,  # J10
        "PACEA|Abandon": 1,  # J02
        "CEJ|Non renseigné": 1,  # J12
        "CEJ|Alternance": 1,  # J03
        "Atelier Bidule|Non renseigné": 1,  # J07
    }


def test_august_has_empty_cohorts_and_the_reentry_is_not_yet_back(valeurs):
    # August 2024: no first welcome, no qualifying event, no payment → counts 0, shares and mean NULL.
    # PACEA: J10 left on 31/03 and comes back on 01/09 → not present on 31/08; J02 leaves on 15/08.
    # CEJ present on 31/08: J11, J12 (leaves 31/12), J09.
    assert_values(valeurs, AOUT, {
        ("pa_nb_jeunes", None): 0,
        ("pa_sexe_pct", "F"): None,
        ("pa_tranche_age_pct", "18-21 ans"): None,
        ("pa_hebergement_pct", "Non communiqué"): None,
        ("pa_qpv_pct", None): None,
        ("pa_sans_locomotion_nb", None): 0,
        ("acc_nb_jeunes", None): 0,
        ("acc_sexe_pct", "H"): None,
        ("acc_sans_qualification_pct", None): None,
        ("acc_voiture_nb", None): 0,
        ("acc_nb_entretiens_individuels", None): 0,
        ("pacea_montant_eur", None): 0,
        ("pacea_nb_jeunes", None): 0,
        ("pacea_moyenne_eur", None): None,
        ("disp_nb_beneficiaires", "PACEA"): 0,
        ("disp_femmes_pct", "PACEA"): None,
        ("disp_nb_presents_fin", "PACEA"): 0,
        ("disp_nb_sorties", "PACEA"): 1,
        ("disp_nb_presents_fin", "CEJ"): 3,
        ("disp_nb_beneficiaires", "Atelier Bidule"): 0,
        ("disp_nb_beneficiaires", "Ensemble"): 0,
        ("disp_mineurs_pct", "Ensemble"): None,
        ("disp_nb_presents_fin", "Ensemble"): 3,
        ("disp_nb_sorties", "Ensemble"): 1,
        ("disp_sorties_motif_nb", "PACEA|Abandon"): 1,
    })


def test_breakdowns_list_every_modality(valeurs):
    vocabulaires: dict[str, set[str]] = {}
    for row in seed("vocabulaires"):
        vocabulaires.setdefault(row["vocabulaire"], set()).add(row["modalite"])
    programmes = {row["dispositif"] for row in seed("programmes")} | {"Atelier Bidule", "Ensemble"}
    for periode in (ANNEE, AOUT):
        for row in seed("indicateurs_dictionnaire"):
            if row["indicateur"].startswith(SAISIES_MANUELLES):
                continue  # typed files, absent from this warehouse: no rows
            modalites = {k[2] for k in valeurs if k[0] == periode and k[1] == row["indicateur"]}
            if row["vocabulaire"] in vocabulaires:
                assert modalites == vocabulaires[row["vocabulaire"]], row["indicateur"]
            elif row["vocabulaire"] == "dispositif":
                assert modalites == programmes, row["indicateur"]
            elif not row["vocabulaire"]:
                assert modalites == {None}, row["indicateur"]


def test_every_first_slice_indicator_is_produced_with_the_dictionary_unit(warehouse):
    dictionnaire = {(row["indicateur"], row["unite"], int(row["ordre"]))
                    for row in seed("indicateurs_dictionnaire") if row["indicateur"].startswith(FIRST_SLICE)}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        produced = set(con.sql("select distinct indicateur, unite, ordre from main.indicateurs").fetchall())
        periodes = con.sql(
            "select count(distinct (periode_debut, periode_fin)) from main.indicateurs_couverture "
            "where is_produit and starts_with(indicateur, 'pa_')"
        ).fetchall()
    assert {p for p in produced if p[0].startswith(FIRST_SLICE)} == dictionnaire
    assert periodes == [(2,)]
