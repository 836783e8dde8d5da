{#- Outreach indicators (rep_*), long rows: the totals (modality NULL) and, with the suffix `_canal`,
    one row per channel of the vocabulary `canal` (zeros included) and per channel of the data missing
    from it (« Non renseigné » for an empty one), so that the channels sum to the total. -#}
with

periodes as (
    select * from {{ ref('int_periodes') }}
),

reperage_periodes as (
    select * from {{ ref('int_reperage__periodes') }}
),

vocabulaires as (
    select * from {{ ref('int_vocabulaires') }}
),

canaux as (
    select modalite as canal from vocabulaires
    where vocabulaire = 'canal'
    union
    select canal from reperage_periodes
),

comptes as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        grouping(canaux.canal) = 1 as is_total,
        canaux.canal,
        cast(count(reperage_periodes.contact_id) as double) as rep_nb_contacts,
        cast(count(*) filter (where reperage_periodes.is_repere) as double) as rep_nb_reperes,
        cast(count(*) filter (where reperage_periodes.is_remobilise) as double) as rep_nb_remobilises
    from periodes
    cross join canaux
    left join reperage_periodes
        on
            periodes.periode_debut = reperage_periodes.periode_debut
            and periodes.periode_fin = reperage_periodes.periode_fin
            and canaux.canal = reperage_periodes.canal
    group by grouping sets (
        (periodes.periode_debut, periodes.periode_fin, canaux.canal),
        (periodes.periode_debut, periodes.periode_fin)
    )
),

final as (
    select
        periode_debut,
        periode_fin,
        indicateur || case when is_total then '' else '_canal' end as indicateur,
        case when is_total then null else canal end as modalite,
        valeur
    from comptes
    unpivot include nulls (valeur for indicateur in (rep_nb_contacts, rep_nb_reperes, rep_nb_remobilises))
)

select * from final
