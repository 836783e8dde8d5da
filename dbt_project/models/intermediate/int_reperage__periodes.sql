{#- One row per outreach contact and period in which it took place, with the count of the youth's
    qualifying events (Entretien individuel, Atelier, Information collective) « Présent » from the day
    of the contact (included) to the end of the period; remobilised = spotted (`repere`) and at least
    3 such events. Empty canal → « Non renseigné ». -#}
with
{{ imports(
    periodes='int_periodes',
    reperage='stg_imilo__reperage',
    evenements='stg_imilo__evenements',
) }}
contacts_periodes as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        reperage.contact_id,
        reperage.contact_date,
        coalesce(reperage.canal, '{{ var("modalite_non_renseigne") }}') as canal,
        reperage.is_repere,
        reperage.jeune_id
    from reperage
    inner join periodes
        on reperage.contact_date between periodes.periode_debut and periodes.periode_fin
),

evenements_suivants as (
    select
        contacts_periodes.periode_debut,
        contacts_periodes.periode_fin,
        contacts_periodes.contact_id,
        count(*) as nb_evenements
    from contacts_periodes
    inner join evenements
        on
            contacts_periodes.jeune_id = evenements.jeune_id
            and evenements.evenement_date between contacts_periodes.contact_date and contacts_periodes.periode_fin
    where evenements.is_present and evenements.is_qualifiant
    group by contacts_periodes.periode_debut, contacts_periodes.periode_fin, contacts_periodes.contact_id
),

final as (
    select
        contacts_periodes.periode_debut,
        contacts_periodes.periode_fin,
        contacts_periodes.contact_id,
        contacts_periodes.contact_date,
        contacts_periodes.canal,
        contacts_periodes.is_repere,
        contacts_periodes.jeune_id,
        coalesce(evenements_suivants.nb_evenements, 0) as nb_evenements_presents,
        contacts_periodes.is_repere and coalesce(evenements_suivants.nb_evenements, 0) >= 3 as is_remobilise
    from contacts_periodes
    left join evenements_suivants
        on
            contacts_periodes.periode_debut = evenements_suivants.periode_debut
            and contacts_periodes.periode_fin = evenements_suivants.periode_fin
            and contacts_periodes.contact_id = evenements_suivants.contact_id
)

select * from final
