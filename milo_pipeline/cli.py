"""`milo-pipeline`: run the whole chain for a period, or the demo on synthetic exports.

Heavy imports (Dagster, dbt, Great Expectations, WeasyPrint) happen once, inside the command.
A user's mistake ends with a French message and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import warnings
from datetime import date
from pathlib import Path

from . import ui
from .instance import sqlite_sans_fsync_par_evenement
from .lib import retention, verrou
from .lib.fichiers import UMASK_PRIVE, proteger_milo_home
from .lib.periods import Periode, PeriodeImpossible, date_des_exports, parse_period, partition_keys, verifier_periode
from .lib.pseudonymisation import KEY_FILE

EXIT_OK, EXIT_ECHEC, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTION = 130


def _annoncer(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _seul_ecrivain(milo_home: Path, commande: str, attendre: bool):
    """The lock of MILO_HOME for the block (lib/verrou.py): waits for the run holding it, saying so on stderr,
    or with --no-wait raises VerrouOccupe (→ exit 1, French message, from `main`)."""
    milo_home.mkdir(parents=True, exist_ok=True)
    with verrou.verrou(milo_home, commande, attendre=attendre, annoncer=_annoncer):
        yield


def _prepare_dagster_home(milo_home: Path) -> None:
    """DAGSTER_HOME defaults to MILO_HOME/dagster (SQLite storage), telemetry off."""
    home = Path(os.environ.get("DAGSTER_HOME") or milo_home / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    # An annual run is 12 monthly partitions of every asset: by default Dagster writes one "planned" event per
    # asset and month before the first step (≈830 SQLite transactions, ≈20 s of a small run). One event per
    # asset carrying the range instead; the materializations stay one per month. Trade-off (Dagster's): if the
    # run fails, the UI shows its months as missing rather than failed (the run itself is marked failed).
    os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")
    sqlite_sans_fsync_par_evenement()


def run_pipeline(exports: Path, periode: Periode, out: Path, milo_home: Path, attendre: bool = True,
                 commande: str = "milo-pipeline run", confirmer_baisse: bool = False) -> int:
    exports, out, milo_home = exports.resolve(), out.resolve(), milo_home.resolve()
    if not exports.is_dir():
        print(f"Erreur : le dossier des exports {exports} n'existe pas.", file=sys.stderr)
        return EXIT_USAGE
    try:
        mois = retention.lire_duree()
    except retention.RetentionInvalide as exc:
        print(f"Erreur de configuration : {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:  # before anything is written: a period the exports cannot answer would publish zeros or wrong figures
        verifier_periode(periode, date_des_exports(exports))
    except PeriodeImpossible as exc:
        print(f"Erreur : {exc}\nRien n'a été publié.", file=sys.stderr)
        return EXIT_USAGE
    _rendre_prive(milo_home)
    with _seul_ecrivain(milo_home, f"{commande} --period {periode.label}", attendre):
        return _executer(exports, periode, out, milo_home, mois, confirmer_baisse)


def _executer(exports: Path, periode: Periode, out: Path, milo_home: Path, mois: int | None,
              confirmer_baisse: bool = False) -> int:
    """The run itself, under the lock of MILO_HOME (its Dagster run's resource `milo` takes it again: re-entrant)."""
    _prepare_dagster_home(milo_home)
    warnings.filterwarnings("ignore")
    import dagster as dg
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from .defs.resources import MiloSettings
    from .lib.extraits import ConfigurationInvalide

    try:
        from .definitions import defs
    except ConfigurationInvalide as exc:
        print(f"Erreur de configuration : {exc}", file=sys.stderr)
        return EXIT_USAGE

    start, end = partition_keys(periode)
    print(f"milo-pipeline : période {periode.debut:%d/%m/%Y} – {periode.fin:%d/%m/%Y}, exports {exports}")
    log = milo_home / "logs" / "dernier_run.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    # dbt's console output goes to the log file; the run's events are in DAGSTER_HOME
    with dg.DagsterInstance.get() as instance, open(log, "w", encoding="utf-8") as sortie, \
            contextlib.redirect_stdout(sortie):
        result = defs.get_job_def("tout").execute_in_process(
            instance=instance,
            resources={"milo": MiloSettings(milo_home=str(milo_home), exports_dir=str(exports), out_dir=str(out))},
            tags={ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end},
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
                        # the ingestion's run config (defs/ingestion.py, ConfigIngestion): the drop is confirmed
                        **({"ops": {"exports_imilo": {"config": {"confirmer_baisse": True}}}}
                           if confirmer_baisse else {})},
            raise_on_error=False,
        )
    code = _summarise(result, periode, out, log, milo_home)
    if code == EXIT_OK and mois:
        _conservation(milo_home, mois, _proteges(milo_home, out, exports) + _archives_du_run(result, milo_home))
    return code


def _archives_du_run(result, milo_home: Path) -> tuple[Path, ...]:
    """archive/<sha256> of the exports this run read (metadata of the raw tables): the outputs just published come
    from them, so the retention period keeps them however old their date (`purge` by hand still removes them)."""
    archives = set()
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        sha = materialization.metadata.get("sha256")
        if materialization.asset_key.path[0] == "imilo" and sha is not None:
            archives.add(milo_home / "archive" / str(getattr(sha, "value", sha)))
    return tuple(sorted(archives))


def _rendre_prive(milo_home: Path) -> None:
    """MILO_HOME made private (it may predate the umask of `main`); a warning if it cannot be."""
    for avertissement in proteger_milo_home(milo_home):
        print(avertissement, file=sys.stderr)


def _proteges(milo_home: Path, out: Path | None = None, exports: Path | None = None) -> tuple[Path, ...]:
    """What a purge never removes, even if someone put it under archive/ or runs/."""
    return (Path(os.environ.get("MILO_WAREHOUSE") or milo_home / "warehouse.duckdb"), milo_home / KEY_FILE,
            out or Path(os.environ.get("MILO_OUT") or milo_home / "out"),
            exports or Path(os.environ.get("MILO_EXPORTS") or milo_home / "landing"))


def _conservation(milo_home: Path, mois: int, proteges: tuple[Path, ...]) -> None:
    """The retention period of config/conservation.yaml, applied after a successful run (as `purge` would)."""
    try:
        purge = retention.purger(milo_home, retention.avant_mois(date.today(), mois), proteges)
    except OSError as exc:
        print(f"Attention : conservation ({mois} mois) non appliquée : {exc.strerror}", file=sys.stderr)
        return
    print(f"Conservation ({mois} mois, config/conservation.yaml) : {purge.resume()}")
    for avertissement in purge.avertissements:
        print(f"Attention : {avertissement}", file=sys.stderr)


def _ingestion_summary(result) -> list[str]:
    """Rows quarantined and columns ignored at ingestion, from the metadata of the raw tables (one
    materialization per month of the run: the same metadata)."""
    tables = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key.path[0] == "imilo":
            tables[materialization.asset_key] = {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
    lignes = []
    for meta in tables.values():
        if meta.get("lignes_rejetees"):
            lignes.append(f"  {meta['fichier']} : {meta['lignes_rejetees']} ligne(s) écartée(s) sur "
                          f"{meta['lignes_lues']} ({meta['part_rejetee']})")
        if meta.get("volume_confirme", "non") != "non":
            lignes.append(f"  {meta['fichier']} : {meta['volume_confirme']}")
        if meta.get("colonnes_ignorees", "aucune") != "aucune":
            lignes.append(f"  {meta['fichier']} : colonne(s) inconnue(s) du contrat, ignorée(s) : "
                          f"{meta['colonnes_ignorees']}")
    return lignes


def _run_reports(run_dir: Path) -> list[str]:
    """Where the run's rejection report and Data Docs are (whether it succeeded or not)."""
    from .lib.ingestion import RAPPORT_REJETS

    lignes = []
    if (run_dir / RAPPORT_REJETS).exists():
        lignes.append(f"Rapport des rejets : {run_dir / RAPPORT_REJETS}")
    if (run_dir / "data_docs" / "index.html").exists():
        lignes.append(f"Data Docs : {run_dir / 'data_docs' / 'index.html'}")
    return lignes


def _saisies_summary(result) -> list[str]:
    """The warnings of the manual inputs (folder or file missing: « non renseigné » in the report)."""
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key.path[0] == "saisies" and "avertissements" in materialization.metadata:
            texte = materialization.metadata["avertissements"].value
            return [f"  {ligne}" for ligne in texte.splitlines() if ligne]
    return []


def _summarise(result, periode: Periode, out: Path, log: Path, milo_home: Path) -> int:
    import dagster as dg

    from .lib.report import nom_fichier

    evaluations = result.get_asset_check_evaluations()
    echecs = [e for e in evaluations if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    avertissements = [e for e in evaluations if not e.passed and e.severity != dg.AssetCheckSeverity.ERROR]
    print(f"Contrôles de qualité : {len(evaluations) - len(echecs) - len(avertissements)} réussi(s), "
          f"{len(avertissements)} avertissement(s), {len(echecs)} en échec")
    for evaluation in avertissements + echecs:
        niveau = "ÉCHEC" if evaluation in echecs else "avertissement"
        print(f"  {niveau} {evaluation.asset_key.to_user_string()} · {evaluation.check_name}"
              + (f" : {evaluation.description}" if evaluation.description else ""), file=sys.stderr)
    ingestion = _ingestion_summary(result)
    if ingestion:
        print("Ingestion :", *ingestion, sep="\n")
    saisies = _saisies_summary(result)
    if saisies:
        print("Saisies manuelles :", *saisies, sep="\n")
    rapports = _run_reports(milo_home / "runs" / result.run_id)
    if result.success:
        print(*rapports, sep="\n")
        print(f"Indicateurs : {out / 'indicateurs.csv'}")
        from .defs.secret import DIFFUSION

        for version in DIFFUSION.versions:  # config/diffusion.yaml: interne, publique
            pdf = out / nom_fichier(periode, version)
            print(f"Rapport{' public' if version == 'publique' else ''} : {pdf}")
            print(f"Rapport{' public' if version == 'publique' else ''} (page web) : {pdf.with_suffix('.html')}")
        print(f"Extraits financeurs : {out / 'extraits'}")
        for event in result.get_asset_materialization_events():  # its folder: reseau/<code>_<période>
            if event.event_specific_data.materialization.asset_key.path == ["paquet_reseau"]:
                print(f"Paquet réseau : {event.event_specific_data.materialization.metadata['chemin'].value}")
                break
        return EXIT_OK
    print("Échec du run : rien n'a été publié pour cette période.", file=sys.stderr)
    for event in result.all_events:
        if event.is_step_failure:
            data = event.step_failure_data
            if data.user_failure_data is not None and data.user_failure_data.description:
                print(data.user_failure_data.description, file=sys.stderr)
            else:
                erreur = data.error
                while erreur.cause is not None:
                    erreur = erreur.cause
                texte = erreur.message.strip().splitlines()[0]
                if erreur.cls_name == "DagsterExecutionInterruptedError":  # SIGTERM or Ctrl-C (main)
                    texte = "interrompue (arrêt demandé : SIGTERM ou Ctrl-C)"
                print(f"  étape {event.step_key} : {texte}", file=sys.stderr)
    for ligne in rapports:
        print(ligne, file=sys.stderr)
    print(f"Journal : {log} ; événements du run {result.run_id} dans DAGSTER_HOME={os.environ['DAGSTER_HOME']}",
          file=sys.stderr)
    return EXIT_ECHEC


def _milo_home(args) -> Path:
    return Path(args.milo_home or os.environ.get("MILO_HOME") or "data")


def cmd_run(args) -> int:
    try:
        periode = parse_period(args.period)
    except ValueError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_USAGE
    return run_pipeline(Path(args.exports), periode, Path(args.out), _milo_home(args), attendre=not args.no_wait,
                        confirmer_baisse=args.confirmer_baisse)


def cmd_demo(args) -> int:
    import shutil

    from .synthetic.generator import generate

    home = _milo_home(args).resolve()
    if args.reseau:  # a network of synthetic structures, each run, then consolidated (demo_reseau.py)
        from . import demo_reseau

        _rendre_prive(home)
        with _seul_ecrivain(home, f"milo-pipeline demo --reseau --year {args.year}", attendre=not args.no_wait):
            return demo_reseau.lancer(home, Path(args.reseau), args.year, args.seed, args.paralleles,
                                      Path(args.out) if args.out else None)
    # the demo's exports are rewritten under MILO_HOME: under the lock too, as the run that reads them
    with _seul_ecrivain(home, f"milo-pipeline demo --year {args.year}", attendre=not args.no_wait):
        exports = home / "demo" / "exports"
        shutil.rmtree(exports, ignore_errors=True)
        exports.mkdir(parents=True)
        generate(exports, youths=args.youths, seed=args.seed, year=args.year)
        # the demo's manual inputs (staff, budget, survey, events, texts: fictitious, for 2024) beside the exports
        shutil.copytree(Path(__file__).parent / "synthetic" / "saisies_demo", exports / "saisies")
        print(f"Exports synthétiques ({args.youths} jeunes accompagnés, graine {args.seed}) : {exports}")
        out = Path(args.out) if args.out else home / "demo" / "out"
        return run_pipeline(exports, parse_period(str(args.year)), out, home, commande="milo-pipeline demo",
                            confirmer_baisse=args.confirmer_baisse)


USAGE_PURGE = "usage : milo-pipeline [--milo-home DOSSIER] purge --before AAAA-MM-JJ"


def cmd_purge(args) -> int:
    """Remove the archived raw exports and the run folders dated before --before (lib/retention.py)."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.before):
            raise ValueError
        avant = date.fromisoformat(args.before)
    except ValueError:
        print(f"Erreur : date invalide « {args.before} » (attendu AAAA-MM-JJ, par exemple 2024-12-01).\n"
              f"{USAGE_PURGE}", file=sys.stderr)
        return EXIT_USAGE
    home = _milo_home(args).resolve()
    if not home.is_dir():
        print(f"Erreur : MILO_HOME={home} n'existe pas.\n{USAGE_PURGE}", file=sys.stderr)
        return EXIT_USAGE
    _rendre_prive(home)
    try:
        with _seul_ecrivain(home, f"milo-pipeline purge --before {args.before}", attendre=not args.no_wait):
            purge = retention.purger(home, avant, _proteges(home))
    except OSError as exc:
        print(f"Erreur : purge interrompue : {exc.strerror} ({exc.filename})", file=sys.stderr)
        return EXIT_ECHEC
    print(f"Purge de MILO_HOME={home} : {purge.resume()}")
    for ligne in purge.lignes()[1:]:
        print(ligne)
    for avertissement in purge.avertissements:
        print(f"Attention : {avertissement}", file=sys.stderr)
    return EXIT_OK


def cmd_docs(args) -> int:
    """dbt's static documentation site for the current warehouse of MILO_HOME (lib/dbt_project.documentation),
    under the MILO_HOME lock: a run never rewrites the warehouse while dbt reads it."""
    from .lib.dbt_project import DocumentationImpossible, documentation, verifier_entrepot

    home = _milo_home(args).resolve()
    warehouse = Path(os.environ.get("MILO_WAREHOUSE") or home / "warehouse.duckdb").resolve()
    dossier = Path(args.out).resolve() if args.out else home / "docs_dbt"
    try:
        verifier_entrepot(warehouse)  # before the lock, which would create MILO_HOME
        with _seul_ecrivain(home, "milo-pipeline docs", attendre=not args.no_wait):
            index = documentation(warehouse, dossier)
    except DocumentationImpossible as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_ECHEC
    print(f"Documentation dbt (modèles, colonnes, lignage, tests ; lisible hors ligne) : {index}")
    return EXIT_OK


def cmd_consolidate(args) -> int:
    """The network's consolidation of the packages of --packages for --period (lib/reseau/): refusals on stderr,
    outputs published all or nothing into --out; exit 1 (nothing published) when no package could be included."""
    from .lib.extraits import ConfigurationInvalide
    from .lib.outputs import PublicationImpossible
    from .lib.reseau import consolidation as reseau_consolidation
    from .lib.reseau import sorties as reseau_sorties
    from .lib.reseau.configuration import ReseauInvalide, lire_reseau

    try:
        periode = parse_period(args.period)
    except ValueError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_USAGE
    paquets = Path(args.packages).absolute()
    if not paquets.is_dir():
        print(f"Erreur : le dossier des paquets {paquets} n'existe pas.", file=sys.stderr)
        return EXIT_USAGE
    try:
        reseau = lire_reseau(args.reseau)
    except ReseauInvalide as exc:
        print(f"Erreur de configuration : {exc}", file=sys.stderr)
        return EXIT_USAGE
    home, out = _milo_home(args).resolve(), Path(args.out).absolute()
    _rendre_prive(home)
    with _seul_ecrivain(home, f"milo-pipeline consolidate --period {periode.label}", attendre=not args.no_wait):
        consolidation = reseau_consolidation.consolider(paquets, periode, reseau)
        for structure in consolidation.refusees + consolidation.manquantes:
            print(structure.motif, file=sys.stderr)
        comptes = (f"{len(consolidation.incluses)} structure(s) incluse(s), {len(consolidation.refusees)} paquet(s) "
                   f"refusé(s), {len(consolidation.manquantes)} structure(s) manquante(s)")
        if not consolidation.incluses:
            print(f"Consolidation {reseau['code']} {periode.label} : {comptes}. Aucun paquet n'a pu être consolidé : "
                  "rien n'a été publié (les sorties précédentes sont inchangées).", file=sys.stderr)
            return EXIT_ECHEC
        try:
            publies = reseau_sorties.publier(consolidation, out, home)
        except (PublicationImpossible, ConfigurationInvalide) as exc:
            print(f"Erreur : {exc}", file=sys.stderr)
            return EXIT_ECHEC
    print(f"Consolidation {reseau['code']} ({reseau['nom_court']}), période {periode.label} : {comptes}")
    print(f"Indicateurs du réseau : {out / reseau_consolidation.FICHIER_INDICATEURS}")
    print(f"Manifeste de la consolidation : {out / reseau_consolidation.FICHIER_CONSOLIDATION}")
    for dossier in publies["extraits"]:
        print(f"Extrait régional : {dossier}")
    for chemin in publies["rapport"]:
        if chemin.suffix == ".html":
            print(f"Rapport du réseau (page web) : {chemin}")
    for chemin in publies["rapport"]:
        if chemin.suffix == ".pdf":
            print(f"Rapport du réseau : {chemin}")
    return EXIT_OK


AIDE_NO_WAIT = "si un autre run utilise MILO_HOME, échouer aussitôt (code 1) au lieu d'attendre sa fin"
AIDE_CONFIRMER_BAISSE = ("confirmer une forte baisse du volume d'une table par rapport à l'export précédent (ou un "
                         "premier export au nombre d'événements par jeune invraisemblable), après avoir vérifié les "
                         "fichiers : l'export est chargé au lieu d'être refusé (config/qualite.yaml)")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="milo-pipeline", description="Exports i-milo → indicateurs, rapport PDF.")
    p.add_argument("--milo-home", help="dossier de travail (défaut : $MILO_HOME, sinon ./data)")
    sub = p.add_subparsers(dest="commande", required=True)
    run = sub.add_parser("run", help="calcule les indicateurs et le rapport d'une période")
    run.add_argument("--exports", required=True, help="dossier des exports i-milo")
    run.add_argument("--period", required=True, help="AAAA (année) ou AAAA-MM (mois)")
    run.add_argument("--out", required=True, help="dossier de sortie")
    run.add_argument("--no-wait", action="store_true", help=AIDE_NO_WAIT)
    run.add_argument("--confirmer-baisse", action="store_true", help=AIDE_CONFIRMER_BAISSE)
    run.set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", help="génère des exports synthétiques et produit le rapport annuel")
    demo.add_argument("--youths", type=int, default=3500, help="jeunes accompagnés dans l'année (défaut 3500)")
    demo.add_argument("--seed", type=int, default=2024)
    demo.add_argument("--year", type=int, default=2024)
    demo.add_argument("--out", help="dossier de sortie (défaut : MILO_HOME/demo/out)")
    demo.add_argument("--no-wait", action="store_true", help=AIDE_NO_WAIT)
    demo.add_argument("--confirmer-baisse", action="store_true", help=AIDE_CONFIRMER_BAISSE)
    demo.add_argument("--reseau", nargs="?", const=str(Path(__file__).parent / "synthetic" / "reseau_demo.yaml"),
                      metavar="FICHIER", help="un réseau de Missions Locales synthétiques (15 par défaut, "
                      "synthetic/reseau_demo.yaml, ou FICHIER) : chacune exécutée, puis consolidées (rapport du "
                      "réseau, dans MILO_HOME/demo/reseau/consolidation sauf --out) ; --youths est ignoré")
    demo.add_argument("--paralleles", type=int, default=2, metavar="N",
                      help="avec --reseau : runs des structures exécutés en même temps (défaut 2)")
    demo.set_defaults(func=cmd_demo)
    purge = sub.add_parser("purge", help="supprime les exports archivés et les dossiers de run antérieurs à une date")
    purge.add_argument("--before", required=True, metavar="AAAA-MM-JJ",
                       help="date : ce qui est daté d'avant est supprimé (MILO_HOME/archive, MILO_HOME/runs)")
    purge.add_argument("--no-wait", action="store_true", help=AIDE_NO_WAIT)
    purge.set_defaults(func=cmd_purge)
    docs = sub.add_parser("docs", help="écrit la documentation dbt (site statique) de l'entrepôt actuel")
    docs.add_argument("--out", help="dossier du site (défaut : MILO_HOME/docs_dbt)")
    docs.add_argument("--no-wait", action="store_true", help=AIDE_NO_WAIT)
    docs.set_defaults(func=cmd_docs)
    consolidate = sub.add_parser("consolidate", help="consolide les paquets réseau des Missions Locales d'une période")
    consolidate.add_argument("--packages", required=True, help="dossier des paquets (un sous-dossier par paquet)")
    consolidate.add_argument("--period", required=True, help="AAAA (année) ou AAAA-MM (mois) des paquets")
    consolidate.add_argument("--out", required=True, help="dossier de sortie de la consolidation")
    consolidate.add_argument("--reseau", help="fichier du réseau (défaut : $MILO_RESEAU, sinon config/reseau.yaml)")
    consolidate.add_argument("--no-wait", action="store_true", help=AIDE_NO_WAIT)
    consolidate.set_defaults(func=cmd_consolidate)
    ui.ajouter_commande(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    # First of all: whatever this process creates (MILO_HOME, warehouse, archive, runs, logs, Dagster storage,
    # dbt state, outputs) is private to the user running it, 0700 folders and 0600 files (lib/fichiers.py).
    umask = os.umask(UMASK_PRIVE)
    try:
        args = parser().parse_args(argv)
        if args.func in (cmd_run, cmd_demo, cmd_purge, cmd_docs, cmd_consolidate):
            return _ecrivain(args)
        return args.func(args)
    finally:
        os.umask(umask)  # an in-process caller (the tests) gets its own back


def _ecrivain(args) -> int:
    """A command that writes under MILO_HOME: its lock conflicts and interruptions end in French, never in a
    traceback. SIGTERM (systemd, kill, a scheduler) ends it as Ctrl-C does: the Dagster run is stopped and marked,
    dbt is told to stop (and dies with this process in any case: milo_pipeline/dbt_enfant.py), the lock freed."""
    precedent = _sur_sigterm(signal.default_int_handler)
    try:
        return args.func(args)
    except verrou.VerrouOccupe as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_ECHEC
    except verrou.VerrouImpossible as exc:
        print(f"Erreur : {exc}. Rien n'a été fait.", file=sys.stderr)
        return EXIT_ECHEC
    except KeyboardInterrupt:
        print("\nInterrompu : rien n'a été publié (les sorties précédentes sont inchangées).", file=sys.stderr)
        return EXIT_INTERRUPTION
    finally:
        _sur_sigterm(precedent)


def _sur_sigterm(handler):
    """Install `handler` for SIGTERM (main thread only; elsewhere nothing changes); returns the previous one."""
    try:
        return signal.signal(signal.SIGTERM, handler)
    except (ValueError, TypeError):  # not the main thread, or no previous Python handler to restore
        return None


if __name__ == "__main__":
    sys.exit(main())
