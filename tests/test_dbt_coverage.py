"""The dbt formulas of the CEJ, mentoring, employment, territory, QPV and outreach families on a
hand-built warehouse (see dbt_helpers), built once for two periods: the year 2024 and February 2025
(a month ending on the 28th whose year-earlier month ends on 29 February 2024). Every expected value
below is computed by hand from these rows.

Youths (sex · born · commune → territory of the committed seeds · QPV · ZRR · mobility · licence · RQTH)
  K01 F 15/06/2007 25056 Besançon → CU Grand Besançon Métropole                   QN02501M  -    Aucun   -  -
  K02 H 10/01/2000 70334 Marnay (Haute-Saône) → CC du Val Marnaysien               -         ZRR  Voiture B  RQTH
  K03 F 03/03/1999 39300 Lons-le-Saunier (Jura) → Hors territoire                  -         -    Vélo    B  -
  K04 H 09/09/2005 25509 Routelle, delegated commune of Osselle-Routelle → CU GBM  QN02502M  -    Aucun   -  -
  K05 F 01/12/2008 no commune → Hors territoire                                    -         ?    Transports -  -
  K06 H 05/05/2003 25047 Baume-les-Dames → CC du Doubs Baumois (never accompanied) -         -    Voiture B  -
  K07 F 28/02/2006 25118, former code of Baume-les-Dames → CC du Doubs Baumois     -         -    Deux-roues - -

Accompanied (a qualifying event « Présent » in the period): 2024 = K01 K02 K03 K04 K05 K07 (6; K06 was
absent); February 2025 = K01 K02.
"""

from __future__ import annotations

import pytest
from dbt_helpers import assert_values, build_warehouse, modalites, read_valeurs, seed

pytestmark = pytest.mark.slow

ANNEE = ("2024-01-01", "2024-12-31")
FEVRIER = ("2025-02-01", "2025-02-28")
SECTIONS = ("cej", "parrainage", "emploi", "qpv", "territoires", "reperage")
EPCI = ["CU Grand Besançon Métropole", "CC Loue-Lison", "CC du Doubs Baumois", "CC du Pays de Sancey-Belleherbe",
        "CC des Deux Vallées Vertes", "CC du Val Marnaysien", "Hors territoire"]

RAW = """
insert into raw.jeunes values
    ('K01', '2007-06-15', 'F', '25000', '25056', 'QN02501M', false, 'V', false, 'Chez les parents',
     'Aucun', false, false, '2023-12-01', '2024-01-10', 'Besançon'),
    ('K02', '2000-01-10', 'H', '70150', '70334', null, true, 'IV', true, 'Logement autonome',
     'Voiture', true, true, '2021-09-01', '2021-09-01', 'Marnay'),
    ('K03', '1999-03-03', 'F', '39000', '39300', null, false, 'III', true, 'Logement autonome',
     'Vélo', true, false, '2021-01-01', '2021-01-01', 'Besançon'),
    ('K04', '2005-09-09', 'H', '25320', '25509', 'QN02502M', false, 'VI', null, 'Chez les parents',
     'Aucun', false, false, '2023-04-01', '2023-04-01', 'Besançon'),
    ('K05', '2008-12-01', 'F', null, null, null, null, 'V bis', null, null,
     'Transports en commun', false, false, '2024-10-01', '2024-10-01', 'Besançon'),
    ('K06', '2003-05-05', 'H', '25110', '25047', null, false, 'IV', true, 'Chez les parents',
     'Voiture', true, false, '2022-01-01', '2022-01-01', 'Baume-les-Dames'),
    ('K07', '2006-02-28', 'F', '25110', '25118', null, false, 'V', true, 'Chez les parents',
     'Deux-roues motorisé', false, false, '2024-01-01', '2024-01-01', 'Baume-les-Dames');

insert into raw.evenements values
    ('V01', 'K01', '2024-02-10 09:00:00', 'Entretien individuel', 'Présent', 'Besançon'),
    ('V02', 'K01', '2024-03-01 14:00:00', 'Atelier', 'Présent', 'Besançon'),
    ('V03', 'K01', '2024-03-20 10:00:00', 'Information collective', 'Présent', 'Besançon'),
    ('V04', 'K02', '2024-06-01 09:00:00', 'Entretien individuel', 'Présent', 'Marnay'),
    ('V05', 'K03', '2024-11-30 09:00:00', 'Entretien individuel', 'Présent', 'Besançon'),
    ('V06', 'K03', '2024-12-15 09:00:00', 'Entretien individuel', 'Présent', 'Besançon'),
    ('V07', 'K04', '2024-04-04 09:00:00', 'Atelier', 'Présent', 'Besançon'),
    ('V08', 'K05', '2024-07-07 09:00:00', 'Information collective', 'Présent', 'Besançon'),
    ('V09', 'K06', '2024-05-05 09:00:00', 'Entretien individuel', 'Absent', 'Baume-les-Dames'),
    ('V10', 'K07', '2024-10-10 09:00:00', 'Entretien individuel', 'Présent', 'Baume-les-Dames'),
    ('V11', 'K01', '2025-02-03 09:00:00', 'Entretien individuel', 'Présent', 'Besançon'),
    ('V12', 'K02', '2025-02-28 17:00:00', 'Entretien individuel', 'Présent', 'Marnay');

insert into raw.dispositifs values
    ('K01', 'CEJ', '2024-03-01', null, null),
    ('K02', 'CEJ', '2022-03-01', '2023-06-30', 'Emploi durable'),
    ('K02', 'CEJ', '2024-02-01', '2024-09-30', 'Abandon'),
    ('K03', 'CEJ', '2022-02-28', '2024-06-15', 'Formation qualifiante'),
    ('K04', 'CEJ', '2023-05-01', '2024-12-31', 'Création d''entreprise'),
    ('K05', 'CEJ', '2024-11-01', '2025-02-14', 'Alternance'),
    ('K06', 'PACEA', '2024-01-01', null, null);

insert into raw.situations values
    ('K01', 'Emploi', 'CDD', '2024-05-01', '2024-08-31', 'TERMINE'),
    ('K02', 'Contrat en alternance', null, '2023-09-01', '2025-08-31', 'EN_COURS'),
    ('K03', 'Emploi', 'CDI', '2024-12-31', null, 'PREVU'),
    ('K06', 'Emploi', 'Intérim', '2024-06-01', '2024-06-30', 'TERMINE'),
    ('K04', 'Formation', null, '2024-03-01', '2024-06-30', 'TERMINE'),
    ('K01', 'PMSMP', null, '2024-01-15', '2024-01-19', 'TERMINE'),
    ('K04', 'PMSMP', null, '2024-02-29', '2024-03-08', 'TERMINE'),
    ('K05', 'PMSMP', null, '2024-12-31', null, 'PREVU'),
    ('K01', 'PMSMP', null, '2023-02-01', '2023-02-03', 'TERMINE'),
    ('K02', 'PMSMP', null, '2025-02-10', '2025-02-14', 'EN_COURS'),
    ('K03', 'Immersion en entreprise', null, '2024-05-05', '2024-05-09', 'TERMINE'),
    ('K01', 'Immersion en entreprise', null, '2024-06-01', '2024-06-05', 'TERMINE'),
    ('K02', 'Contrat de volontariat - bénévolat', 'Service civique', '2024-10-01', null, 'EN_COURS'),
    ('K03', 'Contrat de volontariat - bénévolat', 'Autre mission', '2024-04-01', '2024-04-30', 'TERMINE'),
    ('K02', 'Contrat de volontariat - bénévolat', null, '2024-11-01', null, 'EN_COURS');

insert into raw.parrainages values
    ('Q1', 'K01', 'N1', '2023-11-01', '2024-02-29', 'Emploi', 3),
    ('Q2', 'K02', 'N1', '2024-03-01', null, null, 5),
    ('Q3', 'K03', 'N2', '2023-01-01', '2025-03-31', 'Autre', 10),
    ('Q4', 'K04', 'N3', '2024-06-01', '2024-06-30', 'Abandon', 1),
    ('Q5', 'K05', 'N2', '2022-01-01', '2023-12-31', 'Formation', 4),
    ('Q6', 'K01', 'N3', '2024-09-01', '2024-11-30', 'Formation', 2);

insert into raw.parrains values
    ('N1', 'Retraité', '2023-06-01'),
    ('N2', 'En activité', '2022-01-01'),
    ('N3', 'En activité', '2024-05-15'),
    ('N4', 'Retraité', '2024-12-31');

insert into raw.reperage values
    ('T1', '2023-12-20', 'Maraude', true, 'K01'),
    ('T2', '2024-02-10', 'Maraude', true, 'K01'),
    ('T3', '2024-03-02', 'Kaf''Truck', true, 'K01'),
    ('T4', '2024-11-30', 'Liste', true, 'K03'),
    ('T5', '2024-05-01', 'Événement', false, 'K04'),
    ('T6', '2024-06-06', null, true, null),
    ('T7', '2025-02-01', 'En ligne', true, 'K02');

insert into raw.contacts_entreprises values
    ('S1a', '11111111100011', '2023-06-01', 'Visite'),
    ('S1b', '11111111100011', '2024-03-01', 'Téléphone'),
    ('S1c', '11111111100011', '2025-02-01', 'Offre'),
    ('S2a', '22222222200022', '2024-01-01', 'Forum'),
    ('S2b', '22222222200022', '2024-12-31', 'Visite'),
    ('S3a', '33333333300033', '2025-02-15', 'Visite'),
    ('S4a', '44444444400044', '2023-12-31', 'Autre');
"""


@pytest.fixture(scope="module")
def valeurs(tmp_path_factory):
    """One `dbt build` (seeds, models, data and unit tests) for the module."""
    return read_valeurs(build_warehouse(tmp_path_factory.mktemp("dbt_coverage"), RAW, [ANNEE, FEVRIER]))


def test_cej_period_and_cumul(valeurs):
    # 2024 entrants: K01 (01/03, 16: minor), K02 (re-entry 01/02, 24, RQTH), K05 (01/11, 15: minor) → 3,
    #   women K01 K05 = 66.7 %; exits in 2024: K02 (Abandon), K03 (Formation qualifiante), K04 (Création
    #   d'entreprise) → 3, positive 2/3.
    # Cumul 01/03/2022–31/12/2024: K03 entered on 28/02/2022, the day before the CEJ: not an entrant;
    #   K02 entered on 01/03/2022 (the first day counts) and is one entrant; K04 (01/05/2023, 17: minor)
    #   → entrants K01 K02 K04 K05 = 4, women 50 %, minors K01 K04 K05 = 3; exits K02 K03 K04 = 3: K02's
    #   last exit of the window (Abandon, 2024) decides, not the positive one of 2023 → 2/3 positive.
    assert_values(valeurs, ANNEE, {
        ("cej_nb_entrees", None): 3, ("cej_nb_entrees_cumul", None): 4,
        ("cej_femmes_pct", None): 66.7, ("cej_femmes_pct_cumul", None): 50,
        ("cej_nb_sorties", None): 3, ("cej_nb_sorties_cumul", None): 3,
        ("cej_sorties_positives_pct", None): 66.7, ("cej_sorties_positives_pct_cumul", None): 66.7,
        ("cej_nb_mineurs", None): 2, ("cej_nb_mineurs_cumul", None): 3,
        ("cej_nb_rqth", None): 1, ("cej_nb_rqth_cumul", None): 1,
    })
    # February 2025: no entrant (no share of women), K05 leaves (Alternance); the cumul to 28/02/2025
    # adds that exit: 4 exits, 3 positive.
    assert_values(valeurs, FEVRIER, {
        ("cej_nb_entrees", None): 0, ("cej_femmes_pct", None): None, ("cej_nb_mineurs", None): 0,
        ("cej_nb_sorties", None): 1, ("cej_sorties_positives_pct", None): 100,
        ("cej_nb_entrees_cumul", None): 4, ("cej_nb_sorties_cumul", None): 4,
        ("cej_sorties_positives_pct_cumul", None): 75,
    })


def test_parrainage(valeurs):
    # Active in 2024: Q1 (01/11/2023–29/02/2024, spans the start), Q2 (from 01/03), Q3 (2023–2025, spans
    #   the whole year), Q4 (June), Q6 (K01 again, Sept.–Nov.); Q5 ended on 31/12/2023: not active.
    #   Youths K01 K02 K03 K04 = 4; QPV K01 K04; ZRR K02; minors at their pairing's start: K01 (16 on
    #   01/11/2023) — K04 turned 18 on 09/09/2023 → 1/4 = 25 %.
    # Ended in 2024: Q1 (Emploi, solution, 120 days), Q4 (Abandon, 29 days), Q6 (Formation, solution,
    #   90 days) → 3 exits, 2 solutions, 1 abandon, (120 + 29 + 90) / 3 = 79.67 days / 30.4375 = 2.6 months.
    # Mentors with an active pairing: N1 (retired), N2, N3 (working) → 3; new: N3 (joined 15/05/2024, then
    #   mentors Q4 and Q6) and N4 (31/12/2024, no pairing) → 2. 4 youths / 3 = 1.3 per mentor;
    #   interviews (3 + 5 + 10 + 1 + 2) / 3 = 7.0.
    assert_values(valeurs, ANNEE, {
        ("parr_nb_jeunes", None): 4, ("parr_nb_jeunes_qpv", None): 2, ("parr_nb_jeunes_zrr", None): 1,
        ("parr_mineurs_pct", None): 25,
        ("parr_nb_sorties", None): 3, ("parr_nb_sorties_solution", None): 2, ("parr_nb_abandons", None): 1,
        ("parr_nb_parrains", None): 3, ("parr_nb_parrains_retraites", None): 1, ("parr_nb_parrains_actifs", None): 2,
        ("parr_nb_nouveaux_parrains", None): 2,
        ("parr_jeunes_par_parrain", None): 1.3, ("parr_entretiens_par_parrain", None): 7,
        ("parr_duree_moyenne_mois", None): 2.6,
    })
    # February 2025: Q2 and Q3 active (K02 K03, N1 N2), nothing ended, nobody joined.
    assert_values(valeurs, FEVRIER, {
        ("parr_nb_jeunes", None): 2, ("parr_mineurs_pct", None): 0, ("parr_nb_sorties", None): 0,
        ("parr_nb_parrains", None): 2, ("parr_nb_parrains_retraites", None): 1, ("parr_nb_parrains_actifs", None): 1,
        ("parr_nb_nouveaux_parrains", None): 0, ("parr_jeunes_par_parrain", None): 1,
        ("parr_entretiens_par_parrain", None): 7.5, ("parr_duree_moyenne_mois", None): None,
    })


def test_emploi_immersions_volontariat_entreprises(valeurs):
    # Jobs starting in 2024 for ACC youths: K01 (CDD 01/05), K03 (CDI 31/12, PREVU counts) → 2 / 6;
    #   K02's apprenticeship started in 2023; K06's interim is not an accompanied youth's.
    # PMSMP 2024: K01 15/01, K04 29/02, K05 31/12 → 3; 2023: K01 01/02 → 1 → +200 % (not capped).
    # Other immersions: K03, K01 → 2; youths with either: K01 K04 K05 K03 → 4.
    # Service civique: K02 01/10 → 1, none in 2023 → no evolution; other volunteering: K03 (Autre
    #   mission), K02 (empty type) → 2; youths K02 K03 → 2.
    # Employers: 111… contacted in 2024 but first in 2023 (not new); 222… twice in 2024 (new) → 2, 1 new.
    assert_values(valeurs, ANNEE, {
        ("emploi_nb_jeunes", None): 2, ("emploi_acces_pct", None): 33.3,
        ("pmsmp_nb", None): 3, ("pmsmp_evolution_pct", None): 200,
        ("immersion_autres_nb", None): 2, ("immersion_nb_jeunes", None): 4,
        ("service_civique_nb", None): 1, ("service_civique_evolution_pct", None): None,
        ("volontariat_autres_nb", None): 2, ("volontariat_nb_jeunes", None): 2,
        ("entreprises_nb_contacts", None): 2, ("entreprises_nb_nouveaux_contacts", None): 1,
    })
    # February 2025 against 1–29 February 2024: PMSMP 1 (K02) vs 1 (K04 on the 29th) → 0 %; no service
    # civique either year → empty; employers 333… (new) and 111… (known since 2023).
    assert_values(valeurs, FEVRIER, {
        ("emploi_nb_jeunes", None): 0, ("emploi_acces_pct", None): 0,
        ("pmsmp_nb", None): 1, ("pmsmp_evolution_pct", None): 0,
        ("service_civique_nb", None): 0, ("service_civique_evolution_pct", None): None,
        ("entreprises_nb_contacts", None): 2, ("entreprises_nb_nouveaux_contacts", None): 1,
    })


def test_territoires_2024(valeurs):
    # GBM: K01 (Besançon) and K04 (Routelle, a delegated commune's code); Val Marnaysien: K02 (Marnay,
    # Haute-Saône); Doubs Baumois: K07 (former code 25118 of Baume-les-Dames); Hors territoire: K03
    # (Jura) and K05 (no commune). K06 lives in Baume-les-Dames but is not accompanied.
    attendu = {
        # GBM, Loue-Lison, Doubs Baumois, Sancey-Belleherbe, Deux Vallées Vertes, Val Marnaysien, Hors territoire
        "terr_nb_jeunes": [2, 0, 1, 0, 0, 1, 2],
        "terr_emploi_pct": [50, None, 0, None, None, 0, 50],  # K01; K03 (CDI on 31/12)
        "terr_zrr_pct": [0, None, 0, None, None, 100, 0],  # K02; K05's unknown ZRR is not ZRR
        "terr_sans_locomotion_nb": [2, 0, 0, 0, 0, 0, 0],  # K01 K04
        "terr_permis_b_nb": [0, 0, 0, 0, 0, 1, 1],  # K02, K03
        "terr_voiture_nb": [0, 0, 0, 0, 0, 1, 0],  # K02
        "terr_nb_jeunes_dispositif": [1, 0, 0, 0, 0, 1, 1],  # CEJ entries of 2024: K01, K02, K05
        "terr_nb_entretiens_individuels": [1, 0, 1, 0, 0, 1, 2],  # V01; V10; V04; V05 V06
    }
    for indicateur, valeurs_epci in attendu.items():
        assert modalites(valeurs, ANNEE, indicateur) == dict(zip(EPCI, valeurs_epci, strict=True)), indicateur


def test_qpv_lists_the_codes_where_accompanied_youths_live(valeurs):
    assert modalites(valeurs, ANNEE, "qpv_nb_jeunes") == {"QN02501M": 1, "QN02502M": 1}
    assert modalites(valeurs, FEVRIER, "qpv_nb_jeunes") == {"QN02501M": 1}  # K04 not accompanied then
    assert modalites(valeurs, FEVRIER, "terr_nb_jeunes") == dict(zip(EPCI, [1, 0, 0, 0, 0, 1, 0], strict=True))


def test_reperage(valeurs):
    # 2024 contacts: T2 (Maraude, K01: V01 that very day, V02, V03 → remobilised), T3 (Kaf'Truck, K01:
    # only V03 from 02/03), T4 (Liste, K03: V05 V06 = 2), T5 (Événement, not repéré), T6 (empty canal,
    # nobody registered) → 5 contacts, 4 repérés, 1 remobilised. T1 (20/12/2023): spotted before the period.
    assert_values(valeurs, ANNEE, {
        ("rep_nb_contacts", None): 5, ("rep_nb_reperes", None): 4, ("rep_nb_remobilises", None): 1,
    })
    canaux = ["Kaf'Truck", "Maraude", "Événement", "En ligne", "Liste", "Non renseigné"]
    assert modalites(valeurs, ANNEE, "rep_nb_contacts_canal") == dict(zip(canaux, [1, 1, 1, 0, 1, 1], strict=True))
    assert modalites(valeurs, ANNEE, "rep_nb_reperes_canal") == dict(zip(canaux, [1, 1, 0, 0, 1, 1], strict=True))
    assert modalites(valeurs, ANNEE, "rep_nb_remobilises_canal") == dict(zip(canaux, [0, 1, 0, 0, 0, 0], strict=True))
    # February 2025: T7 (En ligne, K02: one interview on 28/02) → not remobilised.
    assert modalites(valeurs, FEVRIER, "rep_nb_reperes_canal") == dict(zip(canaux, [0, 0, 0, 1, 0, 0], strict=True))
    assert_values(valeurs, FEVRIER, {
        ("rep_nb_contacts", None): 1, ("rep_nb_reperes", None): 1, ("rep_nb_remobilises", None): 0,
    })


def test_every_indicator_of_the_families_is_produced_in_both_periods(valeurs):
    dictionnaire = [row for row in seed("indicateurs_dictionnaire") if row["section"] in SECTIONS]
    # one id of each section at least: the loop below checks every row of them (not a count of the dictionary)
    assert {"cej_nb_rqth_cumul", "parr_duree_moyenne_mois", "emploi_acces_pct", "qpv_nb_jeunes",
            "terr_nb_entretiens_individuels", "rep_nb_remobilises_canal"} <= {row["indicateur"] for row in dictionnaire}
    for periode in (ANNEE, FEVRIER):
        for row in dictionnaire:
            produits = modalites(valeurs, periode, row["indicateur"])
            if row["vocabulaire"] == "territoire":
                assert set(produits) == set(EPCI), row["indicateur"]
            elif row["vocabulaire"] == "canal":
                assert set(produits) == {"Kaf'Truck", "Maraude", "Événement", "En ligne", "Liste", "Non renseigné"}, \
                    row["indicateur"]
            elif row["vocabulaire"] == "qpv":
                assert produits and None not in produits, row["indicateur"]
            else:
                assert set(produits) == {None}, row["indicateur"]
