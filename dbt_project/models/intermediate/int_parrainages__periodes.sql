{#- One row per mentoring pairing and period, for the pairings active in the period (start ≤ end of
    the period, end empty or ≥ its start) or ended in it: the pairing's youth attributes at its start
    (minor), its outcome (solution = a reason of the seed `motifs_sortie_positifs`, PARRAINAGE) and its
    length in months (days / 30.4375). -#}
with
{{ imports(
    periodes='int_periodes',
    parrainages='stg_imilo__parrainages',
    jeunes='stg_imilo__jeunes',
    motifs_solution='motifs_sortie_positifs',
) }}
parrainages_periodes as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        parrainages.*,
        coalesce(
            parrainages.debut_date <= periodes.periode_fin
            and (parrainages.fin_date is null or parrainages.fin_date >= periodes.periode_debut),
            false
        ) as is_actif_periode,
        coalesce(
            parrainages.fin_date between periodes.periode_debut and periodes.periode_fin, false
        ) as is_termine_periode
    from parrainages
    cross join periodes
),

final as (
    -- attributes of a youth missing from the jeunes export stay NULL (unknown)
    select
        parrainages_periodes.periode_debut,
        parrainages_periodes.periode_fin,
        parrainages_periodes.parrainage_id,
        parrainages_periodes.jeune_id,
        parrainages_periodes.parrain_id,
        parrainages_periodes.debut_date,
        parrainages_periodes.fin_date,
        parrainages_periodes.motif_fin,
        parrainages_periodes.nb_entretiens,
        parrainages_periodes.is_actif_periode,
        parrainages_periodes.is_termine_periode,
        motifs_solution.motif_sortie is not null as is_solution,
        coalesce(parrainages_periodes.motif_fin = 'Abandon', false) as is_abandon,
        datediff('day', parrainages_periodes.debut_date, parrainages_periodes.fin_date) / 30.4375 as duree_mois,
        {{ est_mineur('parrainages_periodes.debut_age') }} as is_mineur_debut,
        jeunes.is_qpv,
        jeunes.is_zrr
    from parrainages_periodes
    left join jeunes
        on parrainages_periodes.jeune_id = jeunes.jeune_id
    left join motifs_solution
        on
            parrainages_periodes.motif_fin = motifs_solution.motif_sortie
            and motifs_solution.dispositif = 'PARRAINAGE'
    where parrainages_periodes.is_actif_periode or parrainages_periodes.is_termine_periode
)

select * from final
