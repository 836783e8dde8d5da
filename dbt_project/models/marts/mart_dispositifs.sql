{#- Programme indicators (disp_*), long rows: one per period, indicator and modality. Modalities: the programmes
    of the catalogue and of the data, plus `Ensemble` (rows of int_dispositifs__periodes); the exits by reason
    use `<programme>|<motif>` for the reasons that occur. -#}
with
{{ imports(
    periodes='int_periodes',
    dispositifs_periodes='int_dispositifs__periodes',
    entrees_periodes='int_dispositifs__entrees_periodes',
    programmes='programmes',
) }}
dispositifs as (
    select dispositif as modalite from programmes
    union
    select dispositif from dispositifs_periodes
    where {{ des_periodes_du_run('dispositifs_periodes') }}
    union
    select '{{ var("modalite_ensemble") }}' as dispositif
),

par_dispositif as (
    {{ indicateurs('dispositifs_periodes', {
        'disp_nb_beneficiaires': nb('is_beneficiaire'),
        'disp_femmes_pct': part('is_femme', parmi='is_beneficiaire'),
        'disp_mineurs_pct': part('is_mineur', parmi='is_beneficiaire'),
        'disp_sans_qualification_pct': part('is_sans_qualification', parmi='is_beneficiaire'),
        'disp_qpv_pct': part('is_qpv', parmi='is_beneficiaire'),
        'disp_zrr_pct': part('is_zrr', parmi='is_beneficiaire'),
        'disp_nb_presents_fin': nb('is_present_fin'),
        'disp_nb_sorties': nb('has_sortie_periode'),
    }, par='dispositif', modalites='dispositifs') }}
),

sorties_motif as (
    {{ indicateurs('entrees_periodes', {
        'disp_sorties_motif_nb': 'count(*)',
    }, filtre='is_sortie_periode', par="dispositif || '|' || coalesce(motif_sortie, '" ~ var('modalite_non_renseigne') ~ "')") }}
),

final as (
    select * from par_dispositif
    union all
    select * from sorties_motif
)

select * from final
