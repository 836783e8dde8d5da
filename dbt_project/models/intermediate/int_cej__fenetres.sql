{#- The two counting windows of the CEJ indicators for each period of the run: `periode` = the period
    itself; `cumul` = from the start of the CEJ (var `cej_debut` of dbt_project.yml) to the end of the period
    (empty when the period ends before that start). -#}
with
{{ imports(periodes='int_periodes') }}
final as (
    {{ fenetres('periodes', cumul_depuis=var('cej_debut')) }}
)

select * from final
