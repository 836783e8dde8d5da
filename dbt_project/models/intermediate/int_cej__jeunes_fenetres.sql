{#- One row per youth, period and CEJ window (`periode`, `cumul`: int_cej__fenetres) for the youths
    with a CEJ entry or exit in the window. An entrant's reference date is their first entry in the
    window (age, minor: the smallest age at an entry of the window, computed at ingestion); an exit is positive
    when the reason of the youth's last exit in the window is in the seed `motifs_sortie_positifs` (several exits
    that day: one positive is enough). -#}
with
{{ imports(
    fenetres='int_cej__fenetres',
    dispositifs='stg_imilo__dispositifs',
    jeunes='stg_imilo__jeunes',
    motifs_positifs='motifs_sortie_positifs',
) }}
passages as (
    select
        fenetres.periode_debut,
        fenetres.periode_fin,
        fenetres.fenetre,
        dispositifs.jeune_id,
        dispositifs.entree_date,
        dispositifs.entree_age,
        dispositifs.sortie_date,
        coalesce(
            dispositifs.entree_date between fenetres.fenetre_debut and fenetres.fenetre_fin, false
        ) as is_entree_fenetre,
        coalesce(
            dispositifs.sortie_date between fenetres.fenetre_debut and fenetres.fenetre_fin, false
        ) as is_sortie_fenetre,
        motifs_positifs.motif_sortie is not null as is_motif_positif
    from dispositifs
    cross join fenetres
    left join motifs_positifs
        on
            dispositifs.motif_sortie = motifs_positifs.motif_sortie
            and motifs_positifs.dispositif = 'CEJ'
    where dispositifs.dispositif = 'CEJ' and dispositifs.jeune_id is not null
),

par_jeune as (
    select
        periode_debut,
        periode_fin,
        fenetre,
        jeune_id,
        min(entree_date) filter (where is_entree_fenetre) as premiere_entree_date,
        min(entree_age) filter (where is_entree_fenetre) as premiere_entree_age,
        max(sortie_date) filter (where is_sortie_fenetre) as derniere_sortie_date
    from passages
    where is_entree_fenetre or is_sortie_fenetre
    group by periode_debut, periode_fin, fenetre, jeune_id
),

dernieres_sorties as (
    select
        par_jeune.periode_debut,
        par_jeune.periode_fin,
        par_jeune.fenetre,
        par_jeune.jeune_id,
        bool_or(passages.is_motif_positif) as is_sortie_positive
    from par_jeune
    inner join passages
        on
            par_jeune.periode_debut = passages.periode_debut
            and par_jeune.periode_fin = passages.periode_fin
            and par_jeune.fenetre = passages.fenetre
            and par_jeune.jeune_id = passages.jeune_id
            and par_jeune.derniere_sortie_date = passages.sortie_date
    group by par_jeune.periode_debut, par_jeune.periode_fin, par_jeune.fenetre, par_jeune.jeune_id
),

final as (
    -- attributes of a youth missing from the jeunes export stay NULL (unknown)
    select
        par_jeune.periode_debut,
        par_jeune.periode_fin,
        par_jeune.fenetre,
        par_jeune.jeune_id,
        par_jeune.premiere_entree_date is not null as is_entrant,
        par_jeune.premiere_entree_date,
        {{ est_mineur('par_jeune.premiere_entree_age') }} as is_mineur,
        jeunes.sexe = 'F' as is_femme,
        jeunes.has_rqth,
        par_jeune.derniere_sortie_date is not null as is_sorti,
        par_jeune.derniere_sortie_date,
        coalesce(dernieres_sorties.is_sortie_positive, false) as is_sortie_positive
    from par_jeune
    left join dernieres_sorties
        on
            par_jeune.periode_debut = dernieres_sorties.periode_debut
            and par_jeune.periode_fin = dernieres_sorties.periode_fin
            and par_jeune.fenetre = dernieres_sorties.fenetre
            and par_jeune.jeune_id = dernieres_sorties.jeune_id
    left join jeunes
        on par_jeune.jeune_id = jeunes.jeune_id
)

select * from final
