{#- Mentoring indicators (parr_*), long rows: one per period and indicator, over the rows of both the pairings
    (int_parrainages__periodes, `ligne` = 'parrainage') and the mentors (int_parrains__periodes, `ligne` =
    'parrain') of the period, so that a ratio of youths to mentors is one expression. Youths and mentors are
    counted once over the pairings active in the period; exits and length over the pairings ended in it. A youth
    is a minor when under 18 at the start of a pairing active in the period (the earliest start gives the
    youngest age: « minor at one start » = « minor at the first one »). -#}
with
{{ imports(
    periodes='int_periodes',
    parrainages_periodes='int_parrainages__periodes',
    parrains_periodes='int_parrains__periodes',
) }}
parrainages_et_parrains as (
    select
        'parrainage' as ligne,
        *
    from parrainages_periodes
    union all by name
    select
        'parrain' as ligne,
        *
    from parrains_periodes
),

final as (
    {{ indicateurs('parrainages_et_parrains', {
        'parr_nb_jeunes': nb_distincts('jeune_id', 'is_actif_periode'),
        'parr_nb_jeunes_qpv': nb_distincts('jeune_id', 'is_actif_periode and is_qpv'),
        'parr_nb_jeunes_zrr': nb_distincts('jeune_id', 'is_actif_periode and is_zrr'),
        'parr_mineurs_pct': pourcentage(
            nb_distincts('jeune_id', 'is_actif_periode and is_mineur_debut'), nb_distincts('jeune_id', 'is_actif_periode')),
        'parr_nb_sorties': nb('is_termine_periode'),
        'parr_nb_sorties_solution': nb('is_termine_periode and is_solution'),
        'parr_nb_abandons': nb('is_termine_periode and is_abandon'),
        'parr_nb_parrains': nb('has_parrainage_actif'),
        'parr_nb_parrains_retraites': nb('has_parrainage_actif and is_retraite'),
        'parr_nb_parrains_actifs': nb('has_parrainage_actif and is_en_activite'),
        'parr_nb_nouveaux_parrains': nb('is_nouveau'),
        'parr_jeunes_par_parrain': ratio(nb_distincts('jeune_id', 'is_actif_periode'), nb('has_parrainage_actif')),
        'parr_entretiens_par_parrain': ratio(
            'coalesce(sum(nb_entretiens) filter (where is_actif_periode), 0)', nb('has_parrainage_actif')),
        'parr_duree_moyenne_mois': 'avg(duree_mois) filter (where is_termine_periode)',
    }) }}
)

select * from final
