{#- The rows of a run's network package (agregats.csv, lib/reseau/paquet.py): every row of `indicateurs` of the
    run's own periods (not the year before computed for the report's comparisons), with what a network needs to
    add it up with the other Missions Locales' (column `agregation` of the dictionary), from the exact values:
    - somme: numerateur = the exact value (a count, an amount), no denominator;
    - rapport: denominateur = the exact value of the dictionary's `denominateur` cell (`ind`: the cell without
      modality, `ind[*]`: the cell's own modality, `ind[M]`: modality M), numerateur = value × denominateur (/ 100
      for a share); an empty denominator (0) or an empty value gives 0 and 0 (nothing to add);
    - evolution: denominateur = n₋₁ (`base_evolution` of the mart), numerateur = n − n₋₁, n the `evolution_de`
      cell (n₋₁ = 0 when the value is empty);
    - non_agregeable: neither.
    Numerators are rounded half away from zero (through DECIMAL, as `indicateurs`) to `numerateur_decimales`:
    0 for counts, shares and evolutions, 2 for amounts in euros, 6 for the other units. -#}
with
{{ imports(
    dictionnaire='indicateurs_dictionnaire',
    periodes='int_periodes',
    indicateurs='indicateurs',
    emploi='mart_emploi',
) }}
du_run as (
    select indicateurs.*
    from indicateurs
    inner join periodes
        on
            indicateurs.periode_debut = periodes.periode_debut
            and indicateurs.periode_fin = periodes.periode_fin
    where not periodes.is_comparaison
),

regles as (
    -- the cell a row is computed from: the denominator of a `rapport`, n of an `evolution`
    select
        indicateur,
        agregation,
        regexp_extract(reference, '^([a-z0-9_]+)', 1) as reference_indicateur,
        nullif(regexp_extract(reference, '\[(.+)\]$', 1), '') as reference_modalite
    from (
        select
            indicateur,
            agregation,
            case agregation when 'rapport' then denominateur when 'evolution' then evolution_de end as reference
        from dictionnaire
    )
),

avec_reference as (
    select
        du_run.*,
        regles.agregation,
        cast(round(reference.valeur_exacte) as bigint) as reference_valeur,
        cast(coalesce(round(emploi.base_evolution), 0) as bigint) as n_precedent,
        case
            when regles.agregation = 'somme' and du_run.unite = 'nb' then 0
            when regles.agregation = 'somme' then 2
            when regles.agregation = 'evolution' then 0
            when du_run.unite = 'pct' then 0
            when du_run.unite = 'eur' then 2
            else 6
        end as numerateur_decimales
    from du_run
    left join regles
        on du_run.indicateur = regles.indicateur
    left join indicateurs as reference
        on
            du_run.periode_debut = reference.periode_debut
            and du_run.periode_fin = reference.periode_fin
            and regles.reference_indicateur = reference.indicateur
            and reference.modalite is not distinct from (
                case regles.reference_modalite when '*' then du_run.modalite else regles.reference_modalite end
            )
    left join emploi
        on
            regles.agregation = 'evolution'
            and du_run.periode_debut = emploi.periode_debut
            and du_run.periode_fin = emploi.periode_fin
            and du_run.indicateur = emploi.indicateur
            and du_run.modalite is not distinct from emploi.modalite
),

parts as (
    select
        *,
        case
            when agregation = 'somme' then valeur_exacte
            when agregation = 'rapport' and coalesce(reference_valeur, 0) > 0 and valeur_exacte is not null
                then valeur_exacte * reference_valeur / (case unite when 'pct' then 100 else 1 end)
            when agregation = 'rapport' then 0
            when agregation = 'evolution' then coalesce(reference_valeur, 0) - n_precedent
        end as numerateur_exact,
        case
            when agregation = 'rapport' and coalesce(reference_valeur, 0) > 0 and valeur_exacte is not null
                then reference_valeur
            when agregation = 'rapport' then 0
            when agregation = 'evolution' then n_precedent
        end as denominateur
    from avec_reference
),

final as (
    select
        periode_debut,
        periode_fin,
        indicateur,
        modalite,
        valeur,
        unite,
        agregation,
        -- each branch rounded with a constant scale, cast to DOUBLE on its own (as `indicateurs`)
        case numerateur_decimales
            when 0 then cast(round(cast(numerateur_exact as decimal(38, 10)), 0) as double)
            when 2 then cast(round(cast(numerateur_exact as decimal(38, 10)), 2) as double)
            else cast(round(cast(numerateur_exact as decimal(38, 10)), 6) as double)
        end as numerateur,
        denominateur,
        numerateur_decimales,
        ordre,
        modalite_ordre
    from parts
)

select * from final
