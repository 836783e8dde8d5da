{#- Premier accueil indicators (pa_*), long rows: one per period, indicator and modality. The cohort's profile
    (macro profil_cohorte) is shared with the accompanied youths (mart_accompagnes). -#}
with
{{ imports(periodes='int_periodes', jeunes_periodes='int_jeunes__periodes') }}
final as (
    {{ profil_cohorte('pa', 'jeunes_periodes', cohorte='premier_accueil') }}
)

select * from final
