{#- Access to employment, immersions, volunteering and employer contacts (emploi_*, pmsmp_*, immersion_*,
    service_civique_*, volontariat_*, entreprises_*), long rows: one per period and indicator. Situations count
    by their start date, whatever their state; the rows `is_annee_precedente` of int_situations__periodes are
    those starting on the same dates one year earlier, the base of the `_evolution_pct`, kept beside each
    evolution in `base_evolution` (n₋₁: a network adds up the bases, agregats_reseau). -#}
{#- The count one year earlier of each evolution, written once: in the evolution and in its base. -#}
{%- set bases_evolution = {
    'pmsmp_evolution_pct': nb('is_pmsmp and is_annee_precedente'),
    'service_civique_evolution_pct': nb('is_service_civique and is_annee_precedente'),
} -%}
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
            nb('is_pmsmp and not is_annee_precedente'), bases_evolution['pmsmp_evolution_pct']),
        'immersion_autres_nb': nb('is_immersion_autre and not is_annee_precedente'),
        'immersion_nb_jeunes':
            'count(distinct jeune_id) filter (where (is_pmsmp or is_immersion_autre) and not is_annee_precedente)',
        'service_civique_nb': nb('is_service_civique and not is_annee_precedente'),
        'service_civique_evolution_pct': evolution(
            nb('is_service_civique and not is_annee_precedente'),
            bases_evolution['service_civique_evolution_pct']),
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

bases as (
    {{ indicateurs('situations_periodes', bases_evolution) }}
),

final as (
    select
        acces_emploi.*,
        cast(null as double) as base_evolution
    from acces_emploi
    union all
    select
        situations.*,
        bases.valeur as base_evolution
    from situations
    left join bases
        on
            situations.periode_debut = bases.periode_debut
            and situations.periode_fin = bases.periode_fin
            and situations.indicateur = bases.indicateur
    union all
    select
        entreprises.*,
        cast(null as double) as base_evolution
    from entreprises
)

select * from final
