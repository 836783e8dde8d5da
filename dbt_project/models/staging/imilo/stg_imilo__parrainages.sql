with

source as (
    select * from {{ source('imilo', 'parrainages') }}
),

renamed as (
    select
        id_parrainage as parrainage_id,
        id_jeune as jeune_id,
        id_parrain as parrain_id,
        date_debut as debut_date,
        -- the youth's age on the day the mentorship starts (computed at ingestion)
        age_debut as debut_age,
        date_fin as fin_date,
        motif_fin,
        nb_entretiens
    from source
),

final as (
    select * from renamed
)

select * from final
