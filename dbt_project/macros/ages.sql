{#- The ages themselves are computed at ingestion (milo_pipeline/lib/ingestion.py, `age_revolu_sql`): the birth
    date never reaches the warehouse. The raw tables hold the youth's age at the dates the indicators use
    (config/exports.yaml, `ages`): at the first welcome and at registration (jeunes), at each event
    (evenements), at each programme entry (dispositifs), at the start of each mentorship (parrainages). -#}


{#- The age bands of the report (vocabulary `tranche_age` of the `vocabulaires` seed). -#}
{% macro tranche_age(age) -%}
    case
        when {{ age }} < 16 then 'Moins de 16 ans'
        when {{ age }} < 18 then '16-17 ans'
        when {{ age }} < 22 then '18-21 ans'
        when {{ age }} < 26 then '22-25 ans'
        when {{ age }} >= 26 then '26 ans et plus'
    end
{%- endmacro %}


{#- Whether a youth of that age is a minor (var `age_majorite`); NULL when the age is unknown. -#}
{% macro est_mineur(age) -%}
    {{ age }} < {{ var('age_majorite') }}
{%- endmacro %}
