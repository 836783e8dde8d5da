{#- One row per programme entry (a row of the dispositifs export) and period, for the entries that
    matter to the period: entered in it, still open at its end, or exited in it. -#}
with
{{ imports(periodes='int_periodes', dispositifs='stg_imilo__dispositifs') }}
entrees_periodes as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        dispositifs.jeune_id,
        coalesce(dispositifs.dispositif, '{{ var("modalite_non_renseigne") }}') as dispositif,
        dispositifs.entree_date,
        dispositifs.entree_age,
        dispositifs.sortie_date,
        dispositifs.motif_sortie,
        coalesce(
            dispositifs.entree_date between periodes.periode_debut and periodes.periode_fin, false
        ) as is_entree_periode,
        coalesce(
            dispositifs.entree_date <= periodes.periode_fin
            and (dispositifs.sortie_date is null or dispositifs.sortie_date > periodes.periode_fin),
            false
        ) as is_ouverte_fin,
        coalesce(
            dispositifs.sortie_date between periodes.periode_debut and periodes.periode_fin, false
        ) as is_sortie_periode
    from dispositifs
    cross join periodes
),

final as (
    select * from entrees_periodes
    where is_entree_periode or is_ouverte_fin or is_sortie_periode
)

select * from final
