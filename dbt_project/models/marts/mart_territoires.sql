{#- Territory and QPV indicators over the accompanied youths (ACC) living there, long rows.
    terr_*: modality = each EPCI of the territory and « Hors territoire » (vocabulary `territoire` of
    int_vocabulaires, zeros included). qpv_nb_jeunes: modality = QPV code, only the codes where at
    least one accompanied youth lives (there is no reference list of QPV codes). -#}
with

periodes as (
    select * from {{ ref('int_periodes') }}
),

accompagnes_periodes as (
    select * from {{ ref('int_accompagnes__periodes') }}
),

vocabulaires as (
    select * from {{ ref('int_vocabulaires') }}
),

territoires as (
    select modalite as territoire from vocabulaires
    where vocabulaire = 'territoire'
),

effectifs as (
    select
        periodes.periode_debut,
        periodes.periode_fin,
        territoires.territoire,
        count(accompagnes_periodes.jeune_id) as nb_jeunes,
        count(*) filter (where accompagnes_periodes.has_emploi) as nb_emploi,
        count(*) filter (where accompagnes_periodes.is_zrr) as nb_zrr,
        count(*) filter (where accompagnes_periodes.is_sans_locomotion) as nb_sans_locomotion,
        count(*) filter (where accompagnes_periodes.has_permis_b) as nb_permis_b,
        count(*) filter (where accompagnes_periodes.has_voiture) as nb_voiture,
        count(*) filter (where accompagnes_periodes.has_entree_dispositif) as nb_jeunes_dispositif,
        coalesce(sum(accompagnes_periodes.nb_entretiens_individuels), 0) as nb_entretiens_individuels
    from periodes
    cross join territoires
    left join accompagnes_periodes
        on
            periodes.periode_debut = accompagnes_periodes.periode_debut
            and periodes.periode_fin = accompagnes_periodes.periode_fin
            and territoires.territoire = accompagnes_periodes.territoire
    group by periodes.periode_debut, periodes.periode_fin, territoires.territoire
),

indicateurs_larges as (
    select
        periode_debut,
        periode_fin,
        territoire,
        cast(nb_jeunes as double) as terr_nb_jeunes,
        {{ pourcentage('nb_emploi', 'nb_jeunes') }} as terr_emploi_pct,
        {{ pourcentage('nb_zrr', 'nb_jeunes') }} as terr_zrr_pct,
        cast(nb_sans_locomotion as double) as terr_sans_locomotion_nb,
        cast(nb_permis_b as double) as terr_permis_b_nb,
        cast(nb_voiture as double) as terr_voiture_nb,
        cast(nb_jeunes_dispositif as double) as terr_nb_jeunes_dispositif,
        cast(nb_entretiens_individuels as double) as terr_nb_entretiens_individuels
    from effectifs
),

indicateurs_territoire as (
    select
        periode_debut,
        periode_fin,
        indicateur,
        territoire as modalite,
        valeur
    from indicateurs_larges
    unpivot include nulls (valeur for indicateur in (columns(* exclude (periode_debut, periode_fin, territoire))))
),

qpv as (
    select
        periode_debut,
        periode_fin,
        'qpv_nb_jeunes' as indicateur,
        qpv_code as modalite,
        cast(count(*) as double) as valeur
    from accompagnes_periodes
    where is_qpv
    group by periode_debut, periode_fin, qpv_code
),

final as (
    select * from indicateurs_territoire
    union all
    select * from qpv
)

select * from final
