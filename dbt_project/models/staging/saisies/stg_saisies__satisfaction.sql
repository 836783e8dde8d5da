{#- Satisfaction surveys typed by the Mission Locale: respondents per report year and public. -#}
with

source as (
    {{ saisie_source('satisfaction', {'annee': 'integer', 'public': 'varchar', 'repondants': 'integer'}) }}
),

final as (
    select
        annee,
        public,
        repondants
    from source
)

select * from final
