"""One writer per MILO_HOME: an exclusive lock on MILO_HOME/verrou, held for the whole of a run or a purge.

Every command that writes under MILO_HOME (the CLI's `run`, `demo`, `purge`, and each run launched from the UI,
its daemon, a sensor or a schedule: the `milo` resource takes it in the run's process) holds the lock from start
to end. A second writer waits, saying for what (« MILO_HOME est utilisé par le run … (pid 1234, démarré à
10:02) : attente… »), or with `--no-wait` fails at once (`VerrouOccupe`, exit 1 in the CLI).

`fcntl.flock` is released by the kernel when the holder's process ends, however it ends (SIGKILL included):
a killed holder never leaves a stale lock, and there is nothing to take over. The file itself only says who
holds the lock (pid, command, start time): its content is informative, the lock is the flock.

Re-entrant within a process: the CLI holds the lock and then executes its Dagster run in the same process, whose
`milo` resource asks for it again; flock locks belong to an open file description, so a second open() in the
same process would wait for itself forever. A process that already holds the lock of a MILO_HOME gets it again
at once (a counter), and may update what the file says (the run id once it is known).

The file is opened without following a symbolic link (O_NOFOLLOW), must be a regular file (fstat on the open
descriptor), is created 0600, and its descriptor is not inherited by child processes (O_CLOEXEC): a dbt child
that outlived its parent could otherwise keep the lock held.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

NOM = "verrou"
ATTENTE_S = 0.2  # how often a waiting writer tries again (and notices a new holder)


class VerrouOccupe(RuntimeError):
    """The lock is held by another process and the caller chose not to wait; str() is the French message."""


class VerrouImpossible(RuntimeError):
    """MILO_HOME/verrou cannot be used (a link, a folder, no permission); str() is the French message."""


@dataclass
class _Tenu:
    fd: int
    profondeur: int


_TENUS: dict[Path, _Tenu] = {}
_GARDE = threading.Lock()


def chemin(milo_home: Path) -> Path:
    return Path(milo_home).resolve() / NOM


def _ouvrir(path: Path) -> int:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and not os.path.lexists(path):
            # a MILO_HOME where no file can be created (read-only, immutable): the folder itself is locked (flock
            # works on a directory), without the holder's name
            return os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        if exc.errno == errno.ELOOP:
            raise VerrouImpossible(f"{path} est un lien symbolique : refusé (le verrou de MILO_HOME doit être un "
                                   "fichier ordinaire ; le supprimer)") from None
        raise VerrouImpossible(f"verrou {path} inutilisable : {exc.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode) and not os.path.samestat(os.fstat(fd), os.stat(path.parent)):
        os.close(fd)
        raise VerrouImpossible(f"{path} n'est pas un fichier ordinaire : refusé (le supprimer)")
    return fd


def _lire(fd: int) -> dict:
    try:
        return json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (ValueError, OSError):
        return {}


def _ecrire(fd: int, info: dict) -> None:
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        return  # the folder itself is locked (_ouvrir): nowhere to name the holder
    data = json.dumps(info, ensure_ascii=False).encode("utf-8")
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def description(info: dict) -> str:
    """« le run 1a2b3c4d (milo-pipeline run --period 2024) (pid 1234, démarré à 10:02) », or a plain « un autre
    processus » when the holder has not written yet."""
    if not info.get("pid"):
        return "un autre processus"
    quoi = info.get("commande") or "un autre processus"
    if info.get("run"):
        quoi = f"le run {str(info['run'])[:8]} ({quoi})"
    debut = ""
    with contextlib.suppress(ValueError, TypeError):
        debut = f", démarré à {datetime.fromisoformat(info['debut']):%H:%M}"
    return f"{quoi} (pid {info['pid']}{debut})"


def message_occupe(milo_home: Path, info: dict, attendre: bool) -> str:
    suite = "attente de la fin de celui-ci…" if attendre else "rien n'a été fait (sans --no-wait, la commande " \
        "attend la fin du run en cours)"
    return f"MILO_HOME ({Path(milo_home).resolve()}) est utilisé par {description(info)} : {suite}"


def tenu(milo_home: Path) -> bool:
    """Whether this process holds the lock of `milo_home`."""
    return chemin(milo_home) in _TENUS


def decrire(milo_home: Path, **champs) -> None:
    """Update what the lock file says about its holder (this process must hold it): e.g. the run id."""
    with _GARDE:
        tenu_ = _TENUS.get(chemin(milo_home))
        if tenu_ is not None:
            _ecrire(tenu_.fd, {**_lire(tenu_.fd), **{k: v for k, v in champs.items() if v is not None}})


@contextlib.contextmanager
def verrou(milo_home: Path, commande: str, attendre: bool = True,
           annoncer: Callable[[str], None] | None = None, **champs) -> Iterator[None]:
    """Hold the lock of `milo_home` for the block. Busy: `attendre` → `annoncer(message)` once per holder, then
    wait; else VerrouOccupe. `champs` (e.g. run=...) are written with the pid, command and start time."""
    path = chemin(milo_home)
    with _GARDE:
        deja = _TENUS.get(path)
        if deja is not None:
            deja.profondeur += 1
    if deja is not None:
        try:
            decrire(milo_home, **champs)
            yield
        finally:
            with _GARDE:
                deja.profondeur -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _ouvrir(path)
    try:
        annonce = None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                info = _lire(fd)
                if not attendre:
                    raise VerrouOccupe(message_occupe(milo_home, info, attendre=False)) from None
                message = message_occupe(milo_home, info, attendre=True)
                if message != annonce and annoncer is not None:
                    annoncer(message)
                annonce = message
                time.sleep(ATTENTE_S)
        _ecrire(fd, {"pid": os.getpid(), "commande": commande, "debut": datetime.now().isoformat(timespec="seconds"),
                     **{k: v for k, v in champs.items() if v is not None}})
        with _GARDE:
            _TENUS[path] = _Tenu(fd, 1)
        try:
            yield
        finally:
            with _GARDE:
                del _TENUS[path]
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)  # no holder any more: nothing to say
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def nettoyer_restes(milo_home: Path, run_courant: str) -> list[Path]:
    """Removes what killed runs of this MILO_HOME left (the caller holds its lock: no other run is writing): their
    dbt target folders (`dbt/run-<id>`), the temporary files of the archive and of the run folders (never the run
    folders themselves: config/conservation.yaml keeps them), and the ingestion's temporary folders of this user
    older than a day (they live in the system's temporary folder, shared with other MILO_HOMEs: the age tells a dead
    run's from a live one's). Returns what it removed."""
    restes = [p for p in (milo_home / "dbt").glob("run-*") if p.name != f"run-{run_courant}"]
    restes += [p for p in (milo_home / "archive").glob("*/.archive-*.part")]
    restes += [p for p in (milo_home / "runs").glob("*/.*.tmp")]
    limite = time.time() - 86400
    for p in Path(tempfile.gettempdir()).glob("milo-ingestion-*"):
        with contextlib.suppress(OSError):
            etat = p.lstat()
            if etat.st_uid == os.getuid() and etat.st_mtime < limite:
                restes.append(p)
    for p in restes:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                p.unlink()
    return restes
