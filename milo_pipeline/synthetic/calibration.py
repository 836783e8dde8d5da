"""Calibration of the synthetic exports on the 2024 figures of the Mission Locale de Besançon
(seed/chiffres_cles_2024.csv, seed/dispositifs_2024.csv): every figure with the seed row it comes from."""

from __future__ import annotations

from dataclasses import dataclass

from ..lib.dbt_project import debut_cej

# ======================================================================================
# Calibration on the seed (chiffres_cles_2024.csv unless stated): counts are per
# SEED_ACCOMPANIED accompanied youths and scale linearly with `youths`.
# ======================================================================================
SEED_ACCOMPANIED = 3484  # accompagnes,nb_jeunes
SEED_FIRST_WELCOMES = 1571  # premier_accueil,nb_jeunes
HOUSING_FIRST_WELCOME = {  # premier_accueil,hebergement (%)
    "Chez les parents": 51.3, "Logement autonome": 19.5, "Chez un membre de la famille": 10.9,
    "Foyer, CHRS, hôtel": 8.5, "Chez des amis": 6.0, "Sans hébergement": 3.1, "Non communiqué": 0.8,
}
HOUSING_ACCOMPANIED = {  # accompagnes,hebergement (%)
    "Chez les parents": 52.0, "Logement autonome": 21.9, "Chez un membre de la famille": 10.4,
    "Foyer, CHRS, hôtel": 7.2, "Chez des amis": 4.6, "Sans hébergement": 3.3, "Non communiqué": 0.6,
}
QPV_FIRST_WELCOME = 0.246  # premier_accueil,qpv
QPV_ACCOMPANIED = 0.292  # accompagnes,qpv
NO_MEANS_FIRST_WELCOME = 1325 / SEED_FIRST_WELCOMES  # premier_accueil,sans_locomotion
LICENCE_FIRST_WELCOME = 327 / SEED_FIRST_WELCOMES  # premier_accueil,permis_b
CAR_FIRST_WELCOME = 229 / SEED_FIRST_WELCOMES  # premier_accueil,voiture
RQTH_SHARE = 92 / 1507  # cej,rqth_cumul / cej,entrees_cumul
PACEA_YOUTHS = 217  # accompagnes,pacea_nb_jeunes; 110,406 EUR (509 a youth) from the payment mix below
PACEA_FULL_MONTH = 552.29  # the monthly ceiling (spec example); 30 % of the payments
PACEA_FULL_MONTH_SHARE = 0.3
PACEA_PARTIAL = (60.0, 500.0)  # other payments, EUR; 1.4 payments a youth -> about 509 EUR a youth
PACEA_EXTRA_PAYMENTS = (2, 0.2)  # binomial: payments beyond the first one
CEJ_START = debut_cej()  # cej,*_cumul are counted since the CEJ was launched (var cej_debut of dbt_project.yml)
ENSEMBLE_DISTINCT = 1713  # dispositifs_2024.csv, Ensemble: distinct youths over all programmes
ENSEMBLE_TARGET = (0.462, 0.161, 0.296, 0.457, 0.030, RQTH_SHARE)  # its femmes, mineurs, qpv, sans_qualif., zrr
MENTORS, RETIRED_MENTORS, NEW_MENTORS = 24, 17, 4  # parrainage,parrains / _retraites / nouveaux_parrains
PAIRING_MEETINGS = 0.35  # Poisson mean of nb_entretiens: parrainage,entretiens_par_parrain = 2
FORMER_MENTORS = 6  # in the parrains table, no pairing since before year-2
PMSMP = {0: 486, -1: 528}  # emploi,pmsmp in the year and the year before (pmsmp_evolution -7.95 %)
OTHER_IMMERSIONS = 11  # emploi,immersions_autres
IMMERSION_YOUTHS = 338  # emploi,immersion_jeunes
CIVIC_SERVICE = {0: 48, -1: 41}  # emploi,service_civique (service_civique_evolution +16.67 %)
OTHER_VOLUNTEERING = 114  # emploi,volontariat_autres
VOLUNTEERING_YOUTHS = 105  # emploi,volontariat_jeunes
EMPLOYMENT_SHARE = 0.318  # emploi,acces_emploi: accompanied youths starting a job or an apprenticeship
EMPLOYERS_CONTACTED, EMPLOYERS_NEW = 353, 204  # emploi,entreprises_contacts / _nouveaux_contacts
EMPLOYERS_DORMANT = 250  # contacted in the three years before only (assumption)
OUTREACH_CONTACTS, OUTREACH_SPOTTED, OUTREACH_REMOBILISED = 1000, 172, 57  # reperage,contactes / reperes / remobilises
OUTREACH_SPOTTED_CANALS = {  # reperage,reperes_canal (sums to 144: shares applied to the 172)
    "Kaf'Truck": 30, "Maraude": 29, "Événement": 38, "En ligne": 11, "Liste": 36,
}


@dataclass(frozen=True)
class Programme:
    """A row of dispositifs_2024.csv: entries a year and the shares among the entrants."""

    code: str  # the export's `dispositif` (programmes.csv); {year} = the year of a yearly project
    entries: int  # nb_beneficiaires
    women: float  # femmes_pct / 100, then mineurs, qpv, sans_qualification, zrr
    minors: float
    qpv: float
    unqualified: float
    zrr: float
    months: float  # mean stay ~ 12 x nb_presents_fin / nb_beneficiaires (Little's law), at most 36
    span: str = "history"  # history: every year since year-2 (CEJ: since CEJ_START); or a yearly project
    earlier: float = 1.0  # entries a year before the report year, relative to it

    @property
    def target(self) -> tuple[float, ...]:
        return self.women, self.minors, self.qpv, self.unqualified, self.zrr, RQTH_SHARE


PROGRAMMES = (  # dispositifs_2024.csv
    Programme("Ambition Emploi", 8, 0.750, 0.125, 0.250, 0.125, 0.125, 10.5),
    Programme("CEP", 1186, 0.479, 0.185, 0.296, 0.436, 0.033, 13.5),
    Programme("CUI-CIE", 3, 1.000, 0.333, 0.000, 0.333, 0.557, 36.0),
    Programme("CEJ", 531, 0.467, 0.117, 0.363, 0.394, 0.026, 7.5),
    Programme("JSMJ-MF", 55, 0.000, 0.091, 0.200, 0.891, 0.000, 7.2),
    Programme("JSMJ-MO", 82, 0.122, 0.366, 0.293, 0.841, 0.012, 15.7),
    Programme("PACEA", 854, 0.491, 0.207, 0.284, 0.463, 0.038, 9.9),
    # parrainage,duree_moyenne 5; few pairings of earlier years still running (parrainage,sorties 104,
    # nb_presents_fin 35, jeunes_par_parrain 5 x 24 mentors)
    Programme("PARRAINAGE", 125, 0.568, 0.104, 0.336, 0.400, 0.032, 4.5, earlier=0.3),
    Programme("PEC", 34, 0.706, 0.000, 0.441, 0.324, 0.000, 33.5),
    Programme("PPAE", 289, 0.467, 0.069, 0.235, 0.325, 0.052, 11.4),
    Programme("Psychologue ML", 152, 0.632, 0.059, 0.257, 0.342, 0.013, 6.4),
    Programme("CTAI - Jeunes primo-arrivants", 22, 0.545, 0.000, 0.636, 0.864, 0.000, 6.0),
    # yearly projects: 12 entries from October to 20 December; 309 over the year, 291 still present
    # at its end; the previous year's project took 2 late entries in January-February, all gone by April
    Programme("EN MARCHE AU FEMININ {year}", 12, 1.000, 0.000, 0.750, 0.500, 0.000, 1.5, "autumn"),
    Programme("PROJET SANTE {year}", 309, 0.472, 0.058, 0.421, 0.463, 0.015, 24.0, "year"),
    Programme("PROJET SANTE {year}", 2, 0.500, 0.000, 0.500, 0.500, 0.000, 2.0, "previous"),
)
EXIT_MOTIFS = {  # shares of exits by motif_sortie (%); CEJ: 26.25 % positive (cej,sorties_positives_cumul)
    "CEJ": {
        "Emploi durable": 12.0, "Alternance": 6.5, "Formation qualifiante": 7.0, "Création d'entreprise": 0.75,
        "Emploi de courte durée": 15.0, "Formation non qualifiante": 6.0, "Service civique": 2.0,
        "Abandon": 18.0, "Déménagement": 5.0, "Fin de droits": 16.0, "Maternité": 1.0,
        "Accès à l'autonomie": 4.0, "Autre": 6.75,
    },
    # parrainage,sorties 104: sorties_solution 62 (60 %), abandons 5 (5 %)
    "PARRAINAGE": {
        "Emploi durable": 22.0, "Emploi de courte durée": 14.0, "Alternance": 10.0,
        "Formation qualifiante": 10.0, "Formation non qualifiante": 4.0, "Abandon": 5.0,
        "Déménagement": 5.0, "Autre": 30.0,
    },
    "": {
        "Emploi durable": 14.0, "Emploi de courte durée": 14.0, "Alternance": 6.0, "Formation qualifiante": 9.0,
        "Formation non qualifiante": 7.0, "Création d'entreprise": 1.0, "Service civique": 3.0,
        "Abandon": 16.0, "Déménagement": 6.0, "Fin de droits": 12.0, "Maternité": 2.0,
        "Accès à l'autonomie": 5.0, "Autre": 5.0,
    },
}
PAIRING_END = {  # motif_sortie of a PARRAINAGE exit -> motif_fin of the pairing
    "Emploi durable": "Emploi", "Emploi de courte durée": "Emploi", "Alternance": "Alternance",
    "Formation qualifiante": "Formation", "Formation non qualifiante": "Formation", "Abandon": "Abandon",
}


def returning_share(first_welcome: float, accompanied: float) -> float:
    """The share among returning youths that gives the seed's share among all accompanied youths."""
    new = SEED_FIRST_WELCOMES / SEED_ACCOMPANIED
    return max(0.0, (accompanied - new * first_welcome) / (1 - new))
