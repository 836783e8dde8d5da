{#- One row per accompanied youth (ACC) and period, with what the employment, territory and QPV
    indicators need: the territory of residence (EPCI of the commune through `territoire_communes`;
    a commune outside the territory, unknown or empty → « Hors territoire »), the QPV code, whether the
    youth started a job or an apprenticeship (situation `Emploi` / `Contrat en alternance` starting in
    the period) and entered a programme in the period. -#}
with
{{ imports(
    jeunes_periodes='int_jeunes__periodes',
    jeunes='stg_imilo__jeunes',
    territoire_communes='territoire_communes',
    situations_periodes='int_situations__periodes',
    dispositifs_periodes='int_dispositifs__periodes',
) }}
accompagnes as (
    select * from jeunes_periodes
    where is_accompagne
),

emplois as (
    select distinct
        periode_debut,
        periode_fin,
        jeune_id
    from situations_periodes
    where is_emploi and not is_annee_precedente
),

entrees_dispositif as (
    -- `Ensemble`: an entry in any programme in the period
    select
        periode_debut,
        periode_fin,
        jeune_id
    from dispositifs_periodes
    where dispositif = '{{ var("modalite_ensemble") }}' and is_beneficiaire
),

final as (
    select
        accompagnes.periode_debut,
        accompagnes.periode_fin,
        accompagnes.jeune_id,
        jeunes.commune_insee,
        coalesce(territoire_communes.epci_nom, '{{ var("modalite_hors_territoire") }}') as territoire,
        jeunes.qpv_code,
        accompagnes.is_qpv,
        accompagnes.is_zrr,
        accompagnes.is_sans_locomotion,
        accompagnes.has_permis_b,
        accompagnes.has_voiture,
        accompagnes.nb_entretiens_individuels,
        emplois.jeune_id is not null as has_emploi,
        entrees_dispositif.jeune_id is not null as has_entree_dispositif
    from accompagnes
    left join jeunes
        on accompagnes.jeune_id = jeunes.jeune_id
    left join territoire_communes
        on jeunes.commune_insee = territoire_communes.commune_insee
    left join emplois
        on
            accompagnes.periode_debut = emplois.periode_debut
            and accompagnes.periode_fin = emplois.periode_fin
            and accompagnes.jeune_id = emplois.jeune_id
    left join entrees_dispositif
        on
            accompagnes.periode_debut = entrees_dispositif.periode_debut
            and accompagnes.periode_fin = entrees_dispositif.periode_fin
            and accompagnes.jeune_id = entrees_dispositif.jeune_id
)

select * from final
