{#- Every indicator of the dictionary is produced for every period of the run (a dictionary row that no mart
    computes fails the build), except:
    - the manual inputs (sections organigramme, budget, satisfaction, evenements): rows only for the periods their
      files describe;
    - the breakdowns over the values present in the data, whose vocabulary lists no modality (qpv: the QPV codes
      where an accompanied youth lives; dispositif_motif: the exit reasons that occur): none is a valid answer.
    The breakdowns by programme (vocabulary dispositif) list the catalogue `programmes`. -#}
with
{{ imports(
    couverture='indicateurs_couverture',
    dictionnaire='indicateurs_dictionnaire',
    vocabulaires='int_vocabulaires',
) }}
vocabulaires_listes as (
    select vocabulaire from vocabulaires
    union
    select 'dispositif' as vocabulaire
)

select couverture.*
from couverture
inner join dictionnaire
    on couverture.indicateur = dictionnaire.indicateur
where
    not couverture.is_produit
    and couverture.section not in ('organigramme', 'budget', 'satisfaction', 'evenements')
    and (
        dictionnaire.vocabulaire is null
        or dictionnaire.vocabulaire in (select vocabulaire from vocabulaires_listes)
    )
