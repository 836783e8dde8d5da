"""`milo-pipeline ui [--host 127.0.0.1] [--port 3000] [--allowed-host NOM[:PORT]]…`: the Dagster UI of MILO_HOME,
behind the guard of `lib/garde.py`, and the Dagster daemon (schedule, sensor, run queue, backfills).

This process serves the webserver itself: Dagster's Starlette app (`create_app_from_workspace_process_context`,
what `dagster-webserver` builds) wrapped in `Garde`, served by uvicorn on a socket bound here. The daemon is a
child (`dagster-daemon run`, same workspace.yaml and DAGSTER_HOME) that dies with this process: PR_SET_PDEATHSIG
(even if this process is killed), SIGTERM when this process stops, and Ctrl-C reaches both (same process group).

The instance is prepared as `python -m milo_pipeline.instance` does (DAGSTER_HOME defaults to MILO_HOME/dagster).
Optional password: `MILO_HOME/ui.password` (mode 0600, at least 12 characters) turns on HTTP basic
authentication (any user name). A user's mistake ends with a French message and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

from .instance import dagster_home, prepare_dagster_home
from .lib.garde import Garde, allowed_hosts, split_host

ROOT = Path(__file__).resolve().parents[1]
WORKSPACE = ROOT / "workspace.yaml"
PASSWORD_FILE = "ui.password"
PASSWORD_MIN = 12
EXIT_OK, EXIT_ECHEC, EXIT_USAGE = 0, 1, 2
PR_SET_PDEATHSIG = 1


class ErreurUI(Exception):
    """A mistake of the user: the message says what to do."""


class Arret(Exception):
    """SIGINT or SIGTERM received: stop the webserver, then the daemon."""


def ajouter_commande(subparsers) -> None:
    ui = subparsers.add_parser(
        "ui", help="ouvre l'interface Dagster de MILO_HOME (webserver gardé + daemon)",
        description="Interface Dagster de MILO_HOME : webserver derrière une garde (hôte, origine, mutations en "
                    "POST JSON seulement, mot de passe optionnel MILO_HOME/ui.password) et daemon (planning, "
                    "capteur, file des runs). Ctrl-C arrête les deux.")
    ui.add_argument("--host", default="127.0.0.1",
                    help="adresse d'écoute (défaut 127.0.0.1 : accès par tunnel SSH ou proxy inverse)")
    ui.add_argument("--port", type=int, default=3000, help="port (défaut 3000)")
    ui.add_argument("--allowed-host", action="append", default=[], metavar="NOM[:PORT]",
                    help="nom sous lequel l'interface est atteinte (proxy inverse), en plus de --host ; répétable")
    ui.set_defaults(func=commande_ui)


def read_password(path: Path) -> str | None:
    """The password of `MILO_HOME/ui.password`, or None when the file does not exist. Refused: a symlink or
    anything but a regular file, a file other users can read or write, fewer than PASSWORD_MIN characters."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ErreurUI(f"{path} : illisible ou lien symbolique ({exc.strerror}) ; il doit être un fichier "
                       f"ordinaire.") from exc
    with os.fdopen(fd, "rb") as fichier:
        mode = os.fstat(fichier.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise ErreurUI(f"{path} n'est pas un fichier ordinaire.")
        if mode & 0o077:
            raise ErreurUI(f"{path} est accessible à d'autres utilisateurs (mode {stat.filemode(mode)}) : "
                           f"chmod 600 {path}")
        try:
            password = fichier.read().decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise ErreurUI(f"{path} : le mot de passe n'est pas du texte UTF-8.") from exc
    if len(password) < PASSWORD_MIN:
        raise ErreurUI(f"{path} : mot de passe trop court ({len(password)} caractère(s), au moins {PASSWORD_MIN}).")
    return password


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host.strip("[]"), port), family=family)
    except OSError as exc:
        raise ErreurUI(f"impossible d'écouter sur {host}:{port} ({exc.strerror}) : port déjà pris ? "
                       f"Choisir un autre port avec --port.") from exc


def _die_with_parent(parent: int) -> None:
    """In the daemon, between fork and exec: SIGTERM when this process dies, default signal handlers (a
    background shell leaves SIGINT ignored, and the daemon maps SIGTERM to its SIGINT handler)."""
    import ctypes

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(1)


def start_daemon(log_level: str = "warning") -> subprocess.Popen:
    parent = os.getpid()
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster-daemon")), "run", "-w", str(WORKSPACE),
         "--log-level", log_level],
        cwd=ROOT, env=os.environ.copy(), preexec_fn=lambda: _die_with_parent(parent))


def stop_daemon(daemon: subprocess.Popen, timeout: float = 30) -> None:
    if daemon.poll() is None:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()


def prepare_environment(milo_home: Path) -> Path:
    """MILO_HOME and the folders of the environment as absolute paths (the daemon, the code servers and the runs
    inherit them); the Dagster instance of MILO_HOME. Returns DAGSTER_HOME."""
    milo_home.mkdir(parents=True, exist_ok=True)
    os.environ["MILO_HOME"] = str(milo_home)
    for variable in ("MILO_EXPORTS", "MILO_OUT", "MILO_WAREHOUSE"):
        if os.environ.get(variable):
            os.environ[variable] = str(Path(os.environ[variable]).resolve())
    home = prepare_dagster_home(dagster_home(milo_home))
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _raise_arret(signum, frame) -> None:
    raise Arret(signum)


def serve(app, sock: socket.socket, daemon: subprocess.Popen) -> int:
    """uvicorn until SIGINT/SIGTERM (uvicorn stops gracefully, then raises the signal again: our handler turns
    it into Arret) or until the daemon dies (status 1)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", ws="auto"))
    daemon_died = threading.Event()

    def watch() -> None:
        daemon.wait()
        if not server.should_exit:
            daemon_died.set()
            server.should_exit = True

    threading.Thread(target=watch, daemon=True, name="daemon-watch").start()
    previous = {sig: signal.signal(sig, _raise_arret) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    except Arret:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if daemon_died.is_set():
        print(f"Erreur : le daemon Dagster s'est arrêté (code {daemon.returncode}) ; interface arrêtée.",
              file=sys.stderr)
        return EXIT_ECHEC
    return EXIT_OK


def commande_ui(args: argparse.Namespace) -> int:
    try:
        milo_home = Path(getattr(args, "milo_home", None) or os.environ.get("MILO_HOME") or "data").resolve()
        hosts = allowed_hosts(args.host, args.allowed_host)
        for nom in hosts:
            try:
                split_host(nom)
            except ValueError:
                raise ErreurUI(f"« {nom} » : attendu un nom d'hôte ou une adresse, éventuellement suivi de :port "
                               f"(ex. milo.interne ou milo.interne:8443).") from None
        if not hosts:
            raise ErreurUI(f"--host {args.host} écoute sur toutes les adresses : donner avec --allowed-host le nom "
                           f"(ou l'adresse) sous lequel l'interface est atteinte.")
        if not 0 < args.port < 65536:
            raise ErreurUI(f"--port {args.port} : un port de 1 à 65535.")
        password = read_password(milo_home / PASSWORD_FILE)
        home = prepare_environment(milo_home)
        sock = bind(args.host, args.port)
    except ErreurUI as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_USAGE

    import warnings

    warnings.filterwarnings("ignore")
    from dagster import DagsterInstance
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import WorkspaceFileTarget
    from dagster_webserver.app import create_app_from_workspace_process_context
    from dagster_webserver.version import __version__

    daemon = start_daemon()
    try:
        with DagsterInstance.get() as instance:
            # what `dagster-webserver` does for a long-running server (its defaults)
            instance.optimize_for_webserver(statement_timeout=15000, pool_recycle=3600, max_overflow=20)
            context = WorkspaceProcessContext(instance, version=__version__, read_only=False,
                                              code_server_log_level="WARNING",
                                              workspace_load_target=WorkspaceFileTarget(paths=[str(WORKSPACE)]))
            with context:
                app = Garde(create_app_from_workspace_process_context(context), hosts=hosts, port=args.port,
                            password=password)
                host = f"[{args.host}]" if ":" in args.host else args.host
                print(f"Interface Dagster : http://{host}:{args.port}  (MILO_HOME={milo_home}, DAGSTER_HOME={home}"
                      + (f", mot de passe : {milo_home / PASSWORD_FILE}" if password else "")
                      + ") ; Ctrl-C pour arrêter", flush=True)
                return serve(app, sock, daemon)
    except Arret:
        return EXIT_OK
    finally:
        sock.close()
        stop_daemon(daemon)
