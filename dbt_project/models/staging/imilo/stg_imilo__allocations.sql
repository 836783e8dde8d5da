with

source as (
    select * from {{ source('imilo', 'allocations') }}
),

renamed as (
    select
        id_jeune as jeune_id,
        dispositif,
        date_paiement as paiement_date,
        montant
    from source
),

final as (
    select * from renamed
)

select * from final
