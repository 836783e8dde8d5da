"""Quality gate: Great Expectations suites (expectations/*.json) run as Dagster asset checks.

Blocking checks (severity ERROR) are declared on `indicateurs`, the asset every output (CSV, PDF,
funders' extracts) reads: Dagster gates only the direct dependents of a checked asset, and staging,
intermediate and marts are built in one dbt step, so a blocking check on a staging view would not stop
the outputs. They read the staging views or the marts they validate (`additional_deps`). Warnings
(severity WARN, not blocking) sit on the asset they describe. Every check adds its result to the run's
Data Docs (MILO_HOME/runs/<run_id>/data_docs/index.html).
"""


import dagster as dg
from dagster._core.errors import DagsterInvalidPropertyError

from ..lib import dictionnaire, quality
from ..lib.contract import load_contract
from ..lib.dictionnaire import DictionnaireInvalide
from ..lib.ingestion import CONTRACT
from ..lib.warehouse import lire_dictionnaire, read_frame
from .resources import MiloSettings

INDICATEURS = dg.AssetKey("indicateurs")
TABLES = list(load_contract(CONTRACT))
STAGING = [dg.AssetKey(f"stg_imilo__{table}") for table in TABLES]
REGLAGES = quality.load_settings()

def _run_id(context: dg.AssetCheckExecutionContext) -> str | None:
    """The run's id; None when the check is called as a plain function (tests)."""
    try:
        return context.run.run_id
    except DagsterInvalidPropertyError:
        return None


def _valider(context, milo: MiloSettings, nom: str, titre: str, suite: str, sql: str,
             params: dict | None = None, bloquant: bool = True) -> tuple[quality.ResultatSuite, int]:
    frame = quality.sans_comparaison(read_frame(milo.warehouse, sql, params), _periodes_comparees(milo))
    resultat = quality.validate(frame, suite, parametres=REGLAGES.parametres)
    if (run_id := _run_id(context)) is not None:
        quality.ecrire_data_docs(milo.run_dir(run_id), quality.entree_suite(
            nom, titre, "bloquant" if bloquant else "avertissement", resultat, len(frame)))
    return resultat, len(frame)


def _periodes_comparees(milo: MiloSettings):
    """The periods dbt computed for the report's N−1 only (int_periodes.is_comparaison); None without int_periodes
    (a warehouse made by hand in a test)."""
    if not read_frame(milo.warehouse, quality.SQL_INT_PERIODES)["n"].iloc[0]:
        return None
    return read_frame(milo.warehouse, quality.SQL_PERIODES_COMPAREES)


def _check_result(resultat: quality.ResultatSuite, lignes: int, bloquant: bool = True, **metadata
                  ) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=resultat.succes,
        severity=dg.AssetCheckSeverity.ERROR if bloquant else dg.AssetCheckSeverity.WARN,
        description=resultat.texte(),
        metadata={
            "suite": resultat.suite,
            "controles": resultat.nb_expectations,
            "echecs": len(resultat.echecs),
            "lignes_controlees": lignes,
            **metadata,
        },
    )


def _bloquant(nom: str, titre: str, suite: str, sql: str, staging: bool):
    """A blocking check on `indicateurs` running the suite `suite` on the frame of `sql`."""

    @dg.asset_check(asset=INDICATEURS, name=nom, blocking=True, description=titre,
                    additional_deps=STAGING if staging else None)
    def _check(context: dg.AssetCheckExecutionContext, milo: MiloSettings) -> dg.AssetCheckResult:
        return _check_result(*_valider(context, milo, nom, titre, suite, sql))

    return _check


gx_indicateurs = _bloquant(
    "gx_indicateurs", "Suite GX `indicateurs` : parts entre 0 et 100, effectifs et montants ≥ 0, unicité.",
    "indicateurs", quality.SQL_INDICATEURS, staging=False)
gx_cles = _bloquant(
    "gx_cles", "Suite GX `cles` (staging) : identifiants uniques et renseignés (un jeune en double est refusé).",
    "cles", quality.sql_cles(REGLAGES), staging=True)
gx_references = _bloquant(
    "gx_references", "Suite GX `references` (staging) : chaque jeune ou parrain référencé existe.",
    "references", quality.sql_references(REGLAGES), staging=True)
gx_dates = _bloquant(
    "gx_dates", "Suite GX `dates` (staging) : dates dans la fenêtre de l'export.",
    "dates", quality.sql_dates(REGLAGES), staging=True)


@dg.asset_check(asset=INDICATEURS, name="gx_repartitions", blocking=True,
                description="Suite GX `repartitions` : les parts d'une répartition somment à 100 (±0,2) ; le total "
                            "d'une répartition en effectifs est entre sa plus grande modalité et leur somme.")
def gx_repartitions(context: dg.AssetCheckExecutionContext, milo: MiloSettings) -> dg.AssetCheckResult:
    try:
        indicateurs = dictionnaire.indicateurs(lire_dictionnaire(milo.warehouse))
    except DictionnaireInvalide as exc:
        return _dictionnaire_invalide(exc)
    return _check_result(*_valider(context, milo, "gx_repartitions", "Suite GX `repartitions` : répartitions",
                                   "repartitions", quality.sql_repartitions(indicateurs)))


@dg.asset_check(asset=INDICATEURS, name="gx_parts_atteignables", blocking=True,
                description="Suite GX `parts` : une part p d'un effectif n vaut 100·k/n pour un entier k, à "
                            "l'arrondi près (55,7 % de 3 jeunes est refusé).")
def gx_parts_atteignables(context: dg.AssetCheckExecutionContext, milo: MiloSettings) -> dg.AssetCheckResult:
    try:
        indicateurs = dictionnaire.indicateurs(lire_dictionnaire(milo.warehouse))
    except DictionnaireInvalide as exc:
        return _dictionnaire_invalide(exc)
    resultat, lignes = _valider(context, milo, "gx_parts_atteignables", "Suite GX `parts` : parts atteignables",
                                "parts", quality.sql_parts(REGLAGES, indicateurs))
    non_verifiees = read_frame(milo.warehouse, quality.sql_parts_non_verifiees(REGLAGES, indicateurs)
                               )["indicateur"].tolist()
    return _check_result(resultat, lignes, parts_non_verifiees=", ".join(non_verifiees) or "aucune")


def _dictionnaire_invalide(exc: DictionnaireInvalide) -> dg.AssetCheckResult:
    """A dictionary the suite cannot read blocks the outputs, saying which row and column."""
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR, description=str(exc))


def _avertissement(context, milo: MiloSettings, nom: str, titre: str, suite: str, sql: str,
                   params: dict | None = None) -> tuple[quality.ResultatSuite | None, int, str | None]:
    """A warning never fails the run: a check that cannot run is itself reported as a warning."""
    try:
        resultat, lignes = _valider(context, milo, nom, titre, suite, sql, params, bloquant=False)
        return resultat, lignes, None
    except Exception as exc:  # any failure of a warning check is reported, never raised
        return None, 0, f"{titre} : contrôle impossible ({type(exc).__name__} : {str(exc).splitlines()[0]})"


@dg.asset_check(asset=dg.AssetKey("stg_imilo__jeunes"), name="gx_ages", blocking=False,
                description=f"Avertissement (suite GX `ages`) : âge à l'inscription entre {REGLAGES.age_min} et "
                            f"{REGLAGES.age_max} ans.")
def gx_ages(context: dg.AssetCheckExecutionContext, milo: MiloSettings) -> dg.AssetCheckResult:
    resultat, lignes, erreur = _avertissement(context, milo, "gx_ages", "Suite GX `ages` : âges plausibles",
                                              "ages", quality.SQL_AGES)
    if resultat is None:
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, description=erreur)
    return _check_result(resultat, lignes, bloquant=False)


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec("gx_volumes", asset=dg.AssetKey(["imilo", table]), blocking=False,
                             description="Avertissement (suite GX `volumes`) : volume comparable à celui de "
                                         f"l'export précédent (±{REGLAGES.ecart_volumes:.0%}).")
           for table in TABLES],
)
def gx_volumes(context: dg.AssetCheckExecutionContext, milo: MiloSettings):
    resultat, lignes, erreur = _avertissement(
        context, milo, "gx_volumes", "Suite GX `volumes` : dérive des volumes", "volumes", quality.SQL_VOLUMES,
        {"lignes_min": REGLAGES.lignes_min_volumes})
    for table in TABLES:
        cle = dg.AssetKey(["imilo", table])
        if resultat is None:
            yield dg.AssetCheckResult(asset_key=cle, check_name="gx_volumes", passed=False,
                                      severity=dg.AssetCheckSeverity.WARN, description=erreur)
            continue
        exemples = [x for c in resultat.echecs for x in c.exemples
                    if isinstance(x, dict) and x.get("table_export") == table]
        yield dg.AssetCheckResult(
            asset_key=cle, check_name="gx_volumes", passed=not exemples, severity=dg.AssetCheckSeverity.WARN,
            description=("; ".join(quality.format_exemple(x) for x in exemples) if exemples
                         else "volume comparable à l'export précédent (ou pas d'export précédent)"),
            metadata={"suite": resultat.suite, "tables_controlees": lignes})


CHECKS = [gx_cles, gx_references, gx_dates, gx_indicateurs, gx_repartitions, gx_parts_atteignables, gx_ages,
          gx_volumes]
