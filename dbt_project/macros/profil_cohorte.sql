{#- Profile of a cohort of youths (premier accueil, accompagnés): how many they are, their share in QPV, in ZRR
    and without qualification, how many have no means of transport, a driving licence, a car, and their breakdown
    by sex, age band and housing. One definition for both cohorts: the ids are `<prefixe>_…` (dictionary rows
    pa_* and acc_*). Long rows (periode_debut, periode_fin, indicateur, modalite, valeur).

    prefixe      id prefix of the cohort's indicators: `pa` or `acc`
    population   CTE of the calling model holding int_jeunes__periodes (one row per youth and period)
    cohorte      name of the cohort: its rows are those where is_<cohorte>, its age band <cohorte>_tranche_age
    autres       the cohort's own indicators (id → expression, as for `indicateurs`), computed with the profile
    repartitions the cohort's own breakdowns (id → column, as for `repartition`), computed with the profile's
    periodes     CTE of the periods -#}
{% macro profil_cohorte(prefixe, population, cohorte, autres=none, repartitions=none, periodes='periodes') %}
    {%- set definitions = {
        prefixe ~ '_nb_jeunes': 'count(jeune_id)',
        prefixe ~ '_qpv_pct': pourcentage(nb('is_qpv'), 'count(jeune_id)'),
        prefixe ~ '_zrr_pct': pourcentage(nb('is_zrr'), 'count(jeune_id)'),
        prefixe ~ '_sans_qualification_pct': pourcentage(nb('is_sans_qualification'), 'count(jeune_id)'),
        prefixe ~ '_sans_locomotion_nb': nb('is_sans_locomotion'),
        prefixe ~ '_permis_b_nb': nb('has_permis_b'),
        prefixe ~ '_voiture_nb': nb('has_voiture'),
    } -%}
    {%- do definitions.update(autres or {}) -%}
    {%- set colonnes = {
        prefixe ~ '_sexe_pct': 'sexe',
        prefixe ~ '_tranche_age_pct': cohorte ~ '_tranche_age',
        prefixe ~ '_hebergement_pct': 'hebergement_categorie',
    } -%}
    {%- do colonnes.update(repartitions or {}) -%}
    with

    profil as (
        {{ indicateurs(population, definitions, filtre='is_' ~ cohorte, periodes=periodes) }}
    ),

    repartitions as (
        {{ repartition(population, colonnes, filtre='is_' ~ cohorte, periodes=periodes) }}
    )

    select * from profil
    union all
    select * from repartitions
{% endmacro %}
