{#- Access to employment, immersions, volunteering and employer contacts (emploi_*, pmsmp_*,
    immersion_*, service_civique_*, volontariat_*, entreprises_*), long rows: one per period and
    indicator. Situations count by their start date, whatever their state; the `_evolution_pct` compare
    with the same dates one year earlier (int_periodes__annee_precedente). -#}
with

periodes as (
    select * from {{ ref('int_periodes') }}
),

accompagnes_periodes as (
    select * from {{ ref('int_accompagnes__periodes') }}
),

situations_periodes as (
    select * from {{ ref('int_situations__periodes') }}
),

contacts_periodes as (
    select * from {{ ref('int_contacts_entreprises__periodes') }}
),

acces_emploi as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        count(accompagnes_periodes.jeune_id) as nb_accompagnes,
        count(*) filter (where accompagnes_periodes.has_emploi) as nb_emploi
    from periodes
    left join accompagnes_periodes
        on
            periodes.periode_debut = accompagnes_periodes.periode_debut
            and periodes.periode_fin = accompagnes_periodes.periode_fin
    group by periodes.periode_debut, periodes.periode_fin
),

comptes_situations as (
    -- counts of the situations starting in the period, and in the same dates one year earlier
    select
        periode_debut,
        periode_fin,
        is_annee_precedente,
        count(*) filter (where is_pmsmp) as nb_pmsmp,
        count(*) filter (where is_immersion_autre) as nb_immersion_autre,
        count(distinct jeune_id) filter (where is_pmsmp or is_immersion_autre) as nb_jeunes_immersion,
        count(*) filter (where is_service_civique) as nb_service_civique,
        count(*) filter (where is_volontariat_autre) as nb_volontariat_autre,
        count(distinct jeune_id) filter (where is_service_civique or is_volontariat_autre) as nb_jeunes_volontariat
    from situations_periodes
    group by periode_debut, periode_fin, is_annee_precedente
),

situations as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        coalesce(courantes.nb_pmsmp, 0) as nb_pmsmp,
        coalesce(precedentes.nb_pmsmp, 0) as nb_pmsmp_precedent,
        coalesce(courantes.nb_immersion_autre, 0) as nb_immersion_autre,
        coalesce(courantes.nb_jeunes_immersion, 0) as nb_jeunes_immersion,
        coalesce(courantes.nb_service_civique, 0) as nb_service_civique,
        coalesce(precedentes.nb_service_civique, 0) as nb_service_civique_precedent,
        coalesce(courantes.nb_volontariat_autre, 0) as nb_volontariat_autre,
        coalesce(courantes.nb_jeunes_volontariat, 0) as nb_jeunes_volontariat
    from periodes
    left join comptes_situations as courantes
        on
            periodes.periode_debut = courantes.periode_debut
            and periodes.periode_fin = courantes.periode_fin
            and not courantes.is_annee_precedente
    left join comptes_situations as precedentes
        on
            periodes.periode_debut = precedentes.periode_debut
            and periodes.periode_fin = precedentes.periode_fin
            and precedentes.is_annee_precedente
),

entreprises as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        count(contacts_periodes.siret) as nb_contacts,
        count(*) filter (where contacts_periodes.is_nouveau) as nb_nouveaux_contacts
    from periodes
    left join contacts_periodes
        on
            periodes.periode_debut = contacts_periodes.periode_debut
            and periodes.periode_fin = contacts_periodes.periode_fin
    group by periodes.periode_debut, periodes.periode_fin
),

indicateurs_larges as (
    select
        acces_emploi.periode_debut,
        acces_emploi.periode_fin,
        cast(acces_emploi.nb_emploi as double) as emploi_nb_jeunes,
        {{ pourcentage('acces_emploi.nb_emploi', 'acces_emploi.nb_accompagnes') }} as emploi_acces_pct,
        cast(situations.nb_pmsmp as double) as pmsmp_nb,
        {{ evolution('situations.nb_pmsmp', 'situations.nb_pmsmp_precedent') }} as pmsmp_evolution_pct,
        cast(situations.nb_immersion_autre as double) as immersion_autres_nb,
        cast(situations.nb_jeunes_immersion as double) as immersion_nb_jeunes,
        cast(situations.nb_service_civique as double) as service_civique_nb,
        {{ evolution('situations.nb_service_civique', 'situations.nb_service_civique_precedent') }}
            as service_civique_evolution_pct,
        cast(situations.nb_volontariat_autre as double) as volontariat_autres_nb,
        cast(situations.nb_jeunes_volontariat as double) as volontariat_nb_jeunes,
        cast(entreprises.nb_contacts as double) as entreprises_nb_contacts,
        cast(entreprises.nb_nouveaux_contacts as double) as entreprises_nb_nouveaux_contacts
    from acces_emploi
    inner join situations
        on
            acces_emploi.periode_debut = situations.periode_debut
            and acces_emploi.periode_fin = situations.periode_fin
    inner join entreprises
        on
            acces_emploi.periode_debut = entreprises.periode_debut
            and acces_emploi.periode_fin = entreprises.periode_fin
),

final as (
    select
        periode_debut,
        periode_fin,
        indicateur,
        cast(null as varchar) as modalite,
        valeur
    from indicateurs_larges
    unpivot include nulls (valeur for indicateur in (columns(* exclude (periode_debut, periode_fin))))
)

select * from final
