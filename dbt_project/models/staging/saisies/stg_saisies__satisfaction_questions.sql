{#- Satisfaction surveys: share (%) of satisfied respondents per report year, public and question. -#}
with

source as (
    {{ saisie_source('satisfaction_questions', {
        'annee': 'integer', 'public': 'varchar', 'ordre': 'integer', 'question': 'varchar',
        'satisfaits_pct': 'decimal(5, 1)'}) }}
),

final as (
    select
        annee,
        public,
        ordre as question_ordre,
        question,
        satisfaits_pct
    from source
)

select * from final
