{#- One row per period of the `periodes` var (list of {debut, fin}, both days included).
    Duplicates collapse: in January the month and the year to date are the same period. -#}
{%- set periodes = var('periodes') -%}
{%- if periodes is string or periodes is mapping or periodes | length == 0 -%}
    {{ exceptions.raise_compiler_error(
        "La variable dbt `periodes` doit être une liste non vide de {debut: AAAA-MM-JJ, fin: AAAA-MM-JJ} ; reçu : "
        ~ periodes) }}
{%- endif -%}
{%- for periode in periodes -%}
    {%- if periode.debut is not defined or periode.fin is not defined
        or (periode.debut | string) > (periode.fin | string) -%}
        {{ exceptions.raise_compiler_error(
            "Période invalide dans la variable dbt `periodes` (attendu {debut: AAAA-MM-JJ, fin: AAAA-MM-JJ} avec debut ≤ fin) : "
            ~ periode) }}
    {%- endif -%}
{%- endfor -%}

with

periodes_demandees as (
    {%- for periode in periodes %}
    select
        cast('{{ periode.debut }}' as date) as periode_debut,
        cast('{{ periode.fin }}' as date) as periode_fin
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select distinct
        periode_debut,
        periode_fin
    from periodes_demandees
)

select * from final
