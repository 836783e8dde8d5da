"""Retention of what MILO_HOME keeps of the youths: the raw exports archived in `archive/<sha256>/` (names,
phones, addresses: the files as received) and the run folders `runs/<run id>/` (rejection reports, Data Docs,
staged outputs).

`purger(milo_home, avant)` removes every entry of those two folders dated before `avant` and says what it
removed (`Purge`: folder names, file counts, sizes; never a file's content). The date of an entry:

- `archive/<sha256>/`: the date written in the names of its files (`jeunes_2025-01-15.csv`, the day i-milo
  exported it: it survives a copy or a restore of MILO_HOME, which resets file times), else the day the file was
  archived (its mtime, local time); a folder holding several names of the same content takes the latest date.
- `runs/<run id>/`: the last day the run wrote in it (the newest mtime of the folder and of what it holds).

Safety: entries are listed with `os.scandir` directly in MILO_HOME/archive and MILO_HOME/runs, never through a
link. If `archive` or `runs` is itself a symbolic link it is not walked (nothing removed, a warning). A link
found in them is removed as a link (`os.unlink`: its target is untouched); a folder is removed by
`shutil.rmtree`, which on Linux works on file descriptors and never follows a link inside. Nothing outside
these two folders is ever removed: not the warehouse, not the key, not the outputs (an entry that is or holds a
protected path — `proteges` — is kept).

The retention period (`config/conservation.yaml`, `retention.mois`) is applied by the CLI at the end of each
successful run: `avant` = today minus that many months (`avant_mois`).
"""

from __future__ import annotations

import calendar
import os
import re
import shutil
import stat
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

CONFIG = Path(__file__).resolve().parents[1] / "config" / "conservation.yaml"
DOSSIERS = ("archive", "runs")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class RetentionInvalide(ValueError):
    """config/conservation.yaml cannot be used (French message)."""


def lire_duree(path: Path = CONFIG) -> int | None:
    """`retention.mois` of the configuration: a whole number of months ≥ 1, or None (no automatic purge)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RetentionInvalide(f"{path} : fichier illisible ({type(exc).__name__})") from None
    retention = data.get("retention") if isinstance(data, dict) else None
    if not isinstance(retention, dict) or "mois" not in retention:
        raise RetentionInvalide(f"{path} : clé « retention.mois » absente (attendu par exemple « retention: "
                                "{mois: 24} »)")
    mois = retention["mois"]
    if mois is None:
        return None
    if isinstance(mois, bool) or not isinstance(mois, int) or mois < 1:
        raise RetentionInvalide(f"{path}, champ « retention.mois » : nombre de mois entier, au moins 1, attendu "
                                f"(valeur lue : « {mois} »)")
    return mois


def avant_mois(jour: date, mois: int) -> date:
    """The same day `mois` months earlier, the last day of that month if it is shorter (31/03 − 1 → 29/02)."""
    total = jour.year * 12 + jour.month - 1 - mois
    annee, numero = divmod(total, 12)
    return date(annee, numero + 1, min(jour.day, calendar.monthrange(annee, numero + 1)[1]))


def date_dans_le_nom(nom: str) -> date | None:
    """The first valid AAAA-MM-JJ of a file name (`jeunes_2025-01-15.csv` → 2025-01-15), else None."""
    for m in _DATE.finditer(nom):
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
    return None


def _jour(st: os.stat_result) -> date:
    return datetime.fromtimestamp(st.st_mtime).date()


@dataclass(frozen=True)
class Element:
    """One entry of archive/ or runs/: `chemin` relative to MILO_HOME (`archive/<sha256>`, `runs/<run id>`)."""

    chemin: str
    date: date
    fichiers: int
    octets: int


@dataclass
class Purge:
    avant: date
    supprimes: list[Element] = field(default_factory=list)
    avertissements: list[str] = field(default_factory=list)

    def compte(self, dossier: str) -> tuple[int, int, int]:
        """(entries, files, bytes) removed from `dossier`."""
        elements = [e for e in self.supprimes if e.chemin.split("/")[0] == dossier]
        return len(elements), sum(e.fichiers for e in elements), sum(e.octets for e in elements)

    def resume(self) -> str:
        """One line: « 2 export(s) archivé(s) (3 fichier(s), 12,4 Ko) et 1 dossier(s) de run (…) »."""
        a, r = self.compte("archive"), self.compte("runs")
        if not a[0] and not r[0]:
            return f"rien d'antérieur au {self.avant:%d/%m/%Y}"
        return (f"{a[0]} export(s) archivé(s) ({a[1]} fichier(s), {taille(a[2])}) et {r[0]} dossier(s) de run "
                f"({r[1]} fichier(s), {taille(r[2])}) antérieurs au {self.avant:%d/%m/%Y} supprimés")

    def lignes(self) -> list[str]:
        """The summary, then each folder removed with its date."""
        return [self.resume()] + [f"  {e.chemin} ({e.date:%d/%m/%Y}, {e.fichiers} fichier(s), {taille(e.octets)})"
                                  for e in self.supprimes]


def taille(octets: int) -> str:
    """French size: 512 o, 12,4 Ko, 3,1 Mo, 1,2 Go."""
    valeur, unite = float(octets), "o"
    for suivante in ("Ko", "Mo", "Go"):
        if valeur < 1024:
            break
        valeur, unite = valeur / 1024, suivante
    return f"{octets} o" if unite == "o" else f"{valeur:.1f}".replace(".", ",") + f" {unite}"


def _contenu(path: Path) -> tuple[list[tuple[str, os.stat_result]], os.stat_result]:
    """Every entry under a folder (names and lstat, links not followed) and the folder's own lstat."""
    entrees = []
    for racine, dossiers, fichiers in os.walk(path, onerror=lambda exc: None):
        for nom in dossiers + fichiers:
            try:
                entrees.append((nom, os.lstat(os.path.join(racine, nom))))
            except OSError:
                continue
    return entrees, os.lstat(path)


def dater(dossier: str, path: Path) -> Element:
    """The date, file count and size of one entry of archive/ or runs/ (see the module's docstring)."""
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):  # a file or a link directly in archive/ or runs/: not ours, dated alike
        jour = (date_dans_le_nom(path.name) if dossier == "archive" else None) or _jour(st)
        return Element(f"{dossier}/{path.name}", jour, 1, st.st_size if stat.S_ISREG(st.st_mode) else 0)
    entrees, st = _contenu(path)
    fichiers = [(nom, s) for nom, s in entrees if not stat.S_ISDIR(s.st_mode)]
    octets = sum(s.st_size for _, s in fichiers if stat.S_ISREG(s.st_mode))
    if dossier == "archive":
        jours = [date_dans_le_nom(nom) or _jour(s) for nom, s in fichiers] or [_jour(st)]
    else:
        jours = [_jour(s) for _, s in entrees] + [_jour(st)]
    return Element(f"{dossier}/{path.name}", max(jours), len(fichiers), octets)


def _protege(path: Path, proteges: list[str]) -> bool:
    """`path` is, or (a real folder) holds, a protected path."""
    reel = os.path.realpath(path) if not os.path.islink(path) else os.path.abspath(path)
    return any(p == reel or p.startswith(reel.rstrip(os.sep) + os.sep) for p in proteges)


def purger(milo_home: Path, avant: date, proteges: tuple[Path, ...] = (), simulation: bool = False) -> Purge:
    """Remove the entries of MILO_HOME/archive and MILO_HOME/runs dated before `avant` (strictly: an export of
    `avant` itself is kept). `proteges`: paths never removed (the warehouse, the key, the outputs, the exports).
    `simulation`: only say what would be removed."""
    home = Path(os.path.realpath(milo_home))
    reels = [os.path.realpath(p) for p in proteges]
    purge = Purge(avant)
    for dossier in DOSSIERS:
        base = home / dossier
        try:
            st = os.lstat(base)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(st.st_mode):
            purge.avertissements.append(f"{dossier}/ est un lien symbolique : non parcouru, rien n'y est supprimé.")
            continue
        if not stat.S_ISDIR(st.st_mode):
            continue
        with os.scandir(base) as it:
            noms = sorted(e.name for e in it)
        for nom in noms:
            path = base / nom
            try:
                element = dater(dossier, path)
            except FileNotFoundError:
                continue
            if element.date >= avant or _protege(path, reels):
                continue
            if not simulation:
                try:
                    _supprimer(path)
                except OSError as exc:
                    purge.avertissements.append(f"{element.chemin} : suppression impossible ({exc.strerror}).")
                    continue
            purge.supprimes.append(element)
    return purge


def _supprimer(path: Path) -> None:
    """A link or a file: unlinked (a link's target is untouched); a folder: removed without following links."""
    if stat.S_ISDIR(os.lstat(path).st_mode):
        shutil.rmtree(path)  # fd-based on Linux (rmtree.avoids_symlink_attacks): refuses a link at the top too
    else:
        os.unlink(path)
