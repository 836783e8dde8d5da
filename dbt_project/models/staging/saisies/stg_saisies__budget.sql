{#- Budget lines typed by the Mission Locale: one row per budget (nature, exercice), side and line; a budget
    is named "<Nature> <exercice>" (e.g. "Prévisionnel 2025"), the modality of the budget_* indicators. -#}
with

source as (
    {{ saisie_source('budget', {
        'annee': 'integer', 'nature': 'varchar', 'exercice': 'integer', 'sens': 'varchar',
        'poste': 'varchar', 'ordre': 'integer', 'montant': 'decimal(14, 2)'}) }}
),

final as (
    select
        annee,
        nature || ' ' || cast(exercice as varchar) as budget,
        nature,
        exercice,
        sens,
        poste,
        ordre as poste_ordre,
        montant
    from source
)

select * from final
