{#- Jeunes accompagnés (acc_*) and PACEA allowance (pacea_*) indicators, long rows: one per period, indicator
    and modality. The cohort's profile (macro profil_cohorte) is shared with the premier accueil; the
    accompanied youths' own indicators are its `autres`, their own breakdowns its `repartitions`. -#}
with
{{ imports(
    periodes='int_periodes',
    jeunes_periodes='int_jeunes__periodes',
    allocations_periodes='int_allocations__periodes',
) }}
accompagnes as (
    {{ profil_cohorte('acc', 'jeunes_periodes', cohorte='accompagne', autres={
        'acc_nb_entretiens_individuels': 'coalesce(sum(nb_entretiens_individuels), 0)',
    }, repartitions={
    }) }}
),

pacea as (
    {{ indicateurs('allocations_periodes', {
        'pacea_montant_eur': 'coalesce(sum(montant), 0)',
        'pacea_nb_jeunes': 'count(distinct jeune_id)',
        'pacea_moyenne_eur': ratio('coalesce(sum(montant), 0)', 'count(distinct jeune_id)'),
    }, filtre="dispositif = 'PACEA'") }}
),

final as (
    select * from accompagnes
    union all
    select * from pacea
)

select * from final
