with

source as (
    select * from {{ source('imilo', 'situations') }}
),

renamed as (
    select
        id_jeune as jeune_id,
        categorie,
        type_contrat,
        date_debut as debut_date,
        date_fin as fin_date,
        etat
    from source
),

final as (
    select * from renamed
)

select * from final
