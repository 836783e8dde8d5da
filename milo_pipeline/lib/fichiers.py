"""Files at rest: MILO_HOME private to the user running the pipeline, and input files that must be what they
seem (regular files, not symbolic links, FIFOs, devices or folders).

Private by default: every entry point that writes (the CLI, the Dagster code location) sets the process umask
to 0o077 before anything else, so whatever the pipeline, DuckDB, dbt or Dagster create is 0700 (folders) or
0600 (files). `proteger_milo_home` tightens a MILO_HOME created before that (by an older version, by hand):
MILO_HOME and what the pipeline keeps in it lose their group and other permission bits, symbolic links are never
followed.

Reading an input: `ouvrir_fichier_ordinaire` opens with O_NOFOLLOW (a symbolic link as the last component fails
with ELOOP instead of being followed) and O_NONBLOCK (opening a FIFO does not wait for a writer), then checks
through fstat that what was opened is a regular file. The check is on the open descriptor itself: a file
swapped for a link between the listing and the opening is refused too (no lstat-then-open race).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
from pathlib import Path
from typing import BinaryIO

UMASK_PRIVE = 0o077  # directories 0700, files 0600
_AUTRES = 0o077  # group and other permission bits
# what the pipeline keeps in MILO_HOME (the names of every version so far): tightened with all they hold
CREES = ("warehouse.duckdb", "warehouse.duckdb.wal", "pseudonymisation.key", "archive", "runs", "logs", "dagster",
         "dbt", "out", "landing", "demo", "docs_dbt")
_PROTEGES: set[str] = set()  # the MILO_HOMEs this process tightened (from then on, its umask keeps them private)


class FichierRefuse(ValueError):
    """An input that is not a regular file: `message` in French, without the file's name; str() names it."""

    def __init__(self, path: Path, message: str):
        self.message = message
        super().__init__(f"{Path(path).name} : {message}")


def nature(mode: int) -> str:
    """What a non-regular file is, in French (for the messages)."""
    if stat.S_ISLNK(mode):
        return "un lien symbolique"
    if stat.S_ISDIR(mode):
        return "un dossier"
    if stat.S_ISFIFO(mode):
        return "un tube nommé (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "un périphérique"
    if stat.S_ISSOCK(mode):
        return "une socket"
    return "un fichier spécial"


def message_refus(mode: int, quoi: str = "fichier", sujet: str | None = None) -> str:
    """« ce fichier est un lien symbolique : refusé (…) », « n'est pas un fichier ordinaire mais … : refusé »;
    `sujet` (a file name) instead of « ce fichier » when the message does not follow the name."""
    if stat.S_ISLNK(mode):
        return f"{sujet or 'ce ' + quoi} est un lien symbolique : refusé (y copier le {quoi} lui-même, pas un lien)"
    return f"{sujet + ' ' if sujet else ''}n'est pas un fichier ordinaire mais {nature(mode)} : refusé"


def refus(path: Path, quoi: str = "fichier", sujet: str | None = None) -> str | None:
    """Why `path` cannot be read as a `quoi`, or None. "fichier": anything but a regular file is refused;
    "dossier": a symbolic link is refused (whatever it points to). lstat: a link is never followed, a FIFO never
    opened. A missing path is not refused here (None)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode) or (quoi == "fichier" and not stat.S_ISREG(mode)):
        return message_refus(mode, quoi, sujet)
    return None


def ouvrir_fichier_ordinaire(path: Path) -> BinaryIO:
    """`open(path, "rb")` for a regular file only; raises FichierRefuse for a link, a FIFO, a device, a folder."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW on a symbolic link
            try:
                raise FichierRefuse(path, message_refus(os.lstat(path).st_mode)) from None
            except FileNotFoundError:
                pass
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FichierRefuse(path, message_refus(mode))
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def lire_fichier_ordinaire(path: Path) -> bytes:
    with ouvrir_fichier_ordinaire(path) as f:
        return f.read()


def proteger_milo_home(milo_home: Path) -> list[str]:
    """Remove the group and other permission bits of MILO_HOME and of what the pipeline keeps in it (`CREES`,
    recursively; symbolic links are neither followed nor changed). Anything else in MILO_HOME is left alone: a
    MILO_HOME chosen badly (a home folder, `/srv`) must not see unrelated files changed. MILO_HOME itself is
    not changed if it is `/` or the user's home folder. Returns a warning (French) when MILO_HOME stays open to
    others (owned by another user). A missing MILO_HOME is left alone: it will be created under the umask."""
    home = Path(milo_home)
    _PROTEGES.add(str(home))
    try:
        st = os.stat(home)  # MILO_HOME itself may be a link the user chose: its target is the working folder
    except FileNotFoundError:
        return []
    if not stat.S_ISDIR(st.st_mode):
        return [f"Attention : MILO_HOME={home} n'est pas un dossier."]
    if os.path.realpath(home) not in ("/", os.path.realpath(Path.home())):
        _retirer_acces_autres(home, st.st_mode)
    for nom in CREES:
        racine = home / nom
        try:
            mode = os.lstat(racine).st_mode
        except OSError:
            continue
        if stat.S_ISLNK(mode):
            continue
        _retirer_acces_autres(racine, mode)
        for dossier, dossiers, fichiers in os.walk(racine, onerror=lambda exc: None):  # never enters a link
            for entree in dossiers + fichiers:
                path = os.path.join(dossier, entree)
                try:
                    mode = os.lstat(path).st_mode
                except OSError:
                    continue
                if not stat.S_ISLNK(mode):
                    _retirer_acces_autres(Path(path), mode)
    mode = os.stat(home).st_mode
    if not mode & _AUTRES:
        return []
    return [f"Attention : MILO_HOME={home} est accessible à d'autres utilisateurs (droits {stat.filemode(mode)}) "
            "et ces droits n'ont pas pu être retirés (dossier d'un autre utilisateur ?). Les exports bruts et "
            f"l'entrepôt contiennent des données personnelles : « chmod 700 {home} » par son propriétaire, ou "
            "un autre MILO_HOME."]


def milo_home_protege() -> bool:
    """Whether this process already tightened a MILO_HOME: the CLI does it for its own before it loads the code
    location, which then has nothing left to do (and must not walk the default MILO_HOME of the environment)."""
    return bool(_PROTEGES)


def _retirer_acces_autres(path: Path, mode: int) -> None:
    if mode & _AUTRES:
        with contextlib.suppress(OSError):  # not ours: MILO_HOME itself is checked afterwards
            try:
                os.chmod(path, stat.S_IMODE(mode) & ~_AUTRES, follow_symlinks=False)
            except NotImplementedError:  # a libc without fchmodat(AT_SYMLINK_NOFOLLOW): `path` was lstat'ed
                os.chmod(path, stat.S_IMODE(mode) & ~_AUTRES)
