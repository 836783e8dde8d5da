{#- One row per professional situation and period of the run in which it starts (`date_debut`,
    whatever its `etat`), plus one row per situation starting on the same dates one year earlier
    (is_annee_precedente), with the situation families of the employment indicators. -#}
with
{{ imports(periodes='int_periodes__annee_precedente', situations='stg_imilo__situations') }}
fenetres as (
    select
        periode_debut,
        periode_fin,
        false as is_annee_precedente,
        periode_debut as fenetre_debut,
        periode_fin as fenetre_fin
    from periodes
    union all
    select
        periode_debut,
        periode_fin,
        true as is_annee_precedente,
        precedente_debut as fenetre_debut,
        precedente_fin as fenetre_fin
    from periodes
),

familles as (
    select
        jeune_id,
        categorie,
        type_contrat,
        debut_date,
        coalesce(categorie in ('Emploi', 'Contrat en alternance'), false) as is_emploi,
        coalesce(categorie = 'PMSMP', false) as is_pmsmp,
        coalesce(categorie = 'Immersion en entreprise', false) as is_immersion_autre,
        coalesce(
            categorie = 'Contrat de volontariat - bénévolat' and type_contrat = 'Service civique', false
        ) as is_service_civique,
        coalesce(
            categorie = 'Contrat de volontariat - bénévolat' and type_contrat is distinct from 'Service civique',
            false
        ) as is_volontariat_autre
    from situations
),

final as (
    select
        fenetres.periode_debut,
        fenetres.periode_fin,
        fenetres.is_annee_precedente,
        familles.jeune_id,
        familles.categorie,
        familles.type_contrat,
        familles.debut_date,
        familles.is_emploi,
        familles.is_pmsmp,
        familles.is_immersion_autre,
        familles.is_service_civique,
        familles.is_volontariat_autre
    from familles
    inner join fenetres
        on familles.debut_date between fenetres.fenetre_debut and fenetres.fenetre_fin
)

select * from final
