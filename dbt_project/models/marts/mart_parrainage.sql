{#- Mentoring indicators (parr_*), long rows: one per period and indicator. Youths and mentors are
    counted once over the pairings active in the period; exits and length over the pairings ended in
    it. A youth is a minor when under 18 at the start of a pairing active in the period (the earliest
    start gives the youngest age: « minor at one start » = « minor at the first one »). -#}
with

periodes as (
    select * from {{ ref('int_periodes') }}
),

parrainages_periodes as (
    select * from {{ ref('int_parrainages__periodes') }}
),

parrains_periodes as (
    select * from {{ ref('int_parrains__periodes') }}
),

parrainages as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        count(distinct parrainages_periodes.jeune_id) filter (
            where parrainages_periodes.is_actif_periode
        ) as nb_jeunes,
        count(distinct parrainages_periodes.jeune_id) filter (
            where parrainages_periodes.is_actif_periode and parrainages_periodes.is_qpv
        ) as nb_jeunes_qpv,
        count(distinct parrainages_periodes.jeune_id) filter (
            where parrainages_periodes.is_actif_periode and parrainages_periodes.is_zrr
        ) as nb_jeunes_zrr,
        count(distinct parrainages_periodes.jeune_id) filter (
            where parrainages_periodes.is_actif_periode and parrainages_periodes.is_mineur_debut
        ) as nb_jeunes_mineurs,
        coalesce(sum(parrainages_periodes.nb_entretiens) filter (
            where parrainages_periodes.is_actif_periode
        ), 0) as nb_entretiens,
        count(*) filter (where parrainages_periodes.is_termine_periode) as nb_sorties,
        count(*) filter (
            where parrainages_periodes.is_termine_periode and parrainages_periodes.is_solution
        ) as nb_sorties_solution,
        count(*) filter (
            where parrainages_periodes.is_termine_periode and parrainages_periodes.is_abandon
        ) as nb_abandons,
        avg(parrainages_periodes.duree_mois) filter (
            where parrainages_periodes.is_termine_periode
        ) as duree_moyenne_mois
    from periodes
    left join parrainages_periodes
        on
            periodes.periode_debut = parrainages_periodes.periode_debut
            and periodes.periode_fin = parrainages_periodes.periode_fin
    group by periodes.periode_debut, periodes.periode_fin
),

parrains as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        count(*) filter (where parrains_periodes.has_parrainage_actif) as nb_parrains,
        count(*) filter (
            where parrains_periodes.has_parrainage_actif and parrains_periodes.is_retraite
        ) as nb_parrains_retraites,
        count(*) filter (
            where parrains_periodes.has_parrainage_actif and parrains_periodes.is_en_activite
        ) as nb_parrains_actifs,
        count(*) filter (where parrains_periodes.is_nouveau) as nb_nouveaux_parrains
    from periodes
    left join parrains_periodes
        on
            periodes.periode_debut = parrains_periodes.periode_debut
            and periodes.periode_fin = parrains_periodes.periode_fin
    group by periodes.periode_debut, periodes.periode_fin
),

indicateurs_larges as (
    select
        parrainages.periode_debut,
        parrainages.periode_fin,
        cast(parrainages.nb_jeunes as double) as parr_nb_jeunes,
        cast(parrainages.nb_jeunes_qpv as double) as parr_nb_jeunes_qpv,
        cast(parrainages.nb_jeunes_zrr as double) as parr_nb_jeunes_zrr,
        {{ pourcentage('parrainages.nb_jeunes_mineurs', 'parrainages.nb_jeunes') }} as parr_mineurs_pct,
        cast(parrainages.nb_sorties as double) as parr_nb_sorties,
        cast(parrainages.nb_sorties_solution as double) as parr_nb_sorties_solution,
        cast(parrainages.nb_abandons as double) as parr_nb_abandons,
        cast(parrains.nb_parrains as double) as parr_nb_parrains,
        cast(parrains.nb_parrains_retraites as double) as parr_nb_parrains_retraites,
        cast(parrains.nb_parrains_actifs as double) as parr_nb_parrains_actifs,
        cast(parrains.nb_nouveaux_parrains as double) as parr_nb_nouveaux_parrains,
        cast(parrainages.nb_jeunes as double) / nullif(parrains.nb_parrains, 0) as parr_jeunes_par_parrain,
        cast(parrainages.nb_entretiens as double) / nullif(parrains.nb_parrains, 0) as parr_entretiens_par_parrain,
        cast(parrainages.duree_moyenne_mois as double) as parr_duree_moyenne_mois
    from parrainages
    inner join parrains
        on
            parrainages.periode_debut = parrains.periode_debut
            and parrainages.periode_fin = parrains.periode_fin
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
