{#- Each combination of the given columns appears at most once (NULL counts as a value). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(',\n    ') }},
    count(*) as nb_lignes
from {{ model }}
group by all
having count(*) > 1

{% endtest %}
