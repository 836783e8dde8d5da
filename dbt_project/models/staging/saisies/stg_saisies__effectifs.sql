{#- Staff typed by the Mission Locale: one row per report year, contract type and sex (F, H). -#}
with

source as (
    {{ saisie_source('effectifs', {
        'annee': 'integer', 'contrat': 'varchar', 'sexe': 'varchar', 'effectif': 'integer'}) }}
),

final as (
    select
        annee,
        contrat,
        sexe,
        effectif
    from source
)

select * from final
