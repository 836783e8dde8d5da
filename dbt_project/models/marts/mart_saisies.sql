{#- Manual inputs as indicator rows (rh_*, budget_*, satisfaction_*, evenements_*), long rows: one per
    period, indicator and modality.
    - Staff, budget and satisfaction describe a report year (`annee` of their file): they feed the
      period of the run that is that calendar year, and no other (a month or the year to date gets none).
    - Events are dated: they count in every period holding their first day, once the events file has
      at least one event (no file → no rows, "non renseigné" rather than 0). -#}
with

periodes as (
    select * from {{ ref('int_periodes') }}
),

effectifs as (
    select * from {{ ref('stg_saisies__effectifs') }}
),

budget as (
    select * from {{ ref('stg_saisies__budget') }}
),

satisfaction as (
    select * from {{ ref('stg_saisies__satisfaction') }}
),

satisfaction_questions as (
    select * from {{ ref('stg_saisies__satisfaction_questions') }}
),

evenements as (
    select * from {{ ref('stg_saisies__evenements') }}
),

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
    select
        annees.periode_debut,
        annees.periode_fin,
        effectifs.contrat,
        effectifs.sexe,
        effectifs.effectif
    from annees
    inner join effectifs on annees.annee = effectifs.annee
),

rh as (
    select
        periode_debut,
        periode_fin,
        'rh_nb_salaries' as indicateur,
        cast(null as varchar) as modalite,
        sum(effectif) as valeur
    from effectifs_annee
    group by periode_debut, periode_fin
    union all
    select
        periode_debut,
        periode_fin,
        'rh_sexe_nb' as indicateur,
        sexe as modalite,
        sum(effectif) as valeur
    from effectifs_annee
    group by periode_debut, periode_fin, sexe
    union all
    select
        periode_debut,
        periode_fin,
        'rh_contrat_nb' as indicateur,
        contrat as modalite,
        sum(effectif) as valeur
    from effectifs_annee
    group by periode_debut, periode_fin, contrat
    union all
    select
        periode_debut,
        periode_fin,
        'rh_contrat_sexe_nb' as indicateur,
        contrat || '|' || sexe as modalite,
        effectif as valeur
    from effectifs_annee
),

budget_annee as (
    select
        annees.periode_debut,
        annees.periode_fin,
        budget.budget,
        budget.sens,
        budget.poste,
        budget.montant
    from annees
    inner join budget on annees.annee = budget.annee
),

budgets as (
    select
        periode_debut,
        periode_fin,
        'budget_' || sens || '_eur' as indicateur,
        budget as modalite,
        sum(montant) as valeur
    from budget_annee
    group by periode_debut, periode_fin, sens, budget
    union all
    select
        periode_debut,
        periode_fin,
        'budget_' || sens || '_poste_eur' as indicateur,
        budget || '|' || poste as modalite,
        montant as valeur
    from budget_annee
    where poste is not null
),

enquetes as (
    select
        annees.periode_debut,
        annees.periode_fin,
        'satisfaction_repondants_' || satisfaction.public || '_nb' as indicateur,
        cast(null as varchar) as modalite,
        satisfaction.repondants as valeur
    from annees
    inner join satisfaction on annees.annee = satisfaction.annee
    union all
    select
        annees.periode_debut,
        annees.periode_fin,
        'satisfaction_' || satisfaction_questions.public || '_pct' as indicateur,
        satisfaction_questions.question as modalite,
        satisfaction_questions.satisfaits_pct as valeur
    from annees
    inner join satisfaction_questions on annees.annee = satisfaction_questions.annee
),

periodes_evenements as (
    select * from periodes
    where exists (select 1 from evenements)
),

rubriques as (
    select distinct rubrique from evenements
),

evenements_periodes as (
    select
        periodes_evenements.periode_debut,
        periodes_evenements.periode_fin,
        evenements.rubrique,
        evenements.visiteurs
    from periodes_evenements
    inner join evenements
        on evenements.debut_date between periodes_evenements.periode_debut and periodes_evenements.periode_fin
),

evenements_totaux as (
    select
        periodes_evenements.periode_debut,
        periodes_evenements.periode_fin,
        count(evenements_periodes.periode_debut) as evenements_nb,
        coalesce(sum(evenements_periodes.visiteurs), 0) as evenements_visiteurs_nb
    from periodes_evenements
    left join evenements_periodes
        on
            periodes_evenements.periode_debut = evenements_periodes.periode_debut
            and periodes_evenements.periode_fin = evenements_periodes.periode_fin
    group by periodes_evenements.periode_debut, periodes_evenements.periode_fin
),

evenements_rubriques as (
    select
        periodes_evenements.periode_debut,
        periodes_evenements.periode_fin,
        rubriques.rubrique,
        count(evenements_periodes.periode_debut) as evenements_rubrique_nb,
        coalesce(sum(evenements_periodes.visiteurs), 0) as evenements_rubrique_visiteurs_nb
    from periodes_evenements
    cross join rubriques
    left join evenements_periodes
        on
            periodes_evenements.periode_debut = evenements_periodes.periode_debut
            and periodes_evenements.periode_fin = evenements_periodes.periode_fin
            and rubriques.rubrique = evenements_periodes.rubrique
    group by periodes_evenements.periode_debut, periodes_evenements.periode_fin, rubriques.rubrique
),

evenements_indicateurs as (
    select
        periode_debut,
        periode_fin,
        indicateur,
        cast(null as varchar) as modalite,
        valeur
    from evenements_totaux
    unpivot (valeur for indicateur in (evenements_nb, evenements_visiteurs_nb))
    union all
    select
        periode_debut,
        periode_fin,
        indicateur,
        rubrique as modalite,
        valeur
    from evenements_rubriques
    unpivot (valeur for indicateur in (evenements_rubrique_nb, evenements_rubrique_visiteurs_nb))
),

final as (
    select periode_debut, periode_fin, indicateur, modalite, cast(valeur as double) as valeur from rh
    union all
    select periode_debut, periode_fin, indicateur, modalite, cast(valeur as double) as valeur from budgets
    union all
    select periode_debut, periode_fin, indicateur, modalite, cast(valeur as double) as valeur from enquetes
    union all
    select periode_debut, periode_fin, indicateur, modalite, cast(valeur as double) as valeur
    from evenements_indicateurs
)

select * from final
