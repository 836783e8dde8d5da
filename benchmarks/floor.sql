-- The floor: one hand-written DuckDB script computing the pa_*, acc_* and disp_* indicators of one
-- period straight from the CSV exports, with none of the pipeline's machinery (no contract checks,
-- pseudonymisation, staging, dbt, quality gate, report). benchmarks/run.py sets the variables
-- jeunes, evenements, dispositifs (file paths), debut and fin (dates), then times this script.
-- jeunes is a Windows-1252 export: read as latin-1 (same letters for the accents it holds).

create or replace temp table j as
select
    id_jeune,
    strptime(date_naissance, '%d/%m/%Y')::date as naissance,
    sexe,
    qpv_code is not null as qpv,
    lower(zrr) = 'oui' as zrr,
    niveau_formation in ('VI', 'V bis') or (niveau_formation = 'V' and lower(diplome_obtenu) = 'non') as sans_qualif,
    case
        when hebergement is null then 'Non communiqué'
        when hebergement in ('Foyer de jeunes travailleurs', 'CHRS', 'Hôtel', 'Résidence sociale') then 'Foyer, CHRS, hôtel'
        else hebergement
    end as heb,
    moyen_locomotion = 'Aucun' as sans_loco,
    moyen_locomotion = 'Voiture' as voiture,
    lower(permis_b) = 'oui' as permis,
    strptime(date_premier_accueil, '%d/%m/%Y')::date as pa_date
from read_csv(getvariable('jeunes'), delim = ';', header = true, all_varchar = true, encoding = 'latin-1');

create or replace temp table e as
select id_jeune, nature, strptime(date_evenement, '%Y-%m-%d %H:%M:%S')::date as d
from read_csv(getvariable('evenements'), delim = ';', header = true, all_varchar = true)
where statut = 'Présent';

create or replace temp table d as
select
    id_jeune,
    dispositif,
    strptime(date_entree, '%d/%m/%Y')::date as entree,
    strptime(date_sortie, '%d/%m/%Y')::date as sortie,
    coalesce(motif_sortie, 'Non renseigné') as motif
from read_csv(getvariable('dispositifs'), delim = ';', header = true, all_varchar = true);

create or replace temp table cohortes as
with acc as (
    select id_jeune, min(d) as ref
    from e
    where nature in ('Entretien individuel', 'Atelier', 'Information collective')
      and d between getvariable('debut') and getvariable('fin')
    group by id_jeune
)
select 'pa' as c, j.*, pa_date as ref from j where pa_date between getvariable('debut') and getvariable('fin')
union all
select 'acc', j.*, acc.ref from j join acc using (id_jeune);

create or replace temp table floor_indicateurs as
with attrs as (
    select
        *,
        year(ref) - year(naissance) - case when strftime(ref, '%m%d') < strftime(naissance, '%m%d') then 1 else 0 end as age
    from cohortes
),
cohorte as (
    select
        c, count(*) as n,
        100.0 * count(*) filter (where qpv) / count(*) as qpv_pct,
        100.0 * count(*) filter (where zrr) / count(*) as zrr_pct,
        100.0 * count(*) filter (where sans_qualif) / count(*) as sq_pct,
        count(*) filter (where sans_loco) as sans_loco,
        count(*) filter (where permis) as permis,
        count(*) filter (where voiture) as voiture
    from attrs group by c
),
repartitions as (
    select c, 'sexe' as v, sexe as m, count(*) as k from attrs group by all
    union all
    select c, 'tranche', case when age < 16 then 'Moins de 16 ans' when age < 18 then '16-17 ans'
        when age < 22 then '18-21 ans' when age < 26 then '22-25 ans' else '26 ans et plus' end, count(*)
    from attrs group by all
    union all
    select c, 'heb', heb, count(*) from attrs group by all
),
entrants as (
    select id_jeune, dispositif, min(entree) as premiere
    from d where entree between getvariable('debut') and getvariable('fin') group by all
),
benef as (
    select x.dispositif, x.id_jeune,
        year(x.premiere) - year(j.naissance)
            - case when strftime(x.premiere, '%m%d') < strftime(j.naissance, '%m%d') then 1 else 0 end < 18 as mineur,
        j.sexe = 'F' as femme, j.qpv, j.zrr, j.sans_qualif
    from (select * from entrants union all select id_jeune, 'Ensemble', min(premiere) from entrants group by 1) as x
    left join j using (id_jeune)
),
disp as (
    select dispositif, count(*) as n,
        100.0 * count(*) filter (where femme) / count(*) as femmes,
        100.0 * count(*) filter (where mineur) / count(*) as mineurs,
        100.0 * count(*) filter (where sans_qualif) / count(*) as sq,
        100.0 * count(*) filter (where qpv) / count(*) as qpv,
        100.0 * count(*) filter (where zrr) / count(*) as zrr
    from benef group by dispositif
),
presents as (
    select dispositif, count(distinct id_jeune) as n from d
    where entree <= getvariable('fin') and (sortie is null or sortie > getvariable('fin')) group by dispositif
    union all
    select 'Ensemble', count(distinct id_jeune) from d
    where entree <= getvariable('fin') and (sortie is null or sortie > getvariable('fin'))
),
sorties as (
    select dispositif, count(distinct id_jeune) as n from d
    where sortie between getvariable('debut') and getvariable('fin') group by dispositif
    union all
    select 'Ensemble', count(distinct id_jeune) from d where sortie between getvariable('debut') and getvariable('fin')
)
select c || '_nb_jeunes' as indicateur, null as modalite, n::double as valeur from cohorte
union all select c || '_qpv_pct', null, qpv_pct from cohorte
union all select c || '_zrr_pct', null, zrr_pct from cohorte
union all select c || '_sans_qualification_pct', null, sq_pct from cohorte
union all select c || '_sans_locomotion_nb', null, sans_loco from cohorte
union all select c || '_permis_b_nb', null, permis from cohorte
union all select c || '_voiture_nb', null, voiture from cohorte
union all
select r.c || case r.v when 'sexe' then '_sexe_pct' when 'tranche' then '_tranche_age_pct' else '_hebergement_pct' end,
    r.m, 100.0 * r.k / cohorte.n
from repartitions as r join cohorte using (c)
union all
select 'acc_nb_entretiens_individuels', null, count(*) from e
where nature = 'Entretien individuel' and d between getvariable('debut') and getvariable('fin')
union all select 'disp_nb_beneficiaires', dispositif, n from disp
union all select 'disp_femmes_pct', dispositif, femmes from disp
union all select 'disp_mineurs_pct', dispositif, mineurs from disp
union all select 'disp_sans_qualification_pct', dispositif, sq from disp
union all select 'disp_qpv_pct', dispositif, qpv from disp
union all select 'disp_zrr_pct', dispositif, zrr from disp
union all select 'disp_nb_presents_fin', dispositif, n from presents
union all select 'disp_nb_sorties', dispositif, n from sorties
union all
select 'disp_sorties_motif_nb', dispositif || '|' || motif, count(*) from d
where sortie between getvariable('debut') and getvariable('fin') group by all;
