{#- A condition on the rows of `relation` (columns periode_debut, periode_fin): the row is of one of the run's own
    periods, not of a period computed for the report's comparison only (int_periodes.is_comparaison: the year before
    an annual run). The modalities found in the data (programmes, channels…) are taken there, so that the run's rows
    are the same with or without that period. -#}
{% macro des_periodes_du_run(relation, periodes='periodes') -%}
    exists (
        select 1 from {{ periodes }}
        where
            {{ periodes }}.periode_debut = {{ relation }}.periode_debut
            and {{ periodes }}.periode_fin = {{ relation }}.periode_fin
            and {{ periodes }}.is_comparaison is not true
    )
{%- endmacro %}
