{{ config(materialized='view') }}

{#- One row per indicator of the dictionary and period of the run: how many rows `indicateurs`
    holds for it (0 = not produced yet). -#}
with
{{ imports(
    dictionnaire='indicateurs_dictionnaire',
    periodes='int_periodes',
    indicateurs='indicateurs',
) }}
final as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        dictionnaire.section,
        dictionnaire.indicateur,
        count(indicateurs.indicateur) as nb_lignes,
        count(indicateurs.indicateur) > 0 as is_produit
    from periodes
    cross join dictionnaire
    left join indicateurs
        on
            periodes.periode_debut = indicateurs.periode_debut
            and periodes.periode_fin = indicateurs.periode_fin
            and dictionnaire.indicateur = indicateurs.indicateur
    group by
        periodes.periode_debut,
        periodes.periode_fin,
        dictionnaire.section,
        dictionnaire.indicateur
)

select * from final
