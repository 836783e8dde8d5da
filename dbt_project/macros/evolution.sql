{#- Relative change in % of n against n_precedent, as DOUBLE: 100 * (n - n_precedent) / n_precedent;
    no value (NULL) when n_precedent is 0 or NULL. -#}
{% macro evolution(n, n_precedent) -%}
    100 * (cast({{ n }} as double) - {{ n_precedent }}) / nullif({{ n_precedent }}, 0)
{%- endmacro %}
