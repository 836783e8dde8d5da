{#- Contrat d'Engagement Jeune indicators (cej_*), long rows: one per period and indicator, over the period
    itself and, with the suffix `_cumul`, from the start of the CEJ (var `cej_debut`) to the end of the period
    (windows of int_cej__fenetres): each expression below gives both ids. -#}
with
{{ imports(fenetres='int_cej__fenetres', cej_jeunes_fenetres='int_cej__jeunes_fenetres') }}
final as (
    {{ indicateurs('cej_jeunes_fenetres', {
        'cej_nb_entrees': nb('is_entrant'),
        'cej_femmes_pct': part('is_femme', parmi='is_entrant'),
        'cej_nb_sorties': nb('is_sorti'),
        'cej_sorties_positives_pct': part('is_sortie_positive', parmi='is_sorti'),
        'cej_nb_mineurs': nb('is_entrant and is_mineur'),
        'cej_nb_rqth': nb('is_entrant and has_rqth'),
    }, periodes='fenetres', cles=['periode_debut', 'periode_fin', 'fenetre'], suffixe=suffixe_fenetre()) }}
)

select * from final
