with

source as (
    select * from {{ source('imilo', 'dispositifs') }}
),

renamed as (
    select
        id_jeune as jeune_id,
        dispositif,
        date_entree as entree_date,
        -- the youth's age on the day of the entry (computed at ingestion)
        age_entree as entree_age,
        date_sortie as sortie_date,
        motif_sortie
    from source
),

final as (
    select * from renamed
)

select * from final
