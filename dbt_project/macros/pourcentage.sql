{#- 100 * k / n as DOUBLE; an empty denominator gives NULL (no value), never 0. -#}
{% macro pourcentage(k, n) -%}
    100 * cast({{ k }} as double) / nullif({{ n }}, 0)
{%- endmacro %}
