{#- One row per period of the run with the same dates one year earlier: the comparison base of the
    `_evolution_pct` indicators (that earlier period is not one of the run's periods). A period ending
    on the last day of a month compares with the whole month a year earlier (1–28 February 2025 →
    1–29 February 2024), any other end with the same day. -#}
with
{{ imports(periodes='int_periodes') }}
final as (
    select
        periode_debut,
        periode_fin,
        cast(periode_debut - interval 1 year as date) as precedente_debut,
        case
            when periode_fin = last_day(periode_fin) then last_day(periode_fin - interval 1 year)
            else cast(periode_fin - interval 1 year as date)
        end as precedente_fin
    from periodes
)

select * from final
