{#- A raw table written by the manual-inputs asset (`raw.saisie_<table>`), or an empty relation with the
    same columns when the table does not exist (dbt run without that asset, e.g. on a hand-built
    warehouse). source() is called unconditionally: it is what makes the model depend on the Dagster
    asset ["saisies", <table>].

    table     name of the table in the dbt source `saisies`
    colonnes  mapping column → SQL type, in order -#}
{% macro saisie_source(table, colonnes) %}
    {%- set relation = source('saisies', table) -%}
    {%- if execute and adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier) is none -%}
    select
        {%- for nom, type_sql in colonnes.items() %}
        cast(null as {{ type_sql }}) as {{ nom }}{{ "," if not loop.last }}
        {%- endfor %}
    where false
    {%- else -%}
    select
        {%- for nom in colonnes %}
        {{ nom }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {%- endif -%}
{% endmacro %}
