{#- The indicator table of a run: every computed indicator, one row per period, indicator and
    modality, with its unit from the dictionary and its value rounded per the output contract
    (nb → integer; pct, ratio, mois → 1 decimal; eur → 2 decimals; half away from zero), and the exact value
    (`valeur_exacte`, unrounded: what a network package aggregates, agregats_reseau). -#}
{#- The indicator marts, one per family (a new family: its mart here). -#}
{%- set marts = [
    'mart_premier_accueil', 'mart_accompagnes', 'mart_dispositifs', 'mart_cej', 'mart_parrainage', 'mart_emploi',
    'mart_reperage', 'mart_territoires', 'mart_saisies',
] -%}
with
{{ imports(dictionnaire='indicateurs_dictionnaire', vocabulaires='int_vocabulaires', programmes='programmes') }}
indicateurs_calcules as (
    {%- for mart in marts %}
    select periode_debut, periode_fin, indicateur, modalite, valeur from {{ ref(mart) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

arrondis as (
    -- rounded through DECIMAL: a DOUBLE such as 0.15 is stored as 0.1499…, DECIMAL(38, 10) snaps it
    -- back to 0.15, whose DECIMAL rounding goes half away from zero; each branch is cast to DOUBLE on
    -- its own (a CASE over DECIMAL(38, s) branches would fall back to DECIMAL(38, 0))
    select
        indicateurs_calcules.periode_debut,
        indicateurs_calcules.periode_fin,
        indicateurs_calcules.indicateur,
        indicateurs_calcules.modalite,
        case dictionnaire.unite
            when 'nb' then cast(round(cast(indicateurs_calcules.valeur as decimal(38, 10)), 0) as double)
            when 'eur' then cast(round(cast(indicateurs_calcules.valeur as decimal(38, 10)), 2) as double)
            else cast(round(cast(indicateurs_calcules.valeur as decimal(38, 10)), 1) as double)
        end as valeur,
        indicateurs_calcules.valeur as valeur_exacte,
        dictionnaire.unite,
        dictionnaire.ordre,
        row_number() over (
            partition by
                indicateurs_calcules.periode_debut,
                indicateurs_calcules.periode_fin,
                indicateurs_calcules.indicateur
            order by
                vocabulaires.ordre nulls last,
                programmes.ordre nulls last,
                indicateurs_calcules.modalite = '{{ var("modalite_ensemble") }}',
                indicateurs_calcules.modalite
        ) as modalite_ordre
    from indicateurs_calcules
    -- left join: an id missing from the dictionary fails the relationships test instead of vanishing
    left join dictionnaire
        on indicateurs_calcules.indicateur = dictionnaire.indicateur
    left join vocabulaires
        on
            dictionnaire.vocabulaire = vocabulaires.vocabulaire
            and indicateurs_calcules.modalite = vocabulaires.modalite
    left join programmes
        on
            dictionnaire.vocabulaire in ('dispositif', 'dispositif_motif')
            and split_part(indicateurs_calcules.modalite, '|', 1) = programmes.dispositif
),

final as (
    select
        periode_debut,
        periode_fin,
        indicateur,
        modalite,
        valeur,
        unite,
        ordre,
        cast(modalite_ordre as integer) as modalite_ordre,
        valeur_exacte
    from arrondis
)

select * from final
