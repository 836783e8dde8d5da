{#- Jeunes accompagnés (acc_*) and PACEA allowance (pacea_*) indicators, long rows: one per
    period, indicator and modality. -#}
with

periodes as (
    select * from {{ ref('int_periodes') }}
),

jeunes_periodes as (
    select * from {{ ref('int_jeunes__periodes') }}
),

allocations_periodes as (
    select * from {{ ref('int_allocations__periodes') }}
),

vocabulaires as (
    select * from {{ ref('vocabulaires') }}
),

indicateurs_accompagnes as (
    {{ indicateurs_cohorte('acc', 'accompagne', 'periodes', 'jeunes_periodes', 'vocabulaires') }}
),

entretiens as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        'acc_nb_entretiens_individuels' as indicateur,
        cast(null as varchar) as modalite,
        cast(coalesce(sum(jeunes_periodes.nb_entretiens_individuels), 0) as double) as valeur
    from periodes
    left join jeunes_periodes
        on
            periodes.periode_debut = jeunes_periodes.periode_debut
            and periodes.periode_fin = jeunes_periodes.periode_fin
    group by periodes.periode_debut, periodes.periode_fin
),

paiements_pacea as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        coalesce(sum(allocations_periodes.montant), 0) as montant,
        count(distinct allocations_periodes.jeune_id) as nb_jeunes
    from periodes
    left join allocations_periodes
        on
            periodes.periode_debut = allocations_periodes.periode_debut
            and periodes.periode_fin = allocations_periodes.periode_fin
            and allocations_periodes.dispositif = 'PACEA'
    group by periodes.periode_debut, periodes.periode_fin
),

pacea_larges as (
    select
        periode_debut,
        periode_fin,
        cast(montant as double) as pacea_montant_eur,
        cast(nb_jeunes as double) as pacea_nb_jeunes,
        cast(montant as double) / nullif(nb_jeunes, 0) as pacea_moyenne_eur
    from paiements_pacea
),

pacea as (
    select
        periode_debut,
        periode_fin,
        indicateur,
        cast(null as varchar) as modalite,
        valeur
    from pacea_larges
    unpivot include nulls (valeur for indicateur in (columns(* exclude (periode_debut, periode_fin))))
),

final as (
    select * from indicateurs_accompagnes
    union all
    select * from entretiens
    union all
    select * from pacea
)

select * from final
