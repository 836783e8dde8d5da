{#- Access to employment, immersions, volunteering and employer contacts (emploi_*, pmsmp_*, immersion_*,
    service_civique_*, volontariat_*, entreprises_*), long rows: one per period and indicator. Situations count
    by their start date, whatever their state; the rows `is_annee_precedente` of int_situations__periodes are
    those starting on the same dates one year earlier, the base of the `_evolution_pct`. -#}
with
{{ imports(
    periodes='int_periodes',
    accompagnes_periodes='int_accompagnes__periodes',
    situations_periodes='int_situations__periodes',
    contacts_periodes='int_contacts_entreprises__periodes',
) }}
acces_emploi as (
    {{ indicateurs('accompagnes_periodes', {
        'emploi_nb_jeunes': nb('has_emploi'),
        'emploi_acces_pct': pourcentage(nb('has_emploi'), 'count(jeune_id)'),
    }) }}
),

situations as (
    {{ indicateurs('situations_periodes', {
        'pmsmp_nb': nb('is_pmsmp and not is_annee_precedente'),
        'pmsmp_evolution_pct': evolution(
            nb('is_pmsmp and not is_annee_precedente'), nb('is_pmsmp and is_annee_precedente')),
        'immersion_autres_nb': nb('is_immersion_autre and not is_annee_precedente'),
        'immersion_nb_jeunes':
            'count(distinct jeune_id) filter (where (is_pmsmp or is_immersion_autre) and not is_annee_precedente)',
        'service_civique_nb': nb('is_service_civique and not is_annee_precedente'),
        'service_civique_evolution_pct': evolution(
            nb('is_service_civique and not is_annee_precedente'), nb('is_service_civique and is_annee_precedente')),
        'volontariat_autres_nb': nb('is_volontariat_autre and not is_annee_precedente'),
        'volontariat_nb_jeunes':
            'count(distinct jeune_id) filter (where (is_service_civique or is_volontariat_autre) and not is_annee_precedente)',
    }) }}
),

entreprises as (
    {{ indicateurs('contacts_periodes', {
        'entreprises_nb_contacts': 'count(siret)',
        'entreprises_nb_nouveaux_contacts': nb('is_nouveau'),
    }) }}
),

final as (
    select * from acces_emploi
    union all
    select * from situations
    union all
    select * from entreprises
)

select * from final
