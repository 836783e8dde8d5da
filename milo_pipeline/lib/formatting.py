"""French typography for numbers, amounts, percentages, dates and periods, through Babel (locale fr_FR).

Pure functions used by the report (as Jinja2 filters), the charts, the extracts and the Dagster previews. Rules:
- thousands separator U+202F (narrow no-break space: fr_FR's group symbol in Babel), decimal comma;
- « % » and « € » follow the number after U+202F. Babel's fr_FR patterns put U+00A0 there ("51,3\u00a0%",
  "110\u202f406,00\u00a0€"); we keep U+202F, the French typographic rule the report has always used, by
  writing the number with Babel and the sign ourselves (`fr_pct`, `fr_eur`);
- rounding half away from zero, computed on the value's decimal representation with `Decimal`
  (51.25 → "51,3", 0.05 → "0,1"), before Babel formats (Babel rounds half to even: 51.25 → "51,2");
- a missing value (None or NaN) → "–" (en dash);
- negative numbers start with "-" (hyphen-minus, fr_FR's minus sign); a value that rounds to zero never
  carries a sign (-0.04 → "0,0");
- month names and numeric dates come from Babel; the first day of a month is written "1er" (Babel writes "1");
- a value hidden by disclosure control (`"s"` in a masked table, or a `Masque`) is written
  « s », or « < k » for a count masked because it is from 1 to k−1 (`Masque(seuil=k)`), in
  every unit: it is never formatted, summed or drawn as a number.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "fr_FR"

ESPACE_FINE = "\u202f"
ESPACE_INSECABLE = "\u00a0"
ABSENT = "–"
MASQUE = "s"  # the mark of a masked value in a masked indicator table (lib/suppression.py)


@dataclass(frozen=True)
class Masque:
    """A value hidden by disclosure control. `seuil` = k for a count masked because it is from 1 to k−1 (written
    « < k »: true of that count); None for any other masked value (a share, an amount, a count masked by
    secondary suppression, whose true value may be large), written « s »."""

    seuil: int | None = None

    def __str__(self) -> str:
        return f"<{ESPACE_INSECABLE}{self.seuil}" if self.seuil else MASQUE


def masque(v: object) -> Masque | None:
    """The Masque of a masked value (`"s"` → Masque()), None for any other value."""
    if isinstance(v, Masque):
        return v
    return Masque() if isinstance(v, str) and v == MASQUE else None


def est_masque(v: object) -> bool:
    return masque(v) is not None

UNITES = ("nb", "pct", "eur", "mois", "ratio")


def _decimal(v: object) -> Decimal | None:
    """The exact Decimal of a number's decimal representation (None for None or NaN)."""
    if v is None:
        return None
    try:
        d = v if isinstance(v, Decimal) else Decimal(str(v))
    except InvalidOperation as exc:
        raise ValueError(f"Valeur non numérique à mettre en forme : {v!r}") from exc
    if d.is_nan():
        return None
    if d.is_infinite():
        raise ValueError(f"Valeur infinie à mettre en forme : {v!r}")
    return d


def arrondi(v: object, decimales: int = 0) -> Decimal | None:
    """Round half away from zero to `decimales` places (None/NaN → None)."""
    d = _decimal(v)
    if d is None:
        return None
    return d.quantize(Decimal(1).scaleb(-decimales), rounding=ROUND_HALF_UP)


def fr_nombre(v: object, decimales: int = 0) -> str:
    """1571 → "1 571"; 1234.56 with one decimal → "1 234,6" (U+202F between groups)."""
    if (m := masque(v)) is not None:
        return str(m)
    d = arrondi(v, decimales)
    if d is None:
        return ABSENT
    motif = "#,##0" + ("." + "0" * decimales if decimales else "")
    return format_decimal(abs(d) if d == 0 else d, format=motif, locale=LOCALE)


def _suivi_de(v: object, decimales: int, signe: str) -> str:
    """The number, U+202F, then `signe` ("%", "€", "mois"); a mark or « – » alone."""
    texte = fr_nombre(v, decimales)
    return texte if texte == ABSENT or masque(v) is not None else f"{texte}{ESPACE_FINE}{signe}"


def fr_pct(v: object, decimales: int = 1) -> str:
    """51.25 → "51,3 %" (one decimal, U+202F before the sign)."""
    return _suivi_de(v, decimales, "%")


def fr_eur(v: object, decimales: int = 0) -> str:
    """110406 → "110 406 €"."""
    return _suivi_de(v, decimales, "€")


def fr_evolution(v: object) -> str:
    """A change in %, always signed: 16.67 → "+16,7 %", -7.95 → "-8,0 %" (hyphen-minus), 0 → "0,0 %"."""
    if (m := masque(v)) is not None:
        return str(m)
    d = arrondi(v, 1)
    if d is None:
        return ABSENT
    return ("+" if d > 0 else "") + fr_pct(v)


def fr_ecart_points(v: object) -> str:
    """A difference of two shares in percentage points, always signed: 1.3 → "+1,3 pt", -0.25 → "-0,3 pt",
    0 → "0,0 pt" (U+202F before « pt »)."""
    if (m := masque(v)) is not None:
        return str(m)
    d = arrondi(v, 1)
    if d is None:
        return ABSENT
    return ("+" if d > 0 else "") + _suivi_de(v, 1, "pt")


def fr_valeur(v: object, unite: str) -> str:
    """An indicator value in its unit: nb; pct; eur (cents shown unless whole euros: "110 406 €",
    "326,38 €"); mois (one decimal + "mois"); ratio (one decimal). A masked value: « s » or « < k »."""
    if unite not in UNITES:
        raise ValueError(f"Unité d'indicateur inconnue : {unite!r} (attendu : nb, pct, eur, mois, ratio)")
    if (m := masque(v)) is not None:
        return str(m)
    if unite == "nb":
        return fr_nombre(v)
    if unite == "pct":
        return fr_pct(v)
    if unite == "eur":
        centimes = arrondi(v, 2)
        return fr_eur(v, 0 if centimes is None or centimes == centimes.to_integral_value() else 2)
    if unite == "mois":
        return _suivi_de(v, 1, "mois")
    return fr_nombre(v, 1)


def _jour(d: date) -> str:
    return "1er" if d.day == 1 else str(d.day)


def _mois(d: date) -> str:
    """"décembre 2024"."""
    return format_date(d, "MMMM y", locale=LOCALE)


def fr_date(d: date | None) -> str:
    """date(2024, 12, 31) → "31 décembre 2024"; the first day of a month is written "1er"."""
    if d is None:
        return ABSENT
    return f"{_jour(d)} {_mois(d)}"


def fr_date_courte(d: date | None) -> str:
    """date(2024, 1, 26) → "26/01/2024"."""
    return ABSENT if d is None else format_date(d, "short", locale=LOCALE)


def fr_jours(debut: date | None, fin: date | None = None) -> str:
    """The day(s) of an event: "26/01/2024", "22/04 – 26/04/2024", "30/12/2024 – 02/01/2025"."""
    if debut is None:
        return ABSENT
    if fin is None or fin == debut:
        return fr_date_courte(debut)
    if fin.year == debut.year:
        return f"{format_date(debut, 'dd/MM', locale=LOCALE)} – {fr_date_courte(fin)}"
    return f"{fr_date_courte(debut)} – {fr_date_courte(fin)}"


def fr_periode(debut: date | None, fin: date | None) -> str:
    """The French label of a period [debut, fin], both days included.

    Calendar year → "année 2024"; whole month → "mars 2024"; one day → "le 3 mars 2024";
    otherwise "du 1er janvier au 31 mars 2024", "du 3 au 17 mars 2024" or
    "du 15 décembre 2023 au 14 janvier 2024".
    """
    if debut is None or fin is None:
        return ABSENT
    if fin < debut:
        raise ValueError(f"Période invalide : la fin ({fin}) précède le début ({debut})")
    if debut == fin:
        return f"le {fr_date(debut)}"
    if debut == date(debut.year, 1, 1) and fin == date(debut.year, 12, 31):
        return f"année {debut.year}"
    dernier_jour = calendar.monthrange(debut.year, debut.month)[1]
    if (debut.year, debut.month) == (fin.year, fin.month):
        if debut.day == 1 and fin.day == dernier_jour:
            return _mois(debut)
        return f"du {_jour(debut)} au {fr_date(fin)}"
    if debut.year == fin.year:
        return f"du {_jour(debut)} {format_date(debut, 'MMMM', locale=LOCALE)} au {fr_date(fin)}"
    return f"du {fr_date(debut)} au {fr_date(fin)}"


def fr_texte(texte: str | None) -> str:
    """French spacing in running text: no line break inside « … » nor before : ; ! ? %.

    The spaces after « and before » or : become U+00A0, before ; ! ? % U+202F.
    """
    if texte is None:
        return ""
    texte = re.sub(r"«\s+", "«" + ESPACE_INSECABLE, texte)
    texte = re.sub(r"\s+([»:])", ESPACE_INSECABLE + r"\1", texte)
    return re.sub(r"\s+([;!?%])", ESPACE_FINE + r"\1", texte)
