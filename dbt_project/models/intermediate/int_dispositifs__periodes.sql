{#- One row per youth, programme and period — plus the programme `Ensemble` (all programmes
    together) — for the youths with an entry relevant to the period. The reference date of a
    beneficiary is their first entry in the period (in any programme for `Ensemble`); the age at it is
    the smallest age at an entry of the period (computed at ingestion; an age never decreases with the
    date). -#}
with
{{ imports(
    entrees_periodes='int_dispositifs__entrees_periodes',
    jeunes='stg_imilo__jeunes',
) }}
par_dispositif as (
    select
        periode_debut,
        periode_fin,
        jeune_id,
        case when grouping(dispositif) = 1 then '{{ var("modalite_ensemble") }}' else dispositif end as dispositif,
        bool_or(is_entree_periode) as is_beneficiaire,
        min(entree_date) filter (where is_entree_periode) as premiere_entree_date,
        min(entree_age) filter (where is_entree_periode) as premiere_entree_age,
        bool_or(is_ouverte_fin) as is_present_fin,
        bool_or(is_sortie_periode) as has_sortie_periode
    from entrees_periodes
    where jeune_id is not null
    group by grouping sets (
        (periode_debut, periode_fin, jeune_id, dispositif),
        (periode_debut, periode_fin, jeune_id)
    )
),

ages as (
    -- attributes of a youth missing from the jeunes export stay NULL (unknown)
    select
        par_dispositif.*,
        jeunes.sexe = 'F' as is_femme,
        jeunes.is_sans_qualification,
        jeunes.is_qpv,
        jeunes.is_zrr
    from par_dispositif
    left join jeunes
        on par_dispositif.jeune_id = jeunes.jeune_id
),

final as (
    select
        periode_debut,
        periode_fin,
        jeune_id,
        dispositif,
        is_beneficiaire,
        premiere_entree_date,
        premiere_entree_age,
        {{ est_mineur('premiere_entree_age') }} as is_mineur,
        is_present_fin,
        has_sortie_periode,
        is_femme,
        is_sans_qualification,
        is_qpv,
        is_zrr
    from ages
)

select * from final
