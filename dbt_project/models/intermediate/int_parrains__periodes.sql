{#- One row per mentor and period, for the mentors with a pairing active in the period or who joined
    (`parrains.date_entree`) in it; status from the `parrains` export (NULL for a mentor missing from it). -#}
with
{{ imports(
    periodes='int_periodes',
    parrainages_periodes='int_parrainages__periodes',
    parrains='stg_imilo__parrains',
) }}
actifs as (
    select distinct
        periode_debut,
        periode_fin,
        parrain_id
    from parrainages_periodes
    where is_actif_periode and parrain_id is not null
),

nouveaux as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        parrains.parrain_id
    from parrains
    inner join periodes
        on parrains.entree_date between periodes.periode_debut and periodes.periode_fin
),

parrains_periodes as (
    select
        periode_debut,
        periode_fin,
        parrain_id,
        actifs.parrain_id is not null as has_parrainage_actif,
        nouveaux.parrain_id is not null as is_nouveau
    from actifs
    full outer join nouveaux using (periode_debut, periode_fin, parrain_id)
),

final as (
    select
        parrains_periodes.periode_debut,
        parrains_periodes.periode_fin,
        parrains_periodes.parrain_id,
        parrains_periodes.has_parrainage_actif,
        parrains_periodes.is_nouveau,
        parrains.statut,
        coalesce(parrains.statut = 'Retraité', false) as is_retraite,
        coalesce(parrains.statut = 'En activité', false) as is_en_activite
    from parrains_periodes
    left join parrains
        on parrains_periodes.parrain_id = parrains.parrain_id
)

select * from final
