{#- Every indicator of the first slice (sections premier_accueil, accompagnes, dispositifs of the
    dictionary) is produced for every period of the run. disp_sorties_motif_nb lists only the exit
    reasons that occur: a month without any exit has none, and that is a valid answer. -#}
select *
from {{ ref('indicateurs_couverture') }}
where
    section in ('premier_accueil', 'accompagnes', 'dispositifs')
    and indicateur <> 'disp_sorties_motif_nb'
    and not is_produit
