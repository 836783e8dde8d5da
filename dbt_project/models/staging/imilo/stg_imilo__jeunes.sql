with

source as (
    select * from {{ source('imilo', 'jeunes') }}
),

hebergements as (
    select * from {{ ref('hebergements') }}
),

renamed as (
    select
        source.id_jeune as jeune_id,
        -- ages computed at ingestion (the birth date never reaches the warehouse)
        source.age_premier_accueil as premier_accueil_age,
        source.age_inscription as inscription_age,
        source.sexe,
        source.commune_insee,
        source.qpv_code,
        source.qpv_code is not null as is_qpv,
        coalesce(source.zrr, false) as is_zrr,
        source.niveau_formation,
        source.diplome_obtenu as has_diplome,
        coalesce(
            source.niveau_formation in ('VI', 'V bis')
            or (source.niveau_formation = 'V' and not source.diplome_obtenu),
            false
        ) as is_sans_qualification,
        source.hebergement,
        -- empty, or a value missing from the mapping (reported by a test), is "not communicated"
        coalesce(hebergements.categorie, 'Non communiqué') as hebergement_categorie,
        source.moyen_locomotion,
        coalesce(source.moyen_locomotion = 'Aucun', false) as is_sans_locomotion,
        coalesce(source.moyen_locomotion = 'Voiture', false) as has_voiture,
        coalesce(source.permis_b, false) as has_permis_b,
        coalesce(source.rqth, false) as has_rqth,
        source.date_inscription as inscription_date,
        source.date_premier_accueil as premier_accueil_date
    from source
    left join hebergements
        on source.hebergement = hebergements.hebergement
),

final as (
    select * from renamed
)

select * from final
