with

source as (
    select * from {{ source('imilo', 'contacts_entreprises') }}
),

renamed as (
    select
        id_contact as contact_id,
        siret,
        date_contact as contact_date
    from source
),

final as (
    select * from renamed
)

select * from final
