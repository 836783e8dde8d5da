"""Periods: what `--period 2024` or `--period 2024-03` and a Dagster partition window mean, and which periods a
set of exports can answer (from the first month of the history, config/periodes.yaml, to the exports' date)."""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

CONFIG = Path(__file__).resolve().parent.parent / "config" / "periodes.yaml"


@dataclass(frozen=True)
class Periode:
    debut: date
    fin: date
    comparaison: bool = field(default=False, compare=False)
    """Computed by dbt for the report's comparison only (the year before an annual run, `periodes_dbt`)."""

    @property
    def is_annee(self) -> bool:
        return self.debut == date(self.debut.year, 1, 1) and self.fin == date(self.debut.year, 12, 31)

    @property
    def is_mois(self) -> bool:
        dernier = calendar.monthrange(self.debut.year, self.debut.month)[1]
        return self.debut.day == 1 and self.fin == self.debut.replace(day=dernier)

    @property
    def label(self) -> str:
        """`2024`, `2024-03`, or `2024-01-01_2024-03-31`: used in output file names."""
        if self.is_annee:
            return str(self.debut.year)
        if self.is_mois:
            return self.debut.strftime("%Y-%m")
        return f"{self.debut.isoformat()}_{self.fin.isoformat()}"

    def as_var(self) -> dict[str, str | bool]:
        """The period in dbt's var `periodes` (int_periodes.sql)."""
        return {"debut": self.debut.isoformat(), "fin": self.fin.isoformat(),
                **({"comparaison": True} if self.comparaison else {})}


def parse_period(text: str) -> Periode:
    """`2024` → the calendar year; `2024-03` → the month."""
    if m := re.fullmatch(r"(\d{4})", text.strip()):
        year = int(m.group(1))
        return Periode(date(year, 1, 1), date(year, 12, 31))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text.strip()):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return Periode(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))
    raise ValueError(f"période invalide : « {text} » (attendu AAAA pour une année ou AAAA-MM pour un mois)")


def from_window(start: date, end_exclusive: date) -> Periode:
    """The period covered by a partition window [start, end)."""
    return Periode(start, end_exclusive - timedelta(days=1))


def un_an_avant(jour: date) -> date:
    """The same day a year before (29 February → 28 February)."""
    return jour.replace(year=jour.year - 1, day=min(jour.day, calendar.monthrange(jour.year - 1, jour.month)[1]))


def periods_to_compute(periode: Periode) -> list[Periode]:
    """A month is computed with its year to date (the monthly refresh); anything else alone."""
    if periode.is_mois and periode.debut.month > 1:
        return [periode, Periode(date(periode.debut.year, 1, 1), periode.fin)]
    return [periode]


def annee_precedente(periode: Periode) -> Periode | None:
    """The calendar year before a year (the N−1 of the annual report's comparisons); None for any other period."""
    if not periode.is_annee:
        return None
    return Periode(date(periode.debut.year - 1, 1, 1), date(periode.debut.year - 1, 12, 31))


def periode_comparee(periode: Periode) -> Periode | None:
    """The N−1 the exports themselves answer: the year before a year, when it starts at or after the first month
    of the history (config/periodes.yaml: i-milo exports hold the history); None otherwise (the report then
    reads N−1 from the register of what was published, lib/report/comparaison.py)."""
    precedente = annee_precedente(periode)
    return precedente if precedente is not None and precedente.debut >= debut_historique() else None


def periodes_dbt(periode: Periode) -> list[Periode]:
    """What dbt computes for a run: the run's periods (`periods_to_compute`, the published ones) and, for a year,
    the year before when the history covers it, for the comparisons of the report only: `indicateurs.csv` and the
    funders' extracts keep the run's periods (`du_run`)."""
    precedente = periode_comparee(periode)
    return periods_to_compute(periode) + ([replace(precedente, comparaison=True)] if precedente is not None else [])


def du_run(lignes: Iterable[dict], periode: Periode) -> list[dict]:
    """The rows (of `indicateurs`) of the run's own periods: without the year before computed for comparisons."""
    periodes = {(p.debut, p.fin) for p in periods_to_compute(periode)}
    return [r for r in lignes if (_jour(r["periode_debut"]), _jour(r["periode_fin"])) in periodes]


def _jour(valeur) -> date:
    return valeur.date() if isinstance(valeur, datetime) else valeur


def partition_keys(periode: Periode) -> tuple[str, str]:
    """First and last monthly partition keys (YYYY-MM-01) covering the period."""
    last = periode.fin.replace(day=1)
    return periode.debut.replace(day=1).isoformat(), last.isoformat()


def from_partition_keys(premiere: str, derniere: str) -> Periode:
    """The period of a range of monthly partition keys (`2024-01-01`…`2024-12-01` → the year 2024); ValueError if
    a key is not a date."""
    debut, fin = date.fromisoformat(premiere[:10]), date.fromisoformat(derniere[:10])
    return Periode(debut, fin.replace(day=calendar.monthrange(fin.year, fin.month)[1]))


FUSEAU = "Europe/Paris"
"""The time zone of the monthly partitions and of the monthly refresh."""


def mois_precedent(jour: date) -> str:
    """The monthly partition key of the month before `jour`."""
    return (jour.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat()


def mois_du_rafraichissement(instant: datetime) -> str:
    """The month the monthly refresh computes at `instant` (an aware datetime): the month before, in Paris."""
    return mois_precedent(instant.astimezone(ZoneInfo(FUSEAU)).date())


class PeriodeImpossible(ValueError):
    """A period the exports cannot answer (before the history, after the exports' date); str() is in French."""


@functools.cache
def debut_historique() -> date:
    """historique.debut of config/periodes.yaml (AAAA-MM): the first month of the partitions and of any period."""
    valeur = ((yaml.safe_load(CONFIG.read_text(encoding="utf-8")) or {}).get("historique") or {}).get("debut")
    if not (m := re.fullmatch(r"(\d{4})-(\d{2})", str(valeur).strip())) or not 1 <= int(m.group(2)) <= 12:
        raise PeriodeImpossible(f"{CONFIG}, historique.debut : « {valeur} » invalide (attendu AAAA-MM, par exemple "
                                "2022-01)")
    return date(int(m.group(1)), int(m.group(2)), 1)


MOTIF_DATE = r"\d{4}-\d{2}-\d{2}"
"""The date in an export's file name (jeunes_2025-01-15.csv), a regular expression for Python and DuckDB."""


def date_export(paths: Iterable[Path]) -> date:
    """The exports' date: the latest AAAA-MM-JJ of their file names (jeunes_2025-01-15.csv), else the day the
    last of them was modified."""
    paths = list(paths)
    dates = [m.group(0) for p in paths if (m := re.search(MOTIF_DATE, p.name))]
    if dates:
        return date.fromisoformat(max(dates))
    return datetime.fromtimestamp(max(p.stat().st_mtime for p in paths)).date()


def date_des_exports(dossier: Path) -> date | None:
    """The date of the exports found in `dossier` (one file per table of the input contract), None if there is
    none (the ingestion then says what is missing)."""
    from .contract import load_contract
    from .ingestion import CONTRACT
    from .readers import find_exports

    fichiers, _ = find_exports(Path(dossier), load_contract(CONTRACT))
    return date_export(fichiers.values()) if fichiers else None


def _libelle(periode: Periode) -> str:
    if periode.is_annee or periode.is_mois:
        return periode.label
    return f"du {periode.debut:%d/%m/%Y} au {periode.fin:%d/%m/%Y}"


def periodes_possibles(date_exports: date | None) -> str:
    """« de 2022-01 à 2024-12 (une année : 2022 à 2024) » for exports of 2025-01-15."""
    debut = debut_historique()
    if date_exports is None:
        return f"à partir de {debut:%Y-%m}"
    dernier = (date_exports + timedelta(days=1)).replace(day=1) - timedelta(days=1)  # last month ended by then
    if dernier < debut:
        return f"aucune : l'historique commence en {debut:%Y-%m}"
    texte = f"de {debut:%Y-%m} à {dernier:%Y-%m}"
    premiere, derniere = debut.year + (debut.month > 1), dernier.year - (dernier.month < 12)
    if premiere <= derniere:
        texte += f" (une année : {premiere} à {derniere})" if premiere < derniere else f" (une année : {premiere})"
    return texte


def verifier_periode(periode: Periode, date_exports: date | None) -> None:
    """PeriodeImpossible if the period starts before the history or ends after the exports' date: the message
    names the exports' date and the periods they can answer."""
    debut = debut_historique()
    raisons = []
    if periode.debut < debut:
        raisons.append(f"l'historique commence en {debut:%Y-%m} (config/periodes.yaml)")
    if date_exports is not None and periode.fin > date_exports:
        raisons.append(f"elle se termine après la date des exports ({date_exports:%d/%m/%Y}) : leurs chiffres "
                       "seraient faux ou nuls")
    if raisons:
        exports = f"exports du {date_exports:%d/%m/%Y}" if date_exports else "exports sans date"
        raise PeriodeImpossible(f"période {_libelle(periode)} impossible : {' ; '.join(raisons)}. Périodes possibles "
                                f"avec ces {exports} : {periodes_possibles(date_exports)}.")
