{#- One row per youth and period in which the youth belongs to the premier-accueil (PA) or the
    accompagnés (ACC) cohort, with the cohort flags, each cohort's reference date and the age at it,
    and the snapshot attributes of the youth. The ages come from the ingestion (no birth date in the
    warehouse): at the first welcome, the youth's own; at the first qualifying event of the period, the
    smallest age of the period's qualifying events (an age never decreases with the date). -#}
with
{{ imports(
    periodes='int_periodes',
    jeunes='stg_imilo__jeunes',
    evenements='stg_imilo__evenements',
) }}
premier_accueil as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        jeunes.jeune_id,
        jeunes.premier_accueil_date as premier_accueil_reference_date,
        jeunes.premier_accueil_age
    from jeunes
    inner join periodes
        on jeunes.premier_accueil_date between periodes.periode_debut and periodes.periode_fin
),

accompagnement as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        evenements.jeune_id,
        min(evenements.evenement_date) as accompagne_reference_date,
        min(evenements.evenement_age) as accompagne_age,
        count(*) filter (where evenements.nature = 'Entretien individuel') as nb_entretiens_individuels
    from evenements
    inner join periodes
        on evenements.evenement_date between periodes.periode_debut and periodes.periode_fin
    where
        evenements.jeune_id is not null
        and evenements.is_present
        and evenements.is_qualifiant
    group by periodes.periode_debut, periodes.periode_fin, evenements.jeune_id
),

cohortes as (
    select
        periode_debut,
        periode_fin,
        jeune_id,
        premier_accueil.premier_accueil_reference_date,
        premier_accueil.premier_accueil_age,
        accompagnement.accompagne_reference_date,
        accompagnement.accompagne_age,
        coalesce(accompagnement.nb_entretiens_individuels, 0) as nb_entretiens_individuels
    from premier_accueil
    full outer join accompagnement using (periode_debut, periode_fin, jeune_id)
),

ages as (
    -- attributes of a youth missing from the jeunes export stay NULL (unknown)
    select
        cohortes.*,
        jeunes.sexe,
        jeunes.hebergement_categorie,
        jeunes.is_qpv,
        jeunes.is_zrr,
        jeunes.is_sans_qualification,
        jeunes.moyen_locomotion,
        jeunes.is_sans_locomotion,
        jeunes.has_voiture,
        jeunes.has_permis_b
    from cohortes
    left join jeunes
        on cohortes.jeune_id = jeunes.jeune_id
),

final as (
    select
        periode_debut,
        periode_fin,
        jeune_id,
        premier_accueil_reference_date is not null as is_premier_accueil,
        premier_accueil_reference_date,
        premier_accueil_age,
        {{ tranche_age('premier_accueil_age') }} as premier_accueil_tranche_age,
        {{ est_mineur('premier_accueil_age') }} as is_premier_accueil_mineur,
        accompagne_reference_date is not null as is_accompagne,
        accompagne_reference_date,
        accompagne_age,
        {{ tranche_age('accompagne_age') }} as accompagne_tranche_age,
        {{ est_mineur('accompagne_age') }} as is_accompagne_mineur,
        nb_entretiens_individuels,
        sexe,
        hebergement_categorie,
        is_qpv,
        is_zrr,
        is_sans_qualification,
        moyen_locomotion,
        is_sans_locomotion,
        has_voiture,
        has_permis_b
    from ages
)

select * from final
