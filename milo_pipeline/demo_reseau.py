"""`milo-pipeline demo --reseau [FICHIER]`: a network of synthetic Missions Locales, each one run as a user runs it,
their network packages consolidated into the network's figures and regional report.

The network and its structures come from synthetic/reseau_demo.yaml (or FICHIER, same form): the network's
identity, and for each structure its code, its town (its name: « Mission Locale de <ville> (données
synthétiques) », « d' » before a vowel) and its size. Structure i of the list (from 1) is generated with index i
(its own ranges of ids and SIRET, synthetic/structures.py) and the seed + i. Layout, rewritten by each demo, under
MILO_HOME/demo/reseau/:

    reseau.yaml              the network (config/reseau.yaml's keys; its structures listed)
    exports/<code>/          each structure's exports
    homes/<code>/            each structure's MILO_HOME, with its mission_locale.yaml (MILO_MISSION_LOCALE)
    homes/<code du réseau>/  the consolidation's MILO_HOME
    sorties/<code>/          each structure's outputs (report, extracts, reseau/<code>_<période>/)
    journaux/<code>.log      what each structure's run printed
    paquets/<code>_<période>/  the copy of each structure's network package
    consolidation/           the network's outputs (--out elsewhere)
    demo_reseau.json         the time of each step (benchmarks/reseau.py reads it)

Each structure is generated then run (`milo-pipeline run`, a process of its own, its own MILO_HOME), `paralleles`
at a time, largest first; a structure that fails is named with the start of its message and its log, the others
go on; the consolidation (`milo-pipeline consolidate`) reads the packages of those that published. Exit 0 when
every structure published and the consolidation wrote the regional report, whose path is the last line; 1
otherwise (the report's path is still printed when it was written); 2 for an unreadable FICHIER.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import yaml

from .lib.configuration import CODE_STRUCTURE

FICHIER_DEMO = Path(__file__).resolve().parent / "synthetic" / "reseau_demo.yaml"
CONFIG = Path(__file__).resolve().parent / "config"
# what would make a structure's run use another's state or the user's settings
VARIABLES_ECARTEES = ("DAGSTER_HOME", "MILO_WAREHOUSE", "MILO_EXPORTS", "MILO_OUT", "MILO_MISSION_LOCALE",
                      "MILO_RESEAU")
EXIT_OK, EXIT_ECHEC, EXIT_USAGE = 0, 1, 2


class DemoInvalide(ValueError):
    """The demo's network file cannot be used (French message naming the file and the key)."""


@dataclass(frozen=True)
class StructureDemo:
    code: str
    ville: str
    jeunes: int
    index: int  # its rank in the list, from 1: its id ranges

    @property
    def nom(self) -> str:
        return f"{self.nom_court} (données synthétiques)"

    @property
    def nom_court(self) -> str:
        de = "d'" if self.ville[:1].upper() in "AEIOUYÉÈÊÎÔ" else "de "  # Mission Locale d'Aubrelac
        return f"Mission Locale {de}{self.ville}"


@dataclass(frozen=True)
class Demo:
    reseau: dict  # code, nom, nom_court, region
    departement: str
    structures: tuple[StructureDemo, ...]


def lire_demo(chemin: Path = FICHIER_DEMO) -> Demo:
    try:
        donnees = yaml.safe_load(Path(chemin).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DemoInvalide(f"{chemin} illisible : {exc}") from None
    if not isinstance(donnees, dict):
        raise DemoInvalide(f"{chemin} : attendu les clés reseau, departement, structures")
    reseau = donnees.get("reseau")
    if not isinstance(reseau, dict) or not all(isinstance(reseau.get(k), str) and reseau[k].strip()
                                               for k in ("code", "nom", "nom_court", "region")):
        raise DemoInvalide(f"{chemin}, clé « reseau » : attendu code, nom, nom_court et region")
    if not CODE_STRUCTURE.fullmatch(reseau["code"]):
        raise DemoInvalide(f"{chemin}, reseau.code : « {reseau['code']} » invalide (lettres, chiffres, - et _)")
    liste = donnees.get("structures")
    if not isinstance(liste, list) or not liste:
        raise DemoInvalide(f"{chemin}, clé « structures » : attendu une liste de {{code, ville, jeunes}}")
    structures, vus = [], {reseau["code"]}
    for rang, ligne in enumerate(liste, start=1):
        code = str(ligne.get("code", "")) if isinstance(ligne, dict) else ""
        jeunes = ligne.get("jeunes") if isinstance(ligne, dict) else None
        ville = ligne.get("ville") if isinstance(ligne, dict) else None
        if not CODE_STRUCTURE.fullmatch(code) or code in vus:
            raise DemoInvalide(f"{chemin}, structure n° {rang} : code « {code} » invalide ou en double")
        if not isinstance(jeunes, int) or isinstance(jeunes, bool) or not 1 <= jeunes <= 200_000:
            raise DemoInvalide(f"{chemin}, structure {code}, jeunes : « {jeunes} » (attendu 1 à 200000)")
        if not isinstance(ville, str) or not ville.strip():
            raise DemoInvalide(f"{chemin}, structure {code}, ville : « {ville} » (attendu un nom)")
        vus.add(code)
        structures.append(StructureDemo(code, ville.strip(), jeunes, rang))
    return Demo({k: reseau[k] for k in ("code", "nom", "nom_court", "region")},
                str(donnees.get("departement") or ""), tuple(structures))


@dataclass(frozen=True)
class Dossiers:
    racine: Path
    consolidation: Path

    def exports(self, code: str) -> Path:
        return self.racine / "exports" / code

    def home(self, code: str) -> Path:
        return self.racine / "homes" / code

    def sorties(self, code: str) -> Path:
        return self.racine / "sorties" / code

    def journal(self, code: str) -> Path:
        return self.racine / "journaux" / f"{code}.log"

    def mission_locale(self, code: str) -> Path:
        return self.home(code) / "mission_locale.yaml"

    @property
    def paquets(self) -> Path:
        return self.racine / "paquets"

    @property
    def reseau(self) -> Path:
        return self.racine / "reseau.yaml"


def ecrire_configurations(dossiers: Dossiers, demo: Demo) -> None:
    """Each structure's mission_locale.yaml (the packaged file's keys, its identity) and the network's reseau.yaml
    (config/reseau.yaml's keys when it exists, the network's identity and its structures)."""
    base = yaml.safe_load((CONFIG / "mission_locale.yaml").read_text(encoding="utf-8")) or {}
    for s in demo.structures:
        chemin = dossiers.mission_locale(s.code)
        chemin.parent.mkdir(parents=True, exist_ok=True)
        identite = {**base, "code": s.code, "nom": s.nom, "nom_court": s.nom_court, "ville": s.ville,
                    "departement": demo.departement or base.get("departement"), "region": demo.reseau["region"]}
        _ecrire_yaml(chemin, identite)
    reseau = CONFIG / "reseau.yaml"
    base = (yaml.safe_load(reseau.read_text(encoding="utf-8")) or {}) if reseau.exists() else {}
    _ecrire_yaml(dossiers.reseau, {**base, **demo.reseau,
                                   "structures": [{"code": s.code, "nom": s.nom} for s in demo.structures]})


def _ecrire_yaml(chemin: Path, donnees: dict) -> None:
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_text("# Écrit par milo-pipeline demo --reseau (données synthétiques).\n"
                      + yaml.safe_dump(donnees, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _env(home: Path, mission_locale: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES_ECARTEES}
    env["MILO_HOME"] = str(home)
    if mission_locale is not None:
        env["MILO_MISSION_LOCALE"] = str(mission_locale)
    return env


def _commande(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "milo_pipeline.cli", "--milo-home", str(home), *args]


@dataclass(frozen=True)
class Resultat:
    structure: StructureDemo
    reussi: bool
    message: str  # French, one line: what went wrong, or the package
    generation: float  # seconds
    run: float
    cpu: float = 0.0  # CPU seconds of the run (its process and dbt)
    paquet: Path | None = None


class Processus:
    """The child processes running now: stopped if the demo is interrupted (Ctrl-C, SIGTERM)."""

    def __init__(self) -> None:
        self._verrou, self._actifs, self._arrete = threading.Lock(), set(), False

    def executer(self, commande: list[str], env: dict, journal: Path) -> tuple[int, str, float]:
        """Runs the command, its stdout and stderr into `journal`; returns its exit status, its stderr and the CPU
        seconds it and its children (dbt) used (a measure the other processes of the machine do not change)."""
        journal.parent.mkdir(parents=True, exist_ok=True)
        with open(journal, "w", encoding="utf-8") as sortie:
            with self._verrou:
                if self._arrete:  # interrupted while this structure's exports were generated
                    raise KeyboardInterrupt
                proc = subprocess.Popen(commande, env=env, stdout=sortie, stderr=subprocess.PIPE, text=True)
                self._actifs.add(proc)
            try:
                erreurs = proc.stderr.read()
                proc.stderr.close()
                _, statut, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(statut)
            finally:
                with self._verrou:
                    self._actifs.discard(proc)
            sortie.write(erreurs)
        return proc.returncode, erreurs, usage.ru_utime + usage.ru_stime

    def arreter(self) -> None:
        with self._verrou:
            self._arrete = True
            actifs = list(self._actifs)
        for proc in actifs:
            proc.terminate()  # the run stops as on Ctrl-C: nothing published, its lock freed
        for proc in actifs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _nombre(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _motif(erreurs: str, code: int) -> str:
    """The start of a failed run's French message (its first lines on stderr)."""
    lignes = [ligne.strip() for ligne in erreurs.splitlines() if ligne.strip() and not ligne.startswith("Journal")]
    return " / ".join(lignes[:3]) or f"code de sortie {code}"


def executer_structure(dossiers: Dossiers, s: StructureDemo, annee: int, graine: int | None,
                       processus: Processus) -> Resultat:
    """Generates the structure's exports (unless graine is None: already there), runs it, copies its package."""
    from .synthetic.generator import generate
    from .synthetic.structures import Structure

    debut = time.perf_counter()
    if graine is not None:
        exports = dossiers.exports(s.code)
        shutil.rmtree(exports, ignore_errors=True)
        generate(exports, youths=s.jeunes, seed=graine + s.index, year=annee, structure=Structure(s.code, s.index))
    generation = time.perf_counter() - debut
    home, sorties = dossiers.home(s.code), dossiers.sorties(s.code)
    commande = _commande(home, "run", "--exports", str(dossiers.exports(s.code)), "--period", str(annee),
                         "--out", str(sorties))
    sorties.mkdir(parents=True, exist_ok=True)
    env = _env(home, dossiers.mission_locale(s.code))
    code, erreurs, cpu = processus.executer(commande, env, dossiers.journal(s.code))
    run = time.perf_counter() - debut - generation
    if code != 0:
        return Resultat(s, False, f"run en échec (code {code}) : {_motif(erreurs, code)} ; journal : "
                                  f"{dossiers.journal(s.code)}", generation, run, cpu)
    paquet = sorties / "reseau" / f"{s.code}_{annee}"
    if not (paquet / "manifest.json").is_file():
        return Resultat(s, False, f"le run a réussi mais n'a pas écrit de paquet réseau ({paquet})", generation, run,
                        cpu)
    copie = dossiers.paquets / paquet.name
    shutil.rmtree(copie, ignore_errors=True)
    shutil.copytree(paquet, copie)
    return Resultat(s, True, f"paquet {copie}", generation, run, cpu, copie)


def executer_structures(dossiers: Dossiers, structures: tuple[StructureDemo, ...], annee: int, graine: int | None,
                        paralleles: int, annoncer=None) -> list[Resultat]:
    """Every structure, `paralleles` at a time, largest first; one line each as it ends. Results in list order."""
    annoncer = annoncer or (lambda ligne: print(ligne, flush=True))
    processus = Processus()
    resultats: dict[str, Resultat] = {}
    ordre = sorted(structures, key=lambda s: (-s.jeunes, s.index))
    with ThreadPoolExecutor(max(1, paralleles), thread_name_prefix="structure") as pool:
        futures = {pool.submit(executer_structure, dossiers, s, annee, graine, processus): s for s in ordre}
        try:
            for future in as_completed(futures):
                s = futures[future]
                try:
                    r = future.result()
                except Exception as exc:  # noqa: BLE001 — a structure that fails is named, the others go on
                    r = Resultat(s, False, f"erreur : {exc}", 0.0, 0.0)
                resultats[s.code] = r
                etat = "publiée" if r.reussi else "ÉCHEC"
                annoncer(f"  [{len(resultats)}/{len(structures)}] {s.code} {s.nom}, {_nombre(s.jeunes)} jeunes : "
                         f"{etat} (exports {r.generation:.0f} s, run {r.run:.0f} s, {r.cpu:.0f} s de CPU)")
                if not r.reussi:
                    print(f"  {s.code} {s.nom} : {r.message}", file=sys.stderr, flush=True)
        except BaseException:  # Ctrl-C, SIGTERM: no structure starts any more, the running ones are stopped
            pool.shutdown(wait=False, cancel_futures=True)
            processus.arreter()
            raise
    return [resultats[s.code] for s in structures]


def consolider(dossiers: Dossiers, demo: Demo, annee: int) -> tuple[int, Path | None]:
    """`milo-pipeline consolidate` over the packages, in the network's own MILO_HOME; its output echoed. Returns
    its exit status and the regional report (None if it was not written)."""
    home = dossiers.home(demo.reseau["code"])
    commande = _commande(home, "consolidate", "--packages", str(dossiers.paquets), "--period", str(annee),
                         "--out", str(dossiers.consolidation), "--reseau", str(dossiers.reseau))
    resultat = subprocess.run(commande, env=_env(home), capture_output=True, text=True)
    if resultat.stdout:
        print(resultat.stdout, end="" if resultat.stdout.endswith("\n") else "\n", flush=True)
    if resultat.stderr:
        print(resultat.stderr, end="" if resultat.stderr.endswith("\n") else "\n", file=sys.stderr, flush=True)
    rapport = dossiers.consolidation / f"rapport_reseau_{annee}.pdf"
    return resultat.returncode, rapport if resultat.returncode == 0 and rapport.is_file() else None


def lancer(milo_home: Path, fichier: Path = FICHIER_DEMO, annee: int = 2024, graine: int = 2024, paralleles: int = 2,
           out: Path | None = None) -> int:
    """The whole demo (under the lock of MILO_HOME, taken by the caller)."""
    try:
        demo = lire_demo(fichier)
    except DemoInvalide as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_USAGE
    if paralleles < 1:
        print(f"Erreur : --paralleles {paralleles} : attendu au moins 1.", file=sys.stderr)
        return EXIT_USAGE
    racine = milo_home / "demo" / "reseau"
    shutil.rmtree(racine, ignore_errors=True)
    dossiers = Dossiers(racine, Path(out).resolve() if out else racine / "consolidation")
    dossiers.paquets.mkdir(parents=True)
    ecrire_configurations(dossiers, demo)
    total = sum(s.jeunes for s in demo.structures)
    print(f"Réseau {demo.reseau['code']} (données synthétiques) : {len(demo.structures)} structure(s), "
          f"{_nombre(total)} jeunes accompagnés, {paralleles} run(s) à la fois : {racine}", flush=True)
    debut = time.perf_counter()
    resultats = executer_structures(dossiers, demo.structures, annee, graine, paralleles)
    duree_runs = time.perf_counter() - debut
    echecs = [r.structure.code for r in resultats if not r.reussi]
    print(f"Structures : {len(resultats) - len(echecs)} publiée(s), {len(echecs)} en échec"
          + (f" ({', '.join(echecs)})" if echecs else "") + f", en {duree_runs:.0f} s", flush=True)
    code, rapport, duree_consolidation = EXIT_ECHEC, None, 0.0
    if len(echecs) < len(resultats):
        debut_consolidation = time.perf_counter()
        code, rapport = consolider(dossiers, demo, annee)
        duree_consolidation = time.perf_counter() - debut_consolidation
        print(f"Consolidation : code {code}, en {duree_consolidation:.0f} s", flush=True)
    else:
        print("Erreur : aucune structure n'a publié de paquet : rien à consolider.", file=sys.stderr)
    (racine / "demo_reseau.json").write_text(json.dumps({
        "structures": [{"code": r.structure.code, "jeunes": r.structure.jeunes, "publiee": r.reussi,
                        "exports_s": round(r.generation, 2), "run_s": round(r.run, 2), "run_cpu_s": round(r.cpu, 2)}
                       for r in resultats],
        "structures_s": round(duree_runs, 2), "paralleles": paralleles, "consolidation_code": code,
        "consolidation_s": round(duree_consolidation, 2), "total_s": round(time.perf_counter() - debut, 2),
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Durée totale : {time.perf_counter() - debut:.0f} s", flush=True)
    if rapport is None:
        if len(echecs) < len(resultats):
            print(f"Erreur : la consolidation n'a pas écrit le rapport du réseau ({dossiers.consolidation}).",
                  file=sys.stderr)
        return EXIT_ECHEC
    print(f"Rapport du réseau : {rapport}")
    return EXIT_OK if not echecs else EXIT_ECHEC
