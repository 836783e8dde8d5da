{#- Programme indicators (disp_*), long rows: one per period, indicator and modality. Modalities:
    the programmes of the catalogue and of the data, plus `Ensemble`; the exits by reason use
    `<programme>|<motif>` for the reasons that occur. -#}
with

periodes as (
    select * from {{ ref('int_periodes') }}
),

dispositifs_periodes as (
    select * from {{ ref('int_dispositifs__periodes') }}
),

entrees_periodes as (
    select * from {{ ref('int_dispositifs__entrees_periodes') }}
),

programmes as (
    select * from {{ ref('programmes') }}
),

modalites as (
    select dispositif from programmes
    union
    select dispositif from dispositifs_periodes
    union
    select 'Ensemble' as dispositif
),

effectifs as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        modalites.dispositif,
        count(*) filter (where dispositifs_periodes.is_beneficiaire) as nb_beneficiaires,
        count(*) filter (
            where dispositifs_periodes.is_beneficiaire and dispositifs_periodes.is_femme
        ) as nb_femmes,
        count(*) filter (
            where dispositifs_periodes.is_beneficiaire and dispositifs_periodes.is_mineur
        ) as nb_mineurs,
        count(*) filter (
            where dispositifs_periodes.is_beneficiaire and dispositifs_periodes.is_sans_qualification
        ) as nb_sans_qualification,
        count(*) filter (
            where dispositifs_periodes.is_beneficiaire and dispositifs_periodes.is_qpv
        ) as nb_qpv,
        count(*) filter (
            where dispositifs_periodes.is_beneficiaire and dispositifs_periodes.is_zrr
        ) as nb_zrr,
        count(*) filter (where dispositifs_periodes.is_present_fin) as nb_presents_fin,
        count(*) filter (where dispositifs_periodes.has_sortie_periode) as nb_sorties
    from periodes
    cross join modalites
    left join dispositifs_periodes
        on
            periodes.periode_debut = dispositifs_periodes.periode_debut
            and periodes.periode_fin = dispositifs_periodes.periode_fin
            and modalites.dispositif = dispositifs_periodes.dispositif
    group by periodes.periode_debut, periodes.periode_fin, modalites.dispositif
),

indicateurs_larges as (
    select
        periode_debut,
        periode_fin,
        dispositif,
        cast(nb_beneficiaires as double) as disp_nb_beneficiaires,
        {{ pourcentage('nb_femmes', 'nb_beneficiaires') }} as disp_femmes_pct,
        {{ pourcentage('nb_mineurs', 'nb_beneficiaires') }} as disp_mineurs_pct,
        {{ pourcentage('nb_sans_qualification', 'nb_beneficiaires') }} as disp_sans_qualification_pct,
        {{ pourcentage('nb_qpv', 'nb_beneficiaires') }} as disp_qpv_pct,
        {{ pourcentage('nb_zrr', 'nb_beneficiaires') }} as disp_zrr_pct,
        cast(nb_presents_fin as double) as disp_nb_presents_fin,
        cast(nb_sorties as double) as disp_nb_sorties
    from effectifs
),

indicateurs_dispositif as (
    select
        periode_debut,
        periode_fin,
        indicateur,
        dispositif as modalite,
        valeur
    from indicateurs_larges
    unpivot include nulls (
        valeur for indicateur in (columns(* exclude (periode_debut, periode_fin, dispositif)))
    )
),

sorties_motif as (
    select
        periode_debut,
        periode_fin,
        'disp_sorties_motif_nb' as indicateur,
        dispositif || '|' || coalesce(motif_sortie, 'Non renseigné') as modalite,
        cast(count(*) as double) as valeur
    from entrees_periodes
    where is_sortie_periode
    group by periode_debut, periode_fin, dispositif, coalesce(motif_sortie, 'Non renseigné')
),

final as (
    select * from indicateurs_dispositif
    union all
    select * from sorties_motif
)

select * from final
