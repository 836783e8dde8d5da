"""The report's layout, by hand: which indicator goes in which tile, table or chart of which section.

Plain data (two fixed modalities are read from the dbt project). This is the only place of the report where an
indicator id is written; the rendering code (the `sections_*` modules) reads these names. What is not laid out
here still shows: each section ends with « Autres indicateurs », the ids of its `section` in the dictionary
(dbt_project/seeds/indicateurs_dictionnaire.csv) it did not lay out, and the last section « Autres indicateurs »
lists every other indicator of the period.

A tile is `(id, modalité, libellé)`: modalité None for an indicator without breakdown, libellé None for the
dictionary's label.
"""

from __future__ import annotations

from ..dbt_project import var_dbt

# Fixed modalities, named as in the dbt project (vars of dbt_project.yml): the « all programmes » row of the
# programme indicators, the youths living outside the Mission Locale's area.
ENSEMBLE = var_dbt("modalite_ensemble")
HORS_TERRITOIRE = var_dbt("modalite_hors_territoire")
RUBRIQUE_SANTE = "Santé"  # the events' heading of the health section
# The programmes of the thematic sections (santé, CTAI) are configuration: config/programmes_thematiques.yaml.
# Display labels of vocabulary codes (the vocabularies hold the codes only).
LIBELLES_MODALITES = {("sexe", "F"): "Femmes", ("sexe", "H"): "Hommes"}

# --- Synthèse: groups of tiles (title, tiles).
SYNTHESE = (
    ("Accueil et accompagnement", (
        ("pa_nb_jeunes", None, None), ("acc_nb_jeunes", None, None), ("acc_nb_entretiens_individuels", None, None),
        ("disp_nb_beneficiaires", ENSEMBLE, "Jeunes entrés dans un dispositif"))),
    ("Parcours et emploi", (
        ("cej_nb_entrees", None, None), ("parr_nb_jeunes", None, None), ("emploi_acces_pct", None, None),
        ("pmsmp_nb", None, None), ("pacea_montant_eur", None, None), ("entreprises_nb_contacts", None, None))),
    ("Aller vers et vie de la structure", (
        ("rep_nb_reperes", None, None), ("rep_nb_remobilises", None, None), ("evenements_nb", None, None),
        ("rh_nb_salaries", None, None))),
)

# --- Premier accueil and accompagnés: the same blocks for each cohort.
COHORTES = {
    "premier_accueil": {
        "effectif": "pa_nb_jeunes", "parts": ("pa_qpv_pct", "pa_zrr_pct", "pa_sans_qualification_pct"),
        "hebergement": "pa_hebergement_pct", "sexe": "pa_sexe_pct", "age": "pa_tranche_age_pct",
        "mobilite": ("pa_sans_locomotion_nb", "pa_permis_b_nb", "pa_voiture_nb"),
    },
    "accompagnes": {
        "effectif": "acc_nb_jeunes", "parts": ("acc_qpv_pct", "acc_zrr_pct", "acc_sans_qualification_pct"),
        "hebergement": "acc_hebergement_pct", "sexe": "acc_sexe_pct", "age": "acc_tranche_age_pct",
        "mobilite": ("acc_sans_locomotion_nb", "acc_permis_b_nb", "acc_voiture_nb"),
    },
}
ACCOMPAGNES_ENTRETIENS_PACEA = ("acc_nb_entretiens_individuels", "pacea_montant_eur", "pacea_nb_jeunes",
                                "pacea_moyenne_eur")

# --- Dispositifs: the columns of the programmes table, in order (headers from the dictionary); the first is the
# number of youths who entered, whose rows (modality = programme) list the programmes.
COLONNES_DISPOSITIFS = (
    "disp_nb_beneficiaires",
    "disp_femmes_pct",
    "disp_mineurs_pct",
    "disp_sans_qualification_pct",
    "disp_qpv_pct",
    "disp_zrr_pct",
    "disp_nb_presents_fin",
)
DISPOSITIFS_ENTREES = COLONNES_DISPOSITIFS[0]
DISPOSITIFS_FEMMES = "disp_femmes_pct"
DISPOSITIFS_SORTIES = "disp_nb_sorties"
DISPOSITIFS_SORTIES_MOTIF = "disp_sorties_motif_nb"  # modality « programme|motif »

# --- CEJ: (the period's indicator, the same since the CEJ started), in the table's order.
CEJ_PERIODE_ET_CUMUL = (
    ("cej_nb_entrees", "cej_nb_entrees_cumul"),
    ("cej_femmes_pct", "cej_femmes_pct_cumul"),
    ("cej_nb_sorties", "cej_nb_sorties_cumul"),
    ("cej_sorties_positives_pct", "cej_sorties_positives_pct_cumul"),
    ("cej_nb_mineurs", "cej_nb_mineurs_cumul"),
    ("cej_nb_rqth", "cej_nb_rqth_cumul"),
)

# --- CTAI: the tiles of each CTAI programme (modality = the programme).
CTAI = ("disp_nb_beneficiaires", "disp_nb_presents_fin", "disp_nb_sorties", "disp_femmes_pct", "disp_mineurs_pct",
        "disp_sans_qualification_pct", "disp_qpv_pct")

# --- Santé: events of the heading RUBRIQUE_SANTE.
SANTE_EVENEMENTS = (("evenements_rubrique_nb", RUBRIQUE_SANTE, "Événements santé"),
                    ("evenements_rubrique_visiteurs_nb", RUBRIQUE_SANTE, "Visiteurs des événements santé"))

# --- Parrainage: groups of tiles, and the mentors by status (a split bar of the total).
PARRAINAGE = (
    ("Les jeunes parrainés", ("parr_nb_jeunes", "parr_nb_jeunes_qpv", "parr_nb_jeunes_zrr", "parr_mineurs_pct")),
    ("Les solutions", ("parr_nb_sorties", "parr_nb_sorties_solution", "parr_nb_abandons")),
    ("Les parrains et marraines", (
        "parr_nb_parrains", "parr_nb_parrains_retraites", "parr_nb_parrains_actifs", "parr_nb_nouveaux_parrains",
        "parr_jeunes_par_parrain", "parr_entretiens_par_parrain", "parr_duree_moyenne_mois")),
)
PARRAINS_PAR_STATUT = ("parr_nb_parrains_retraites", "parr_nb_parrains_actifs")
PARRAINS_TOTAL = "parr_nb_parrains"

# --- Emploi: groups of tiles (title or None), the chart of the changes over a year (the indicators of the section
# whose dictionary row has an `evolution_de`), then the employers' group.
EMPLOI = (
    (None, ("emploi_acces_pct", "emploi_nb_jeunes")),
    ("Immersions en entreprise", ("pmsmp_nb", "pmsmp_evolution_pct", "immersion_autres_nb", "immersion_nb_jeunes")),
    ("Volontariat", ("service_civique_nb", "service_civique_evolution_pct", "volontariat_autres_nb",
                     "volontariat_nb_jeunes")),
)
EMPLOI_ENTREPRISES = ("Acteurs économiques en contact", ("entreprises_nb_contacts", "entreprises_nb_nouveaux_contacts"))

# --- QPV: tiles, then the youths by quartier.
QPV = (("pa_qpv_pct", None, None), ("acc_qpv_pct", None, None),
       ("disp_qpv_pct", ENSEMBLE, "Part des jeunes entrés en dispositif résidant en QPV"),
       ("parr_nb_jeunes_qpv", None, None))
QPV_PAR_QUARTIER = "qpv_nb_jeunes"

# --- Territoires: the youths by territory (chart); the table has one column per indicator of the section; each
# territory's page shows its profile and mobility tiles, then its other indicators.
TERRITOIRES_EFFECTIF = "terr_nb_jeunes"
TERRITOIRE_PROFIL = ("terr_nb_jeunes", "terr_emploi_pct", "terr_zrr_pct", "terr_nb_jeunes_dispositif",
                     "terr_nb_entretiens_individuels")
TERRITOIRE_MOBILITE = ("terr_sans_locomotion_nb", "terr_permis_b_nb", "terr_voiture_nb")

# --- Repérage: tiles; the table by channel (one column per indicator); the chart of the youths found by channel.
REPERAGE = ("rep_nb_contacts", "rep_nb_reperes", "rep_nb_remobilises")
REPERAGE_PAR_CANAL = ("rep_nb_contacts_canal", "rep_nb_reperes_canal", "rep_nb_remobilises_canal")
REPERAGE_GRAPHIQUE = ("rep_nb_reperes_canal", "rep_nb_reperes")  # (the chart's rows, the definition shown)

# --- Égalité: the share of women in each public (label, id, modality).
EGALITE_PUBLICS = (
    ("Jeunes reçus pour la première fois", "pa_sexe_pct", "F"),
    ("Jeunes accompagnés", "acc_sexe_pct", "F"),
    ("Jeunes entrés dans un dispositif", "disp_femmes_pct", ENSEMBLE),
    ("Jeunes entrés en CEJ", "cej_femmes_pct", None),
    ("Jeunes entrés en CEJ depuis 2022", "cej_femmes_pct_cumul", None),
)

# --- Organigramme: staff by sex, by contract, by contract and sex (modality « contrat|sexe »).
RH_SALARIES = "rh_nb_salaries"
RH_SEXE = "rh_sexe_nb"
RH_CONTRAT = "rh_contrat_nb"
RH_CONTRAT_SEXE = "rh_contrat_sexe_nb"

# --- Événements: tiles, and the table by heading.
EVENEMENTS = ("evenements_nb", "evenements_visiteurs_nb")
EVENEMENTS_PAR_RUBRIQUE = ("evenements_rubrique_nb", "evenements_rubrique_visiteurs_nb")

# --- Budget: (total, by item) of charges and products; modality = the budget (« Prévisionnel 2025 »), and
# « budget|poste » by item.
BUDGET = (("budget_charges_eur", "budget_charges_poste_eur"), ("budget_produits_eur", "budget_produits_poste_eur"))

# --- Satisfaction: (title, shares by question, respondents) of each survey.
SATISFACTION = (
    ("Satisfaction des jeunes", "satisfaction_jeunes_pct", "satisfaction_repondants_jeunes_nb"),
    ("Satisfaction des employeurs", "satisfaction_employeurs_pct", "satisfaction_repondants_employeurs_nb"),
)

# --- The monthly dashboard: groups of tiles, each shown for the month and the year to date.
TABLEAU_DE_BORD = (
    ("Accueil et accompagnement", (
        ("pa_nb_jeunes", None, None), ("acc_nb_jeunes", None, None),
        ("acc_nb_entretiens_individuels", None, None), ("pacea_montant_eur", None, None),
        ("pacea_nb_jeunes", None, None))),
    ("Dispositifs", (
        ("disp_nb_beneficiaires", ENSEMBLE, "Jeunes entrés dans un dispositif"),
        ("disp_nb_sorties", ENSEMBLE, "Jeunes sortis d'un dispositif"),
        ("cej_nb_entrees", None, None), ("cej_nb_sorties", None, None), ("cej_sorties_positives_pct", None, None))),
    ("Parrainage", (
        ("parr_nb_jeunes", None, None), ("parr_nb_parrains", None, None), ("parr_nb_sorties_solution", None, None))),
    ("Emploi et immersions", (
        ("emploi_nb_jeunes", None, None), ("emploi_acces_pct", None, None), ("pmsmp_nb", None, None),
        ("pmsmp_evolution_pct", None, None), ("service_civique_nb", None, None),
        ("entreprises_nb_contacts", None, None), ("entreprises_nb_nouveaux_contacts", None, None))),
    ("Repérage", (
        ("rep_nb_contacts", None, None), ("rep_nb_reperes", None, None), ("rep_nb_remobilises", None, None))),
    ("Événements", (("evenements_nb", None, None), ("evenements_visiteurs_nb", None, None))),
)

# --- Regional report (lib/report/reseau.py): the headline indicators compared structure by structure, in order
# (id, modalité): one table and one chart each in « Comparaison des structures ».
RESEAU_COMPARAISON = (
    ("acc_nb_jeunes", None),
    ("pa_nb_jeunes", None),
    ("acc_nb_entretiens_individuels", None),
    ("emploi_acces_pct", None),
    ("cej_nb_entrees", None),
    ("cej_sorties_positives_pct", None),
    ("pacea_nb_jeunes", None),
    ("parr_nb_jeunes", None),
)
