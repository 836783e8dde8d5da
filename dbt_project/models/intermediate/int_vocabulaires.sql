{#- Every vocabulary of the breakdowns, in display order: the hand-kept seed `vocabulaires` plus the
    territory (vocabulary `territoire`: the EPCIs of the generated seed `territoire_epci` in the order of
    the configuration, then « Hors territoire »). -#}
with
{{ imports(vocabulaires='vocabulaires', territoire_epci='territoire_epci') }}
territoires as (
    select
        'territoire' as vocabulaire,
        epci_nom as modalite,
        ordre
    from territoire_epci
    union all
    select
        'territoire' as vocabulaire,
        '{{ var("modalite_hors_territoire") }}' as modalite,
        coalesce(max(ordre), 0) + 1 as ordre
    from territoire_epci
),

final as (
    select
        vocabulaire,
        modalite,
        cast(ordre as integer) as ordre
    from vocabulaires
    union all
    select
        vocabulaire,
        modalite,
        cast(ordre as integer) as ordre
    from territoires
)

select * from final
