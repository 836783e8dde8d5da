"""What the seed does not say and the generator assumes: population, activity, vocabularies of the
exports, the territory (communes, EPCI, QPV, sites) and the fictitious names."""

from __future__ import annotations

from datetime import date

import numpy as np

# ======================================================================================
# Assumptions (not in the seed): population, activity and vocabularies.
# ======================================================================================
PAST_DOSSIERS_PER_ACCOMPANIED = 0.95  # older dossiers not accompanied in the year: ~2x dossiers in all
REGISTERED_ONLY_PER_ACCOMPANIED = 0.01  # registered, first interview still to come
ENTRY_DELAY_DAYS = 30  # mean delay between becoming available (first welcome, exit) and a programme entry
REENTRY_WEIGHT = 0.15  # relative chance of entering again a programme one has already left
LONGEST_STAY = 2.4  # x the mean stay: the CEJ lasts at most 18 months, the PACEA 24
EVENTS_PER_YOUTH = 12.0  # events of any nature and status a year, per accompanied youth
CHUNK_ACCOMPANIED = 20_000  # accompanied youths per chunk (bounds memory)
XLSX_MAX_YOUTHS = 20_000  # beyond, dispositifs is written as CSV (openpyxl writes row by row)
BOUNDARY_YOUTHS = 6  # youths whose only year-deciding event is at 23:30 on 31/12 or 00:15 on 01/01
P_FEMALE = 0.47
RETURNING_YEARS_BACK = {1: 0.55, 2: 0.25, 3: 0.12, 4: 0.05, 5: 0.03}  # first welcome of accompanied youths
# ... of older dossiers; with the returning youths, about as many first welcomes the year before
PAST_YEARS_BACK = {1: 0.18, 2: 0.30, 3: 0.20, 4: 0.14, 5: 0.11, 6: 0.07}
QPV_PAST = 0.27
AGE_AT_FIRST_WELCOME = {
    15: 0.006, 16: 0.09, 17: 0.125, 18: 0.14, 19: 0.125, 20: 0.115, 21: 0.10, 22: 0.085, 23: 0.075,
    24: 0.065, 25: 0.05, 26: 0.015, 27: 0.009,
}
MONTH_WEIGHTS = np.array([1.0, 1.0, 1.05, 0.95, 0.9, 0.9, 0.75, 0.55, 1.35, 1.3, 1.1, 0.8])
RURAL_CAR_FACTOR = 2.0  # car ownership outside Grand Besançon, relative to inside
LICENCE_WITH_CAR = 0.95
OTHER_MEANS = {"Transports en commun": 0.4, "Vélo": 0.3, "Deux-roues motorisé": 0.3}
LEVELS_MINOR = {"VI": 0.18, "V bis": 0.30, "V": 0.45, "IV": 0.07}
LEVELS_ADULT = {"VI": 0.08, "V bis": 0.10, "V": 0.32, "IV": 0.34, "III": 0.09, "II": 0.05, "I": 0.02}
DIPLOMA = {"VI": 0.0, "V bis": 0.0, "V": 0.55, "IV": 0.7, "III": 0.85, "II": 0.9, "I": 0.95}
HOSTEL = {"Foyer de jeunes travailleurs": 0.5, "CHRS": 0.2, "Hôtel": 0.15, "Résidence sociale": 0.15}
NATURES = {
    "Entretien individuel": 42, "Atelier": 12, "Information collective": 5, "Entretien partenaire": 4,
    "Entretien téléphonique": 16, "Visite": 2, "Courriel": 8, "SMS": 9, "Autre": 2,
}
QUALIFYING = ("Entretien individuel", "Atelier", "Information collective")
REMOTE = ("Entretien téléphonique", "Courriel", "SMS", "Autre")
STATUS_IN_PERSON = {"Présent": 76, "Absent": 12, "Annulé": 5, "Reporté": 4, "Planifié": 1, "Non précisé": 2}
STATUS_REMOTE = {"Présent": 55, "Absent": 4, "Annulé": 2, "Reporté": 2, "Planifié": 1, "Non précisé": 36}
STATUS_MISSED = {"Absent": 60, "Annulé": 20, "Reporté": 15, "Non précisé": 5}
EMPLOYMENT = {"CDI": 0.15, "CDD": 0.40, "Intérim": 0.30, "Contrat aidé": 0.08, "Autre": 0.07}
APPRENTICESHIP_SHARE = 0.2  # of the jobs started: Contrat en alternance
CONTRACT_DAYS = {  # duration range of a situation, days
    "CDI": (30, 400), "CDD": (14, 365), "Intérim": (1, 90), "Contrat aidé": (180, 730), "Autre": (7, 180),
    "Contrat en alternance": (180, 1095), "PMSMP": (3, 28), "Immersion en entreprise": (1, 10),
    "Service civique": (180, 365), "Autre mission": (1, 90), "Contrat de volontariat - bénévolat": (1, 90),
    "Formation": (20, 300),
    "Scolarité": (60, 300), "Demandeur d'emploi": (30, 365),
}
CEJ_ALLOWANCE = (528.0, 317.0)  # EUR a month, adult / minor (illustrative)
OUTREACH_CANALS = {"Kaf'Truck": 30, "Maraude": 20, "Événement": 30, "En ligne": 8, "Liste": 12}
CONTACT_TYPES = {"Visite": 30, "Téléphone": 35, "Forum": 10, "Offre": 20, "Autre": 5}
SIREN_SPREAD = 37_019_473  # odd, not a multiple of 5: multiplying by it permutes the numbers mod 10^8

# Territory: INSEE code, postal code, share of youths within the EPCI, ZRR as recorded by i-milo.
# Grand Besançon, Doubs Baumois, Sancey-Belleherbe and "Hors territoire" codes checked against the
# official EPCI composition; Loue-Lison (25434 Ornans, 25475 Quingey, ...), Deux Vallées Vertes and
# Val Marnaysien ones are their main communes, to be checked against the geography reference data.
EPCIS = {  # name: (share of youths, reception site, communes)
    "CU Grand Besançon Métropole": (0.80, "Besançon", (
        ("25056", "25000", 0.750, False), ("25527", "25410", 0.040, False), ("25532", "25660", 0.025, False),
        ("25560", "25220", 0.020, False), ("25212", "25480", 0.020, False), ("25381", "25480", 0.020, False),
        ("25035", "25870", 0.015, False), ("25258", "25770", 0.015, False), ("25036", "25720", 0.015, False),
        ("25495", "25220", 0.015, False), ("25454", "25480", 0.015, False), ("25147", "25320", 0.015, False),
        ("25467", "25115", 0.010, False), ("25133", "25870", 0.010, False), ("25542", "25770", 0.010, False),
        ("25429", "25220", 0.010, False), ("25364", "25620", 0.005, False),
    )),
    "CC du Doubs Baumois": (0.055, "Baume-les-Dames", (  # territoire_doubs_baumois,zrr 41.4 %
        ("25047", "25110", 0.450, False), ("25508", "25640", 0.145, False), ("25468", "25640", 0.100, True),
        ("25323", "25820", 0.080, True), ("25490", "25640", 0.070, True), ("25032", "25110", 0.065, True),
        ("25437", "25360", 0.050, True), ("25382", "25870", 0.040, True),
    )),
    "CC Loue-Lison": (0.045, "Ornans", (
        ("25434", "25290", 0.450, False), ("25475", "25440", 0.180, False), ("25015", "25330", 0.100, False),
        ("25155", "25330", 0.070, False), ("25120", "25330", 0.060, False), ("25331", "25580", 0.070, False),
        ("25511", "25290", 0.070, False),
    )),
    "CC du Pays de Sancey-Belleherbe": (0.006, "Baume-les-Dames", (
        ("25529", "25430", 0.55, True), ("25051", "25380", 0.25, True), ("25125", "25380", 0.10, True),
        ("25597", "25430", 0.10, True),
    )),
    "CC des Deux Vallées Vertes": (0.034, "Baume-les-Dames", (
        ("25315", "25250", 0.45, False), ("25156", "25340", 0.30, False), ("25505", "25680", 0.25, False),
    )),
    "CC du Val Marnaysien": (0.04, "Besançon", (
        ("70334", "70150", 0.60, False), ("25150", "25170", 0.20, False), ("25162", "25410", 0.20, False),
    )),
    "Hors territoire": (0.02, "Besançon", (
        ("25388", "25200", 0.30, False), ("25462", "25300", 0.20, False), ("25578", "25800", 0.15, False),
        ("39198", "39100", 0.20, False), ("39300", "39000", 0.15, False),
    )),
}
BESANCON = "25056"
QPVS = {  # code (format of the 2024 QPV list; numbers are fictitious): share of Besançon's QPV youths
    "QN02501M": 0.45, "QN02502M": 0.12, "QN02503M": 0.13, "QN02504M": 0.10, "QN02505M": 0.10,
    "QN02506M": 0.10,  # Planoise, Clairs-Soleils, Montrapon, Grette, Orchamps, Palente
}
BESANCON_SITES = {"Besançon Midol": 0.6, "Besançon Marmier": 0.4}
STAFF_PER_SEED = 40  # counsellors for SEED_ACCOMPANIED youths

FIRST_NAMES_F = (
    "Léa", "Chloé", "Inès", "Manon", "Camille", "Sarah", "Emma", "Jade", "Lina", "Océane", "Maëlys", "Anaïs",
    "Clémence", "Noémie", "Mélissa", "Yasmine", "Aïcha", "Fatoumata", "Laura", "Julie", "Margaux", "Zoé",
    "Louise", "Élodie", "Amandine", "Kenza", "Célia", "Éva", "Nour", "Myriam",
)
FIRST_NAMES_M = (
    "Lucas", "Hugo", "Théo", "Nathan", "Enzo", "Mathis", "Noah", "Yanis", "Rayan", "Kévin", "Jérémy", "Maxime",
    "Thomas", "Alexandre", "Romain", "Adam", "Mehdi", "Bilal", "Samuel", "Dylan", "Loïc", "Antoine", "Clément",
    "Florian", "Quentin", "Benoît", "Mamadou", "Ibrahim", "Valentin", "Jules",
)
LAST_NAMES = (
    "Martin", "Bernard", "Petit", "Durand", "Moreau", "Girard", "Roux", "Faivre", "Vuillemin", "Cuenot",
    "Jeannin", "Grandjean", "Bourgeois", "Jacquot", "Girardot", "Cuenin", "Bouveret", "Perrot", "Mougin",
    "Pernot", "Dufour", "Lambert", "Rousseau", "Benali", "Diallo", "Nguyen", "Da Silva", "Haddad", "Kaya",
    "Lefèvre", "Barbier", "Bréchet", "Prêtre", "Guérin", "Ménétrier", "Tissot", "Boillot", "Mercier",
)
STREETS = (
    "rue de la République", "rue des Écoles", "avenue de la Libération", "rue Pasteur", "chemin des Vignes",
    "rue du Général Leclerc", "place de l'Église", "rue Victor Hugo", "rue de Belfort", "rue de Dole",
    "boulevard Léon Blum", "rue des Chênes", "allée des Tilleuls", "rue de Vesoul", "impasse des Prés",
    "rue de l'Égalité", "avenue de Montrapon", "rue de Fribourg", "rue d'Épinal", "rue des Fusillés",
)
TRADES = (
    "Boulangerie", "Garage", "Menuiserie", "Transports", "Restaurant", "Plomberie", "Boucherie", "Maçonnerie",
    "Pâtisserie", "Coiffure", "Électricité", "Paysages", "Hôtel", "Pharmacie", "Supérette", "Imprimerie",
    "Décolletage", "Horlogerie", "Fromagerie", "Logistique",
)
LEGAL_FORMS = ("SARL", "SAS", "EURL", "SA", "")


def export_date(year: int) -> date:
    """The day the exports of a report year are made (and the date in their file names)."""
    return date(year + 1, 1, 15)
