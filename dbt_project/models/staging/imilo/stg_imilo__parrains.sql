with

source as (
    select * from {{ source('imilo', 'parrains') }}
),

renamed as (
    select
        id_parrain as parrain_id,
        statut,
        date_entree as entree_date
    from source
),

final as (
    select * from renamed
)

select * from final
