{#- One row per requested period (list of {debut, fin}, both days included). Duplicates collapse: in January
    the month and the year to date are the same period.
    The periods come from `--vars '{"periodes": [...]}'` (by hand, dbt unit tests) or else from the environment
    variable MILO_PERIODES (the same list in JSON), which the Dagster asset sets. A period marked
    `"comparaison": true` (the year before an annual run, for the report's N−1) is computed like the others, but
    the modalities found in the data (programmes, channels) are those of the run's own periods, so that the run's
    rows are the same with or without it. An environment variable, unlike
    --vars, keeps dbt's partial parsing: only this file is parsed again when the periods change. -#}
{%- set periodes = var('periodes', none) -%}
{%- if periodes is none -%}
    {%- set texte = env_var('MILO_PERIODES', '') -%}
    {%- if not texte and not execute -%}
        {#- parsing (dbt parse, or a run's partial parse): nothing to check yet -#}
        {%- set texte = '[]' -%}
    {%- elif not texte -%}
        {{ exceptions.raise_compiler_error(
            "Aucune période demandée : passer --vars '{\"periodes\": [{\"debut\": \"2024-01-01\", "
            ~ "\"fin\": \"2024-12-31\"}]}' ou la variable d'environnement MILO_PERIODES (même liste en JSON).") }}
    {%- endif -%}
    {%- set periodes = fromjson(texte) -%}
{%- endif -%}
{%- if execute and (periodes is string or periodes is mapping or periodes | length == 0) -%}
    {{ exceptions.raise_compiler_error(
        "Les périodes demandées (`periodes`) doivent être une liste non vide de {debut: AAAA-MM-JJ, fin: AAAA-MM-JJ} ; reçu : "
        ~ periodes) }}
{%- endif -%}
{%- for periode in periodes -%}
    {%- if periode.debut is not defined or periode.fin is not defined
        or (periode.debut | string) > (periode.fin | string) -%}
        {{ exceptions.raise_compiler_error(
            "Période invalide dans `periodes` (attendu {debut: AAAA-MM-JJ, fin: AAAA-MM-JJ} avec debut ≤ fin) : "
            ~ periode) }}
    {%- endif -%}
{%- endfor -%}

with

periodes_demandees as (
    {%- for periode in periodes %}
    select
        cast('{{ periode.debut }}' as date) as periode_debut,
        cast('{{ periode.fin }}' as date) as periode_fin,
        {{ 'true' if periode.comparaison else 'false' }} as is_comparaison
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    -- a period asked for as one of the run's and for comparison is one of the run's
    select
        periode_debut,
        periode_fin,
        bool_and(is_comparaison) as is_comparaison
    from periodes_demandees
    group by periode_debut, periode_fin
)

select * from final
