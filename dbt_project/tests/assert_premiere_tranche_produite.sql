{#- Every indicator of the first slice (sections premier_accueil, accompagnes, dispositifs of the
    dictionary) is produced for every period of the run. -#}
select *
from {{ ref('indicateurs_couverture') }}
where
    section in ('premier_accueil', 'accompagnes', 'dispositifs')
    and not is_produit
