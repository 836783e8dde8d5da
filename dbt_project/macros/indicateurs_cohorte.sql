{#- The ten indicators shared by the premier-accueil and accompagnés cohorts: one definition, used
    for both. Returns long rows (periode_debut, periode_fin, indicateur, modalite, valeur).

    prefixe          id prefix of the indicators: `pa` or `acc`
    cohorte          cohort name in int_jeunes__periodes: `premier_accueil` or `accompagne`
                     (columns is_<cohorte> and <cohorte>_tranche_age)
    periodes, jeunes_periodes, vocabulaires
                     names of the calling model's import CTEs of int_periodes,
                     int_jeunes__periodes and the vocabulaires seed -#}
{% macro indicateurs_cohorte(prefixe, cohorte, periodes, jeunes_periodes, vocabulaires) %}
    with

    cohorte as (
        select * from {{ jeunes_periodes }}
        where is_{{ cohorte }}
    ),

    effectifs as (
        select
            periodes.periode_debut,
            periodes.periode_fin,
            count(cohorte.jeune_id) as nb_jeunes,
            count(*) filter (where cohorte.is_qpv) as nb_qpv,
            count(*) filter (where cohorte.is_zrr) as nb_zrr,
            count(*) filter (where cohorte.is_sans_qualification) as nb_sans_qualification,
            count(*) filter (where cohorte.is_sans_locomotion) as nb_sans_locomotion,
            count(*) filter (where cohorte.has_permis_b) as nb_permis_b,
            count(*) filter (where cohorte.has_voiture) as nb_voiture
        from {{ periodes }} as periodes
        left join cohorte
            on
                periodes.periode_debut = cohorte.periode_debut
                and periodes.periode_fin = cohorte.periode_fin
        group by periodes.periode_debut, periodes.periode_fin
    ),

    scalaires_larges as (
        select
            periode_debut,
            periode_fin,
            cast(nb_jeunes as double) as {{ prefixe }}_nb_jeunes,
            {{ pourcentage('nb_qpv', 'nb_jeunes') }} as {{ prefixe }}_qpv_pct,
            {{ pourcentage('nb_zrr', 'nb_jeunes') }} as {{ prefixe }}_zrr_pct,
            {{ pourcentage('nb_sans_qualification', 'nb_jeunes') }} as {{ prefixe }}_sans_qualification_pct,
            cast(nb_sans_locomotion as double) as {{ prefixe }}_sans_locomotion_nb,
            cast(nb_permis_b as double) as {{ prefixe }}_permis_b_nb,
            cast(nb_voiture as double) as {{ prefixe }}_voiture_nb
        from effectifs
    ),

    scalaires as (
        select
            periode_debut,
            periode_fin,
            indicateur,
            cast(null as varchar) as modalite,
            valeur
        from scalaires_larges
        unpivot include nulls (valeur for indicateur in (columns(* exclude (periode_debut, periode_fin))))
    ),

    modalites_jeunes as (
        -- one row per youth and breakdown: the youth's modality in each vocabulary
        select
            periode_debut,
            periode_fin,
            jeune_id,
            vocabulaire,
            modalite
        from (
            select
                periode_debut,
                periode_fin,
                jeune_id,
                sexe,
                {{ cohorte }}_tranche_age as tranche_age,
                hebergement_categorie as hebergement
            from cohorte
        )
        unpivot (modalite for vocabulaire in (sexe, tranche_age, hebergement))
    ),

    repartitions as (
        -- every modality of the vocabulary, zeros included
        select
            effectifs.periode_debut,
            effectifs.periode_fin,
            '{{ prefixe }}_' || vocabulaires.vocabulaire || '_pct' as indicateur,
            vocabulaires.modalite,
            {{ pourcentage('count(modalites_jeunes.jeune_id)', 'effectifs.nb_jeunes') }} as valeur
        from effectifs
        cross join {{ vocabulaires }} as vocabulaires
        left join modalites_jeunes
            on
                effectifs.periode_debut = modalites_jeunes.periode_debut
                and effectifs.periode_fin = modalites_jeunes.periode_fin
                and vocabulaires.vocabulaire = modalites_jeunes.vocabulaire
                and vocabulaires.modalite = modalites_jeunes.modalite
        where vocabulaires.vocabulaire in ('sexe', 'tranche_age', 'hebergement')
        group by
            effectifs.periode_debut,
            effectifs.periode_fin,
            effectifs.nb_jeunes,
            vocabulaires.vocabulaire,
            vocabulaires.modalite
    )

    select * from scalaires
    union all
    select * from repartitions
{% endmacro %}
