{#- Premier accueil indicators (pa_*), long rows: one per period, indicator and modality. -#}
with

periodes as (
    select * from {{ ref('int_periodes') }}
),

jeunes_periodes as (
    select * from {{ ref('int_jeunes__periodes') }}
),

vocabulaires as (
    select * from {{ ref('vocabulaires') }}
),

indicateurs_premier_accueil as (
    {{ indicateurs_cohorte('pa', 'premier_accueil', 'periodes', 'jeunes_periodes', 'vocabulaires') }}
),

final as (
    select * from indicateurs_premier_accueil
)

select * from final
