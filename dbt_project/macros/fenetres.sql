{#- Counting windows of a period, one row each (periode_debut, periode_fin, fenetre, fenetre_debut, fenetre_fin):
    `periode`, the period itself, and with `cumul_depuis` (AAAA-MM-JJ) `cumul`, from that date to the end of the
    period (empty when the period ends before it). A family counted « since a date » joins its rows to these
    windows and calls `indicateurs` with cles = periode_debut, periode_fin, fenetre and suffixe =
    suffixe_fenetre() (ids `<id>` and `<id>_cumul`).

    periodes      CTE of the periods
    cumul_depuis  first day of the cumulative window, e.g. var('cej_debut') -#}
{% macro fenetres(periodes, cumul_depuis=none) %}
    select
        periode_debut,
        periode_fin,
        'periode' as fenetre,
        periode_debut as fenetre_debut,
        periode_fin as fenetre_fin
    from {{ periodes }}
    {%- if cumul_depuis %}
    union all
    select
        periode_debut,
        periode_fin,
        'cumul' as fenetre,
        cast('{{ cumul_depuis }}' as date) as fenetre_debut,
        periode_fin as fenetre_fin
    from {{ periodes }}
    {%- endif %}
{% endmacro %}


{#- Suffix of an indicator id in a window of `fenetres`: none over the period, `_cumul` over the cumul. -#}
{% macro suffixe_fenetre() -%}
    case when fenetre = 'cumul' then '_cumul' else '' end
{%- endmacro %}
