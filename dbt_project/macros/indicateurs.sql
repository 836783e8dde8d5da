{#- The indicators of a family as long rows (periode_debut, periode_fin, indicateur, modalite, valeur), each
    indicator written ONCE as one SQL aggregate expression over the rows of a population. This is where an
    indicator's SQL lives: the marts call this macro with a mapping id → expression (dbt_project/README.md,
    « Recipe: add an indicator »).

    population   name of a CTE (or relation) of the calling model: one row per counted unit (youth, pairing,
                 contact…) and period, with the key columns `cles`
    filtre       condition keeping the population's rows that count (e.g. "dispositif = 'PACEA'"), none = all
    definitions  mapping indicator id → SQL aggregate expression over the population's rows of one period (and
                 modality), e.g. {'acc_nb_jeunes': 'count(jeune_id)', 'acc_qpv_pct': pourcentage(nb('is_qpv'), 'count(jeune_id)')}.
                 Over a period without rows the expression sees one row of NULLs: count a column
                 (`count(jeune_id)`) or a condition (`nb('is_qpv')`), never `count(*)` alone; wrap a sum in
                 coalesce(…, 0) when an empty period must give 0. The value is cast to DOUBLE.
    periodes     CTE of the periods (key columns `cles`): every period gets its rows, zeros included
    cles         key columns shared by `periodes` and `population` (default: periode_debut, periode_fin)
    par          breakdown: SQL expression over the population's columns giving the modality (a column when
                 `modalites` is given); none = one value per period (modalite NULL)
    modalites    with `par`: CTE with a column `modalite` listing every modality (each gets its row, zeros
                 included); none = only the modalities present in the population
    vides        false: only the periods where the population has rows (manual inputs of a report year)
    suffixe      SQL expression over the columns of `periodes` appended to every id (e.g. `_cumul`) -#}
{% macro indicateurs(population, definitions, filtre=none, periodes='periodes', cles=none, par=none,
                     modalites=none, vides=true, suffixe=none) %}
    {%- set cles = cles or ['periode_debut', 'periode_fin'] -%}
    {%- set liste_vocabulaire = par is not none and modalites is not none -%}
    select
        periode_debut,
        periode_fin,
        {% if suffixe %}indicateur || {{ suffixe }} as indicateur{% else %}indicateur{% endif %},
        modalite,
        valeur
    from (
        select
            {%- for cle in cles %}
            {{ periodes }}.{{ cle }},
            {%- endfor %}
            {% if par is none -%}
            cast(null as varchar)
            {%- elif liste_vocabulaire -%}
            {{ modalites }}.modalite
            {%- else -%}
            cast({{ par }} as varchar)
            {%- endif %} as modalite,
            {%- for id, expression in definitions.items() %}
            cast({{ expression }} as double) as {{ id }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ periodes }}
        {%- if liste_vocabulaire %}
        cross join {{ modalites }}
        {%- endif %}
        {{ "left" if vides and (par is none or liste_vocabulaire) else "inner" }} join {{ population_filtree(population, filtre) }}
            on
                {%- for cle in cles %}
                {{ "and " if not loop.first }}{{ periodes }}.{{ cle }} = {{ population }}.{{ cle }}
                {%- endfor %}
                {%- if liste_vocabulaire %}
                and {{ modalites }}.modalite = {{ population }}.{{ par }}
                {%- endif %}
        group by all
    )
    unpivot include nulls (valeur for indicateur in ({{ definitions.keys() | join(', ') }}))
{% endmacro %}


{#- Number of rows of the population meeting a condition (0 over a period without rows). -#}
{% macro nb(condition) -%}
    count(*) filter (where {{ condition }})
{%- endmacro %}


{#- Share (%) of the rows meeting `condition` among those meeting `parmi` (no value when there is none). -#}
{% macro part(condition, parmi) -%}
    {{ pourcentage(nb('(' ~ parmi ~ ') and (' ~ condition ~ ')'), nb(parmi)) }}
{%- endmacro %}


{#- a / b as DOUBLE (a mean, a ratio); no value when b is 0. -#}
{% macro ratio(a, b) -%}
    cast({{ a }} as double) / nullif({{ b }}, 0)
{%- endmacro %}


{#- Number of distinct values of a column over the rows meeting a condition (distinct youths…). -#}
{% macro nb_distincts(colonne, condition) -%}
    count(distinct {{ colonne }}) filter (where {{ condition }})
{%- endmacro %}


{#- The rows of `population` meeting `filtre`, as a relation named like it (to join, FROM…). -#}
{% macro population_filtree(population, filtre) -%}
    {%- if filtre -%}
    (select * from {{ population }} where {{ filtre }}) as {{ population }}
    {%- else -%}
    {{ population }}
    {%- endif -%}
{%- endmacro %}
