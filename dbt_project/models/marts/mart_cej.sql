{#- Contrat d'Engagement Jeune indicators (cej_*), long rows: one per period and indicator, over the
    period itself and, with the suffix `_cumul`, from the start of the CEJ to the end of the period. -#}
with

fenetres as (
    select * from {{ ref('int_cej__fenetres') }}
),

cej_jeunes_fenetres as (
    select * from {{ ref('int_cej__jeunes_fenetres') }}
),

effectifs as (
    select
        fenetres.periode_debut,
        fenetres.periode_fin,
        fenetres.fenetre,
        count(*) filter (where cej_jeunes_fenetres.is_entrant) as nb_entrees,
        count(*) filter (where cej_jeunes_fenetres.is_entrant and cej_jeunes_fenetres.is_femme) as nb_femmes,
        count(*) filter (where cej_jeunes_fenetres.is_entrant and cej_jeunes_fenetres.is_mineur) as nb_mineurs,
        count(*) filter (where cej_jeunes_fenetres.is_entrant and cej_jeunes_fenetres.has_rqth) as nb_rqth,
        count(*) filter (where cej_jeunes_fenetres.is_sorti) as nb_sorties,
        count(*) filter (
            where cej_jeunes_fenetres.is_sorti and cej_jeunes_fenetres.is_sortie_positive
        ) as nb_sorties_positives
    from fenetres
    left join cej_jeunes_fenetres
        on
            fenetres.periode_debut = cej_jeunes_fenetres.periode_debut
            and fenetres.periode_fin = cej_jeunes_fenetres.periode_fin
            and fenetres.fenetre = cej_jeunes_fenetres.fenetre
    group by fenetres.periode_debut, fenetres.periode_fin, fenetres.fenetre
),

indicateurs_larges as (
    select
        periode_debut,
        periode_fin,
        fenetre,
        cast(nb_entrees as double) as cej_nb_entrees,
        {{ pourcentage('nb_femmes', 'nb_entrees') }} as cej_femmes_pct,
        cast(nb_sorties as double) as cej_nb_sorties,
        {{ pourcentage('nb_sorties_positives', 'nb_sorties') }} as cej_sorties_positives_pct,
        cast(nb_mineurs as double) as cej_nb_mineurs,
        cast(nb_rqth as double) as cej_nb_rqth
    from effectifs
),

final as (
    select
        periode_debut,
        periode_fin,
        indicateur || case when fenetre = 'cumul' then '_cumul' else '' end as indicateur,
        cast(null as varchar) as modalite,
        valeur
    from indicateurs_larges
    unpivot include nulls (valeur for indicateur in (columns(* exclude (periode_debut, periode_fin, fenetre))))
)

select * from final
