with

source as (
    select * from {{ source('imilo', 'evenements') }}
),

renamed as (
    select
        id_evenement as evenement_id,
        id_jeune as jeune_id,
        date_evenement as evenement_at,
        cast(date_evenement as date) as evenement_date,
        -- the youth's age on the day of the event (computed at ingestion)
        age_evenement as evenement_age,
        nature,
        statut,
        coalesce(statut = 'Présent', false) as is_present,
        -- the natures that make a youth "accompagné" when they were present
        coalesce(nature in ('Entretien individuel', 'Atelier', 'Information collective'), false)
            as is_qualifiant
    from source
),

final as (
    select * from renamed
)

select * from final
