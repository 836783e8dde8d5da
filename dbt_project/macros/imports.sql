{#- The import CTEs of a model, one per relation it reads: `nom as (select * from ref('modele'))`, each followed
    by a comma. Called right after `with`, e.g. {{ imports(periodes='int_periodes', jeunes='stg_imilo__jeunes') }}. -#}
{% macro imports() -%}
    {%- for nom, modele in kwargs.items() %}
{{ nom }} as (
    select * from {{ ref(modele) }}
),
{% endfor -%}
{%- endmacro %}
