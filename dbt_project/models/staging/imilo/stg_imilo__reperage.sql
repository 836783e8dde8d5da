with

source as (
    select * from {{ source('imilo', 'reperage') }}
),

renamed as (
    select
        id_contact as contact_id,
        date_contact as contact_date,
        canal,
        coalesce(repere, false) as is_repere,
        id_jeune as jeune_id
    from source
),

final as (
    select * from renamed
)

select * from final
