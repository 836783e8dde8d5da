"""Data quality: the settings (config/qualite.yaml), the SQL frames the Great Expectations 1.x suites
(expectations/*.json) validate, running a suite, and the run's Data Docs.

Row-level rules are computed in SQL: the frames validated here are small aggregates (one row per key
column, per reference, per date column, per age, per table, per indicator), never youth-level tables.
GX is imported lazily and its context built once per process: the import alone costs seconds.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .dictionnaire import Indicateur

if TYPE_CHECKING:
    import pandas as pd

EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"
SETTINGS = Path(__file__).resolve().parents[1] / "config" / "qualite.yaml"


# -- settings -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reglages:
    seuil_rejets: float
    age_min: int
    age_max: int
    ecart_volumes: float
    lignes_min_volumes: int
    baisse_max: float  # a drop of rows beyond this share refuses the export (unless confirmed)
    evenements_par_jeune: tuple[float, float]  # first export: rows of events per row of youths, bounds included
    annees_avant_export: int
    fenetre_dates: tuple[dict, ...]
    cles: tuple[dict, ...]
    references: tuple[dict, ...]
    tolerance_parts: float
    parts_exclues: tuple[str, ...]  # shares the achievable-shares suite leaves out

    @property
    def parametres(self) -> dict[str, Any]:
        """The `$PARAMETER`s of the suites."""
        return {"age_min": self.age_min, "age_max": self.age_max, "ecart_volumes_min": -self.ecart_volumes,
                "ecart_volumes_max": self.ecart_volumes, "tolerance_parts": self.tolerance_parts}


def load_settings(path: Path = SETTINGS) -> Reglages:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    parts = data["parts_atteignables"]
    seuil = float(data["seuil_rejets"])
    if not 0 <= seuil < 1:
        raise ValueError(f"{path} : seuil_rejets est une part entre 0 et 1 (0.005 = 0,5 %), pas {seuil}")
    baisse = float(data["volumes"]["baisse_max"])
    if not 0 < baisse < 1:
        raise ValueError(f"{path} : volumes.baisse_max est une part entre 0 et 1 (0.3 = −30 %), pas {baisse}")
    par_jeune = data["premier_export"]["evenements_par_jeune"]
    bornes = float(par_jeune["min"]), float(par_jeune["max"])
    if not 0 <= bornes[0] <= bornes[1]:
        raise ValueError(f"{path} : premier_export.evenements_par_jeune : 0 ≤ min ≤ max attendu, pas {par_jeune}")
    return Reglages(
        seuil_rejets=seuil, age_min=int(data["ages"]["min"]), age_max=int(data["ages"]["max"]),
        ecart_volumes=float(data["volumes"]["ecart_max"]), lignes_min_volumes=int(data["volumes"]["lignes_min"]),
        baisse_max=baisse, evenements_par_jeune=bornes,
        annees_avant_export=int(data["fenetre_dates"]["annees_avant_export"]),
        fenetre_dates=tuple(data["fenetre_dates"]["colonnes"]), cles=tuple(data["cles"]),
        references=tuple(data["references"]), tolerance_parts=float(parts["tolerance"]),
        parts_exclues=tuple(parts.get("exclure") or ()),
    )


# -- the SQL frames ---------------------------------------------------------------------------------

def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _fichier(table: str) -> str:
    """SQL: the file name a table was read from (raw._fichiers), else the table name."""
    return f"coalesce((select fichier from raw._fichiers where table_export = {_lit(table)}), {_lit(table)})"


def sql_cles(reglages: Reglages) -> str:
    """One row per key column of staging: rows, distinct values, duplicated rows, empty values."""
    return " union all ".join(
        f"select {_fichier(c['table'])} as fichier, {_lit(c['colonne'])} as colonne, count(*) as lignes, "
        f"count({c['champ']}) - count(distinct {c['champ']}) as doublons, "
        f"count(*) - count({c['champ']}) as vides from main.{c['vue']}"
        for c in reglages.cles)


def sql_references(reglages: Reglages) -> str:
    """One row per reference of staging: the values that exist in no row of the target view."""
    return " union all ".join(
        f"select {_fichier(r['table'])} as fichier, {_lit(r['colonne'])} as colonne, {_lit(r['cible'])} as cible, "
        f"count(*) as lignes, count(*) filter (where t.{r['champ_cible']} is null) as orphelins "
        f"from main.{r['vue']} as s left join main.{r['cible']} as t on s.{r['champ']} = t.{r['champ_cible']} "
        f"where s.{r['champ']} is not null"
        for r in reglages.references)


def sql_dates(reglages: Reglages) -> str:
    """One row per date column of staging: dates before the window or after the export date."""
    parts = []
    for d in reglages.fenetre_dates:
        champ = d["champ"]
        export = (f"coalesce((select date_export from raw._fichiers where table_export = {_lit(d['table'])}), "
                  "current_date)")
        if d.get("futur_permis"):
            apres = "false"
        elif d.get("futur_si"):
            apres = f"{champ} > {export} and not coalesce({d['futur_si']}, false)"
        else:
            apres = f"{champ} > {export}"
        avant = f"{champ} < {export} - interval {int(reglages.annees_avant_export)} year"
        parts.append(
            f"select {_fichier(d['table'])} as fichier, {_lit(d['colonne'])} as colonne, "
            f"cast({export} as date) as date_export, count({champ}) as dates, "
            f"count(*) filter (where {avant}) as avant_fenetre, count(*) filter (where {apres}) as apres_export, "
            f"cast(min({champ}) filter (where {avant} or {apres}) as date) as premiere_hors_fenetre, "
            f"cast(max({champ}) filter (where {avant} or {apres}) as date) as derniere_hors_fenetre "
            f"from main.{d['vue']}")
    return " union all ".join(parts)


# the age at registration, else at the first welcome (computed at ingestion: no birth date in the warehouse); an
# unknown birth date leaves both unknown, so the coalesce is the age at coalesce(registration, first welcome)
SQL_AGES = f"""
select {_fichier('jeunes')} as fichier, 'date_naissance' as colonne, age, count(*) as nb_jeunes
from (
    select coalesce(inscription_age, premier_accueil_age) as age
    from main.stg_imilo__jeunes
)
where age is not null
group by all
order by age
"""

SQL_VOLUMES = """
with precedents as (
    select v.table_export, arg_max(v.lignes_lues, v.date_export) as lignes_precedentes,
           max(v.date_export) as date_precedente
    from qualite.volumes_exports as v
    join raw._fichiers as f on v.table_export = f.table_export and v.date_export < f.date_export
    group by v.table_export
)
select f.table_export, f.fichier, f.date_export, f.lignes_lues as lignes, p.lignes_precedentes, p.date_precedente,
       case when p.lignes_precedentes >= $lignes_min
            then round(f.lignes_lues / p.lignes_precedentes - 1, 4) end as ecart
from raw._fichiers as f
left join precedents as p using (table_export)
order by f.table_export
"""


def effectifs(reglages: Reglages, indicateurs: Mapping[str, Indicateur]) -> list[tuple[str, str, str | None]]:
    """(share, its headcount, the headcount's modality: None, a modality, or "*" the share's own) from the
    dictionary's `population` column. A value computed on several populations (a ratio) or on none (a budget) has
    no single headcount; a share in `parts_atteignables.exclure` is left out."""
    return [(i.id, i.population[0].indicateur, i.population[0].modalite)
            for i in indicateurs.values()
            if i.population and len(i.population) == 1 and i.id not in reglages.parts_exclues]


def _regles_parts(reglages: Reglages, indicateurs: Mapping[str, Indicateur]) -> str:
    lignes = [f"({_lit(p)}, {_lit(n)}, {_lit(m) if m else 'null'})"
              for p, n, m in effectifs(reglages, indicateurs)]
    if not lignes:
        return "regles(indicateur, effectif, modalite_effectif) as (select null, null, null where false)"
    return f"regles(indicateur, effectif, modalite_effectif) as (values {', '.join(lignes)})"


def sql_parts(reglages: Reglages, indicateurs: Mapping[str, Indicateur]) -> str:
    """One row per share (unit pct) with a known headcount n: the nearest whole k and how far p is from 100·k/n
    (100 when n is 0: a share of nobody has no value). `indicateurs`: the dictionary the warehouse was built with
    (`dictionnaire.indicateurs(warehouse.lire_dictionnaire(…))`)."""
    return f"""
with {_regles_parts(reglages, indicateurs)},
parts as (
    select p.periode_debut, p.periode_fin, p.indicateur, p.modalite, p.valeur, n.valeur as effectif
    from main.indicateurs as p
    join regles as r using (indicateur)
    join main.indicateurs as n
        on n.periode_debut = p.periode_debut and n.periode_fin = p.periode_fin and n.indicateur = r.effectif
        and case when r.modalite_effectif is null then n.modalite is null
                 when r.modalite_effectif = '*' then n.modalite = p.modalite
                 else n.modalite = r.modalite_effectif end
    where p.unite = 'pct' and p.valeur is not null
)
select periode_debut, periode_fin, indicateur, coalesce(modalite, '') as modalite, valeur, effectif,
       case when effectif > 0 then round(valeur * effectif / 100) end as k,
       case when effectif > 0 then round(abs(valeur - 100 * round(valeur * effectif / 100) / effectif), 4)
            else 100 end as ecart
from parts
order by all
"""


def sql_parts_non_verifiees(reglages: Reglages, indicateurs: Mapping[str, Indicateur]) -> str:
    """The shares (unit pct) of the table that `sql_parts` does not check."""
    return (f"with {_regles_parts(reglages, indicateurs)} select distinct indicateur from main.indicateurs "
            f"where unite = 'pct' and indicateur not in (select indicateur from regles) order by 1")


SQL_INDICATEURS = "select * from main.indicateurs"
SQL_INT_PERIODES = ("select count(*) as n from duckdb_tables() "
                    "where schema_name = 'main' and table_name = 'int_periodes'")
SQL_PERIODES_COMPAREES = "select periode_debut, periode_fin from main.int_periodes where is_comparaison"


def sans_comparaison(frame: pd.DataFrame, comparees: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of `frame` outside the periods dbt computed for the report's comparison only (the year before an
    annual run, int_periodes.is_comparaison: `comparees`): the run of that year checks them, they block nothing
    here (the report shows them as computed). A frame without periods is kept whole."""
    if comparees is None or comparees.empty or not {"periode_debut", "periode_fin"} <= set(frame.columns):
        return frame
    cles = ["periode_debut", "periode_fin"]
    marque = frame[cles].merge(comparees.drop_duplicates(), on=cles, how="left", indicator=True)["_merge"]
    return frame[(marque == "left_only").to_numpy()].reset_index(drop=True)

def totaux(indicateurs: Mapping[str, Indicateur]) -> list[tuple[str, str, str | None]]:
    """(breakdown, its total, the total's modality: None, a modality, or "*" the part's own, before « | ») for every
    breakdown in counts whose dictionary `total` is a count."""
    return [(i.id, i.total[0].indicateur, i.total[0].modalite) for i in indicateurs.values()
            if i.unite == "nb" and i.total and indicateurs[i.total[0].indicateur].unite == "nb"]


def sql_repartitions(indicateurs: Mapping[str, Indicateur]) -> str:
    """One row per period and breakdown whose shares sum to 100 (dictionary column `somme_100`): their sum; and one
    row per period, breakdown in counts and total (dictionary column `total`): the total, the sum and the largest of
    its modalities, and how far the total is outside [largest, sum] (`hors_bornes`). A total of distinct people (a
    youth in two programmes) is below the sum of its modalities, never above it nor below one of them."""
    regles = [f"({_lit(r)}, {_lit(t)}, {_lit(m) if m else 'null'})" for r, t, m in totaux(indicateurs)]
    valeurs = f"values {', '.join(regles)}" if regles else "select null, null, null where false"
    return f"""
with regles(indicateur, total, modalite_total) as ({valeurs}),
sommes_100 as (
    select i.periode_debut, i.periode_fin, i.indicateur, sum(i.valeur) as somme
    from main.indicateurs as i
    join main.indicateurs_dictionnaire as d using (indicateur)
    where d.somme_100
    group by all
    having count(i.valeur) > 0
),
parties as (
    select p.periode_debut, p.periode_fin, p.indicateur, p.modalite, p.valeur, r.total,
           case when r.modalite_total = '*' then split_part(p.modalite, '|', 1) else r.modalite_total end
               as modalite_total
    from main.indicateurs as p
    join regles as r using (indicateur)
    where p.modalite is not null
),
totaux as (
    select p.periode_debut, p.periode_fin, p.indicateur, p.modalite_total, t.valeur as total,
           sum(p.valeur) as somme_modalites, max(p.valeur) as plus_grande_modalite
    from parties as p
    join main.indicateurs as t
        on t.periode_debut = p.periode_debut and t.periode_fin = p.periode_fin and t.indicateur = p.total
        and t.modalite is not distinct from p.modalite_total
    where t.valeur is not null and p.valeur is not null
        and not (p.indicateur = p.total and p.modalite is not distinct from p.modalite_total)
    group by all
)
select periode_debut, periode_fin, indicateur, '' as modalite_total, somme, null::double as total,
       null::double as somme_modalites, null::double as plus_grande_modalite, null::double as hors_bornes
from sommes_100
union all
select periode_debut, periode_fin, indicateur, coalesce(modalite_total, ''), null, total, somme_modalites,
       plus_grande_modalite, greatest(total - somme_modalites, plus_grande_modalite - total, 0)
from totaux
order by all
"""


# -- running a suite --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Controle:
    expectation: str
    explication: str
    succes: bool
    colonne: str | None
    exemples: list
    nb_inattendus: int | None = None


@dataclass(frozen=True)
class ResultatSuite:
    suite: str
    succes: bool
    nb_expectations: int
    controles: list[Controle] = field(default_factory=list)

    @property
    def echecs(self) -> list[Controle]:
        return [c for c in self.controles if not c.succes]

    def texte(self) -> str:
        if self.succes:
            return f"{self.suite} : {self.nb_expectations} contrôle(s) réussi(s)"
        details = "; ".join(f"{e.explication} — {', '.join(map(format_exemple, e.exemples[:5])) or 'sans exemple'}"
                            for e in self.echecs)
        return f"{self.suite} : {len(self.echecs)} contrôle(s) en échec sur {self.nb_expectations} — {details}"


def format_exemple(exemple) -> str:
    """`fichier, colonne « c » (k : v, …)` for a row of a frame; the value itself otherwise."""
    if not isinstance(exemple, dict):
        return str(exemple)
    reste = dict(exemple)
    lieu = [str(reste.pop(k)) for k in ("fichier", "indicateur") if reste.get(k) is not None]
    if reste.get("colonne") is not None:
        lieu.append(f"colonne « {reste.pop('colonne')} »")
    details = ", ".join(f"{k} : {v}" for k, v in reste.items() if v is not None and v != "")
    return ", ".join(lieu) + (f" ({details})" if details else "")


def load_suite_definition(name: str, directory: Path = EXPECTATIONS_DIR) -> dict:
    return json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))


@cache
def _batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("milo")
    return source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("frame")


def validate(frame: pd.DataFrame, name: str, directory: Path = EXPECTATIONS_DIR,
             parametres: dict[str, Any] | None = None) -> ResultatSuite:
    """Runs the suite `name` on `frame`. A failed expectation quotes up to 5 rows by the suite's
    `meta.colonnes_identifiantes` (file, column, indicator…) with the value at fault."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    definition = load_suite_definition(name, directory)
    suite = gx.ExpectationSuite(name=definition["name"])
    for exp in definition["expectations"]:
        suite.add_expectation_configuration(
            ExpectationConfiguration(type=exp["type"], kwargs=exp["kwargs"], meta=exp.get("meta", {})))
    identifiants = [c for c in definition.get("meta", {}).get("colonnes_identifiantes", []) if c in frame.columns]
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": identifiants} if identifiants \
        else {"result_format": "SUMMARY"}
    result = _batch_definition().get_batch(batch_parameters={"dataframe": frame}).validate(
        suite, result_format=result_format, expectation_parameters=parametres or {})
    controles = []
    for r in result.results:
        details = r.result or {}
        exemples = details.get("unexpected_index_list") or details.get("partial_unexpected_list") or []
        if not exemples and not r.success and "observed_value" in details:
            exemples = [details["observed_value"]]
        controles.append(Controle(
            expectation=r.expectation_config.type,
            explication=r.expectation_config.meta.get("explication", r.expectation_config.type),
            succes=bool(r.success),
            colonne=r.expectation_config.kwargs.get("column"),
            exemples=[_plain(v) for v in exemples[:20]] if not r.success else [],
            nb_inattendus=details.get("unexpected_count"),
        ))
    return ResultatSuite(definition["name"], bool(result.success), len(result.results), controles)


def _plain(value):
    """JSON-able, readable values (numpy scalars, timestamps, floats without binary noise)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, datetime):
        return value.date().isoformat() if value == datetime(value.year, value.month, value.day) \
            else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else round(value, 4)
    return value


# -- Data Docs ----------------------------------------------------------------------------------------

DATA_DOCS = "data_docs"


def ecrire_data_docs(run_dir: Path, entree: dict) -> Path:
    """Adds (or replaces) one entry of the run's Data Docs — `run_dir/data_docs/<nom>.json` — and rewrites
    `index.html` from every entry: a self-contained page (no CDN, readable offline). Returns index.html."""
    dossier = Path(run_dir) / DATA_DOCS
    dossier.mkdir(parents=True, exist_ok=True)
    _atomic(dossier / f"{entree['nom']}.json", json.dumps(_plain(entree), ensure_ascii=False, indent=1))
    entrees = []
    for path in sorted(dossier.glob("*.json")):
        try:
            entrees.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            continue
    index = dossier / "index.html"
    _atomic(index, rendre_data_docs(Path(run_dir).name, entrees, (Path(run_dir) / "rejets.csv").exists()))
    return index


def entree_suite(nom: str, titre: str, niveau: str, resultat: ResultatSuite, lignes: int) -> dict:
    return {"nom": nom, "titre": titre, "niveau": niveau, "succes": resultat.succes, "suite": resultat.suite,
            "resume": resultat.texte(), "lignes_controlees": lignes,
            "controles": [asdict(c) for c in resultat.controles]}


def _atomic(path: Path, text: str) -> None:
    from .outputs import write_atomic

    write_atomic(path, text.encode("utf-8"))  # a temporary sibling with an unpredictable name, then renamed


_ORDRE = {"ingestion": 0, "bloquant": 1, "avertissement": 2}
_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}.ok{color:#176d2c}.ko{color:#b00020;font-weight:600}
.warn{color:#a15c00;font-weight:600}code{font-size:.9em}.meta{color:#555}
"""


def _statut(entree: dict) -> tuple[str, str]:
    if entree["succes"]:
        return "ok", "réussi"
    return ("warn", "avertissement") if entree["niveau"] == "avertissement" else ("ko", "échec")


def _html(texte: str) -> str:
    """Escaped, with `code` spans (the checks' titles are Markdown for the Dagster UI)."""
    return re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(str(texte)))


def rendre_data_docs(run_id: str, entrees: list[dict], avec_rejets: bool) -> str:
    e = _html
    entrees = sorted(entrees, key=lambda x: (_ORDRE.get(x["niveau"], 9), x["nom"]))
    lignes = [f"<!doctype html><html lang='fr'><meta charset='utf-8'><title>Contrôles de qualité — {e(run_id)}"
              f"</title><style>{_CSS}</style><body><h1>Contrôles de qualité du run <code>{e(run_id)}</code></h1>",
              "<p class='meta'>Great Expectations 1.x (suites <code>expectations/*.json</code>) et contrôles de "
              "l'ingestion. Bloquant : un échec empêche toute publication. Avertissement : signalé, le run "
              "continue.</p>"]
    if avec_rejets:
        lignes.append("<p>Lignes écartées à l'ingestion : <a href='../rejets.csv'>rejets.csv</a></p>")
    lignes.append("<table><tr><th>contrôle</th><th>niveau</th><th>résultat</th><th>résumé</th></tr>")
    for x in entrees:
        classe, statut = _statut(x)
        lignes.append(f"<tr><td><a href='#{e(x['nom'])}'>{e(x['titre'])}</a></td><td>{e(x['niveau'])}</td>"
                      f"<td class='{classe}'>{statut}</td><td>{e(x.get('resume', ''))}</td></tr>")
    lignes.append("</table>")
    for x in entrees:
        classe, statut = _statut(x)
        lignes.append(f"<h2 id='{e(x['nom'])}'>{e(x['titre'])} — <span class='{classe}'>{statut}</span></h2>")
        if x.get("suite"):
            lignes.append(f"<p class='meta'>suite <code>{e(x['suite'])}</code>, "
                          f"{x.get('lignes_controlees', 0)} ligne(s) contrôlée(s)</p>")
        if x.get("controles"):
            lignes.append("<table><tr><th>attente</th><th>résultat</th><th>exemples</th></tr>")
            for c in x["controles"]:
                ok = "<span class='ok'>oui</span>" if c["succes"] else f"<span class='{classe}'>non</span>"
                exemples = "<br>".join(e(format_exemple(v)) for v in c.get("exemples") or [])
                lignes.append(f"<tr><td>{e(c['explication'])}<br><code>{e(c['expectation'])}</code></td>"
                              f"<td>{ok}</td><td>{exemples}</td></tr>")
            lignes.append("</table>")
        for titre, cle in (("Problèmes", "problemes"), ("Avertissements", "avertissements")):
            if x.get(cle):
                lignes.append(f"<p>{titre} :</p><ul>" + "".join(f"<li>{e(p)}</li>" for p in x[cle]) + "</ul>")
        if x.get("tables"):
            lignes.append("<table><tr><th>fichier</th><th>lignes lues</th><th>écartées</th><th>part</th></tr>")
            for t in x["tables"]:
                lignes.append(f"<tr><td>{e(t['fichier'])}</td><td>{t['lues']}</td><td>{t['rejetees']}</td>"
                              f"<td>{e(t['part'])}</td></tr>")
            lignes.append("</table>")
    lignes.append("</body></html>")
    return "\n".join(lignes)
