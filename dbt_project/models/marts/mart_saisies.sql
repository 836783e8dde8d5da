{#- Manual inputs as indicator rows (rh_*, budget_*, satisfaction_*, evenements_*), long rows: one per
    period, indicator and modality.
    - Staff, budget and satisfaction describe a report year (`annee` of their file): they feed the
      period of the run that is that calendar year, and no other (a month or the year to date gets none).
    - Events are dated: they count in every period holding their first day, once the events file has
      at least one event (no file → no rows, "non renseigné" rather than 0). -#}
{#- The staff indicators: the staff of the year (sum of `effectif`) by breakdown (none = the total). -#}
{%- set rh = {
    'rh_nb_salaries': none,
    'rh_sexe_nb': 'sexe',
    'rh_contrat_nb': 'contrat',
    'rh_contrat_sexe_nb': "contrat || '|' || sexe",
} -%}
{#- The budget indicators: sum of `montant`, [rows summed (filtre), breakdown (par)]; a budget is « Nature exercice ». -#}
{%- set budgets = {
    'budget_charges_eur': ["sens = 'charges'", 'budget'],
    'budget_produits_eur': ["sens = 'produits'", 'budget'],
    'budget_charges_poste_eur': ["sens = 'charges' and poste is not null", "budget || '|' || poste"],
    'budget_produits_poste_eur': ["sens = 'produits' and poste is not null", "budget || '|' || poste"],
} -%}
with
{{ imports(
    periodes='int_periodes',
    effectifs='stg_saisies__effectifs',
    budget='stg_saisies__budget',
    satisfaction='stg_saisies__satisfaction',
    satisfaction_questions='stg_saisies__satisfaction_questions',
    evenements='stg_saisies__evenements',
) }}
annees as (
    select
        periode_debut,
        periode_fin,
        year(periode_debut) as annee
    from periodes
    where
        periode_debut = make_date(year(periode_debut), 1, 1)
        and periode_fin = make_date(year(periode_debut), 12, 31)
),

effectifs_annee as (
    select * from annees
    inner join effectifs using (annee)
),

budget_annee as (
    select * from annees
    inner join budget using (annee)
),

satisfaction_annee as (
    select * from annees
    inner join satisfaction using (annee)
),

questions_annee as (
    select * from annees
    inner join satisfaction_questions using (annee)
),

rh as (
    {%- for id, par in rh.items() %}
    {{ indicateurs('effectifs_annee', {id: 'sum(effectif)'}, par=par, vides=false) }}
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

budgets as (
    {%- for id, (filtre, par) in budgets.items() %}
    {{ indicateurs('budget_annee', {id: 'sum(montant)'}, filtre=filtre, par=par) }}
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

enquetes as (
    {{ indicateurs('satisfaction_annee', {
        'satisfaction_repondants_jeunes_nb': 'sum(repondants)',
    }, filtre="public = 'jeunes'", vides=false) }}
    union all
    {{ indicateurs('satisfaction_annee', {
        'satisfaction_repondants_employeurs_nb': 'sum(repondants)',
    }, filtre="public = 'employeurs'", vides=false) }}
    union all
    {{ indicateurs('questions_annee', {
        'satisfaction_jeunes_pct': 'sum(satisfaits_pct)',
    }, filtre="public = 'jeunes'", par='question') }}
    union all
    {{ indicateurs('questions_annee', {
        'satisfaction_employeurs_pct': 'sum(satisfaits_pct)',
    }, filtre="public = 'employeurs'", par='question') }}
),

periodes_evenements as (
    select * from periodes
    where exists (select 1 from evenements)
),

rubriques as (
    select distinct rubrique as modalite from evenements
),

evenements_periodes as (
    select
        periodes_evenements.periode_debut,
        periodes_evenements.periode_fin,
        evenements.evenement_ordre,
        evenements.rubrique,
        evenements.visiteurs
    from periodes_evenements
    inner join evenements
        on evenements.debut_date between periodes_evenements.periode_debut and periodes_evenements.periode_fin
),

evenements_indicateurs as (
    {{ indicateurs('evenements_periodes', {
        'evenements_nb': 'count(evenement_ordre)',
        'evenements_visiteurs_nb': 'coalesce(sum(visiteurs), 0)',
    }, periodes='periodes_evenements') }}
    union all
    {{ indicateurs('evenements_periodes', {
        'evenements_rubrique_nb': 'count(evenement_ordre)',
        'evenements_rubrique_visiteurs_nb': 'coalesce(sum(visiteurs), 0)',
    }, periodes='periodes_evenements', par='rubrique', modalites='rubriques') }}
),

final as (
    select * from rh
    union all
    select * from budgets
    union all
    select * from enquetes
    union all
    select * from evenements_indicateurs
)

select * from final
