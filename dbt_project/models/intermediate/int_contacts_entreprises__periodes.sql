{#- One row per employer (SIRET) and period in which it was contacted, with its first contact ever
    in the export's history: new = that first contact is in the period. -#}
with
{{ imports(periodes='int_periodes') }}
contacts as (
    select * from {{ ref('stg_imilo__contacts_entreprises') }}
    where siret is not null
),

premiers_contacts as (
    select
        siret,
        min(contact_date) as premier_contact_date
    from contacts
    group by siret
),

contacts_periodes as (
    select distinct
        periodes.periode_debut,
        periodes.periode_fin,
        contacts.siret
    from contacts
    inner join periodes
        on contacts.contact_date between periodes.periode_debut and periodes.periode_fin
),

final as (
    select
        contacts_periodes.periode_debut,
        contacts_periodes.periode_fin,
        contacts_periodes.siret,
        premiers_contacts.premier_contact_date,
        premiers_contacts.premier_contact_date between contacts_periodes.periode_debut
        and contacts_periodes.periode_fin as is_nouveau
    from contacts_periodes
    inner join premiers_contacts
        on contacts_periodes.siret = premiers_contacts.siret
)

select * from final
