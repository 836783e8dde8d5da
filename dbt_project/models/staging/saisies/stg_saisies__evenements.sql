{#- The year's events typed by the Mission Locale, one per row, in the order of the file. -#}
with

source as (
    {{ saisie_source('evenements', {
        'ordre': 'integer', 'date_debut': 'date', 'date_fin': 'date', 'titre': 'varchar',
        'description': 'varchar', 'rubrique': 'varchar', 'visiteurs': 'integer'}) }}
),

final as (
    select
        ordre as evenement_ordre,
        date_debut as debut_date,
        date_fin as fin_date,
        titre,
        description,
        rubrique,
        visiteurs
    from source
)

select * from final
