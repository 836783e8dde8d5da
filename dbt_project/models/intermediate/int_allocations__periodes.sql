{#- One row per allowance payment and period in which it was paid. -#}
with
{{ imports(periodes='int_periodes', allocations='stg_imilo__allocations') }}
final as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        allocations.jeune_id,
        allocations.dispositif,
        allocations.paiement_date,
        allocations.montant
    from allocations
    inner join periodes
        on allocations.paiement_date between periodes.periode_debut and periodes.periode_fin
)

select * from final
