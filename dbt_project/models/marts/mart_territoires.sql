{#- Territory and QPV indicators over the accompanied youths (ACC) living there, long rows.
    terr_*: modality = each EPCI of the territory and « Hors territoire » (vocabulary `territoire` of
    int_vocabulaires, zeros included). qpv_nb_jeunes: modality = QPV code, only the codes where at
    least one accompanied youth lives (there is no reference list of QPV codes). -#}
with
{{ imports(
    periodes='int_periodes',
    accompagnes_periodes='int_accompagnes__periodes',
    vocabulaires='int_vocabulaires',
) }}
territoires as (
    select modalite from vocabulaires
    where vocabulaire = 'territoire'
),

par_territoire as (
    {{ indicateurs('accompagnes_periodes', {
        'terr_nb_jeunes': 'count(jeune_id)',
        'terr_emploi_pct': pourcentage(nb('has_emploi'), 'count(jeune_id)'),
        'terr_zrr_pct': pourcentage(nb('is_zrr'), 'count(jeune_id)'),
        'terr_sans_locomotion_nb': nb('is_sans_locomotion'),
        'terr_permis_b_nb': nb('has_permis_b'),
        'terr_voiture_nb': nb('has_voiture'),
        'terr_nb_jeunes_dispositif': nb('has_entree_dispositif'),
        'terr_nb_entretiens_individuels': 'coalesce(sum(nb_entretiens_individuels), 0)',
    }, par='territoire', modalites='territoires') }}
),

par_qpv as (
    {{ indicateurs('accompagnes_periodes', {
        'qpv_nb_jeunes': 'count(*)',
    }, filtre='is_qpv', par='qpv_code') }}
),

final as (
    select * from par_territoire
    union all
    select * from par_qpv
)

select * from final
