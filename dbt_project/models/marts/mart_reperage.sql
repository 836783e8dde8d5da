{#- Outreach indicators (rep_*), long rows: each expression below gives the total (modality NULL) and, with the
    suffix `_canal`, one row per channel of the vocabulary `canal` (zeros included) and per channel of the data
    missing from it (« Non renseigné » for an empty one), so that the channels sum to the total. -#}
{%- set reperage = {
    'rep_nb_contacts': 'count(contact_id)',
    'rep_nb_reperes': nb('is_repere'),
    'rep_nb_remobilises': nb('is_remobilise'),
} -%}
with
{{ imports(
    periodes='int_periodes',
    reperage_periodes='int_reperage__periodes',
    vocabulaires='int_vocabulaires',
) }}
canaux as (
    select modalite from vocabulaires
    where vocabulaire = 'canal'
    union
    select canal from reperage_periodes
    where {{ des_periodes_du_run('reperage_periodes') }}
),

totaux as (
    {{ indicateurs('reperage_periodes', reperage) }}
),

par_canal as (
    {{ indicateurs('reperage_periodes', reperage, par='canal', modalites='canaux', suffixe="'_canal'") }}
),

final as (
    select * from totaux
    union all
    select * from par_canal
)

select * from final
