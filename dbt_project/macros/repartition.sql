{#- Breakdown of a population by a column, as long rows (periode_debut, periode_fin, indicateur, modalite,
    valeur): for each indicator, every modality of its vocabulary (column `vocabulaire` of the dictionary, the
    modalities of `int_vocabulaires`, zeros included; a vocabulary with no modality there, like `qpv`: the values
    present in the column over the run's periods) with the share (%) of the population's rows of the period holding that modality in the
    column (no value over an empty population; a NULL or unlisted value counts in the population, in no
    modality).

    population   name of a CTE of the calling model: one row per youth and period (periode_debut, periode_fin)
    filtre       condition keeping the population's rows that count, none = all
    definitions  mapping indicator id → column of the population holding the modality,
                 e.g. {'acc_sexe_pct': 'sexe', 'acc_tranche_age_pct': 'accompagne_tranche_age'}
    periodes     CTE of the periods: every period gets its rows -#}
{% macro repartition(population, definitions, filtre=none, periodes='periodes') %}
    {%- set ids = definitions.keys() | list -%}
    with

    effectifs as (
        select
            {{ periodes }}.periode_debut,
            {{ periodes }}.periode_fin,
            count({{ population }}.periode_debut) as nb_lignes
        from {{ periodes }}
        left join {{ population_filtree(population, filtre) }}
            on
                {{ periodes }}.periode_debut = {{ population }}.periode_debut
                and {{ periodes }}.periode_fin = {{ population }}.periode_fin
        group by all
    ),

    modalites_lignes as (
        -- one row per row of the population and indicator: the row's modality
        select * from (
            select
                periode_debut,
                periode_fin,
                {%- for id, colonne in definitions.items() %}
                cast({{ colonne }} as varchar) as {{ id }}{{ "," if not loop.last }}
                {%- endfor %}
            from {{ population_filtree(population, filtre) }}
        )
        unpivot (modalite for indicateur in ({{ ids | join(', ') }}))
    ),

    vocabulaires_listes as (
        -- the modalities of each indicator, from its vocabulary in the dictionary
        select
            dictionnaire.indicateur,
            vocabulaires.modalite
        from {{ ref('indicateurs_dictionnaire') }} as dictionnaire
        inner join {{ ref('int_vocabulaires') }} as vocabulaires
            on dictionnaire.vocabulaire = vocabulaires.vocabulaire
        where dictionnaire.indicateur in ('{{ ids | join("', '") }}')
    ),

    modalites_listees as (
        select * from vocabulaires_listes
        union all
        -- a vocabulary without listed modalities: the modalities present in the population over the run's periods
        select distinct
            indicateur,
            modalite
        from modalites_lignes
        where
            indicateur not in (select indicateur from vocabulaires_listes)
            and {{ des_periodes_du_run('modalites_lignes', periodes) }}
    )

    select
        effectifs.periode_debut,
        effectifs.periode_fin,
        modalites_listees.indicateur,
        modalites_listees.modalite,
        {{ pourcentage('count(modalites_lignes.modalite)', 'effectifs.nb_lignes') }} as valeur
    from effectifs
    cross join modalites_listees
    left join modalites_lignes
        on
            effectifs.periode_debut = modalites_lignes.periode_debut
            and effectifs.periode_fin = modalites_lignes.periode_fin
            and modalites_listees.indicateur = modalites_lignes.indicateur
            and modalites_listees.modalite = modalites_lignes.modalite
    group by
        effectifs.periode_debut,
        effectifs.periode_fin,
        effectifs.nb_lignes,
        modalites_listees.indicateur,
        modalites_listees.modalite
{% endmacro %}
