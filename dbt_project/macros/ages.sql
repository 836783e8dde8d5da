{#- Whole years between a birth date and a reference date: the birthday counts from its day on
    (18 on the 18th birthday, still 17 the day before it). Born on 29 February: one year older on
    1 March of a non-leap year. -#}
{% macro age_revolu(naissance_date, reference_date) -%}
    (
        year({{ reference_date }}) - year({{ naissance_date }})
        - case
            when strftime({{ reference_date }}, '%m-%d') < strftime({{ naissance_date }}, '%m-%d') then 1
            else 0
        end
    )
{%- endmacro %}


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
