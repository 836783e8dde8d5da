{#- Every indicator of the CEJ, mentoring, employment, territory and outreach sections of the
    dictionary is produced for every period of the run (qpv_nb_jeunes only lists the QPV codes where an
    accompanied youth lives: none is a valid answer). -#}
select *
from {{ ref('indicateurs_couverture') }}
where
    section in ('cej', 'parrainage', 'emploi', 'territoires', 'reperage')
    and not is_produit
