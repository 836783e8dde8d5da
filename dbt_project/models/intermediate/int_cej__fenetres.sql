{#- The two counting windows of the CEJ indicators for each period of the run: `periode` = the period
    itself; `cumul` = from the start of the CEJ (var `cej_debut`, 2022-03-01) to the end of the period
    (empty when the period ends before that start). -#}
with

periodes as (
    select * from {{ ref('int_periodes') }}
),

final as (
    select
        periode_debut,
        periode_fin,
        'periode' as fenetre,
        periode_debut as fenetre_debut,
        periode_fin as fenetre_fin
    from periodes
    union all
    select
        periode_debut,
        periode_fin,
        'cumul' as fenetre,
        cast('{{ var("cej_debut") }}' as date) as fenetre_debut,
        periode_fin as fenetre_fin
    from periodes
)

select * from final
