from datetime import date

import pytest

from milo_pipeline.lib.formatting import (
    Masque,
    fr_date,
    fr_date_courte,
    fr_eur,
    fr_evolution,
    fr_jours,
    fr_nombre,
    fr_pct,
    fr_periode,
    fr_texte,
    fr_valeur,
)

NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("valeur", "decimales", "attendu"),
    [
        (1571, 0, f"1{NNBSP}571"),
        (1571.0, 0, f"1{NNBSP}571"),
        (999, 0, "999"),
        (1234567.891, 0, f"1{NNBSP}234{NNBSP}568"),
        (1234.56, 1, f"1{NNBSP}234,6"),
        (0, 0, "0"),
        (2.5, 0, "3"),
        (-2.5, 0, "-3"),
        (-1571, 0, f"-1{NNBSP}571"),
        (-0.04, 1, "0,0"),
        (0.1 + 0.2, 2, "0,30"),
    ],
)
def test_fr_nombre(valeur, decimales, attendu):
    assert fr_nombre(valeur, decimales) == attendu


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [(51.25, f"51,3{NNBSP}%"), (0.05, f"0,1{NNBSP}%"), (51.3, f"51,3{NNBSP}%"), (100, f"100,0{NNBSP}%"),
     (-7.95, f"-8,0{NNBSP}%"), (26.25, f"26,3{NNBSP}%")],
)
def test_fr_pct_rounds_half_away_from_zero(valeur, attendu):
    assert fr_pct(valeur) == attendu


def test_babel_rounding_and_spaces_are_ours():
    """Babel rounds half to even and puts U+00A0 before « % » in fr_FR: the report keeps half away from zero and
    U+202F (these values differ between the two)."""
    assert fr_nombre(1571) == "1\u202f571"
    assert fr_pct(51.25) == "51,3\u202f%"  # Babel alone: "51,2"
    assert fr_nombre(2.5) == "3" and fr_nombre(0.5) == "1"  # Babel alone: "2", "0"
    assert fr_eur(1571) == "1\u202f571\u202f€"
    assert fr_nombre(1234567.5, 1) == "1\u202f234\u202f567,5"


def test_fr_date_courte_and_jours():
    assert fr_date_courte(date(2024, 1, 26)) == "26/01/2024"
    assert fr_jours(date(2024, 4, 22), date(2024, 4, 26)) == "22/04 – 26/04/2024"
    assert fr_jours(date(2024, 12, 30), date(2025, 1, 2)) == "30/12/2024 – 02/01/2025"
    assert fr_jours(date(2024, 3, 26), date(2024, 3, 26)) == "26/03/2024"


def test_fr_eur():
    assert fr_eur(110406) == f"110{NNBSP}406{NNBSP}€"
    assert fr_eur(509.004) == f"509{NNBSP}€"
    assert fr_eur(12.345, decimales=2) == f"12,35{NNBSP}€"


@pytest.mark.parametrize("fonction", [fr_nombre, fr_pct, fr_eur, fr_date])
def test_missing_value_is_an_en_dash(fonction):
    assert fonction(None) == "–"


def test_nan_is_missing():
    assert fr_nombre(float("nan")) == "–"
    assert fr_pct(float("nan")) == "–"


def test_non_numeric_value_is_an_error():
    with pytest.raises(ValueError, match="non numérique"):
        fr_nombre("abc")


def test_fr_valeur_by_unit():
    assert fr_valeur(1571, "nb") == f"1{NNBSP}571"
    assert fr_valeur(51.25, "pct") == f"51,3{NNBSP}%"
    assert fr_valeur(110406.0, "eur") == f"110{NNBSP}406{NNBSP}€"
    assert fr_valeur(326.375, "eur") == f"326,38{NNBSP}€"
    assert fr_valeur(509.001, "eur") == f"509{NNBSP}€"
    assert fr_valeur(5, "mois") == f"5,0{NNBSP}mois"
    assert fr_valeur(2.25, "ratio") == "2,3"
    assert fr_valeur(None, "mois") == "–"
    with pytest.raises(ValueError, match="Unité"):
        fr_valeur(1, "km")


def test_fr_date():
    assert fr_date(date(2026, 12, 3)) == "3 décembre 2026"
    assert fr_date(date(2024, 12, 31)) == "31 décembre 2024"
    assert fr_date(date(2025, 1, 1)) == "1er janvier 2025"
    assert fr_date(date(2024, 8, 15)) == "15 août 2024"


@pytest.mark.parametrize(
    ("debut", "fin", "attendu"),
    [
        (date(2024, 1, 1), date(2024, 12, 31), "année 2024"),
        (date(2024, 3, 1), date(2024, 3, 31), "mars 2024"),
        (date(2024, 2, 1), date(2024, 2, 29), "février 2024"),
        (date(2024, 1, 1), date(2024, 3, 31), "du 1er janvier au 31 mars 2024"),
        (date(2024, 3, 3), date(2024, 3, 17), "du 3 au 17 mars 2024"),
        (date(2023, 12, 15), date(2024, 1, 14), "du 15 décembre 2023 au 14 janvier 2024"),
        (date(2024, 3, 3), date(2024, 3, 3), "le 3 mars 2024"),
        (None, date(2024, 3, 3), "–"),
    ],
)
def test_fr_periode(debut, fin, attendu):
    assert fr_periode(debut, fin) == attendu


def test_fr_periode_rejects_an_inverted_period():
    with pytest.raises(ValueError, match="précède"):
        fr_periode(date(2024, 3, 1), date(2024, 2, 1))


def test_fr_texte_keeps_french_punctuation_attached():
    assert fr_texte("le statut « Présent » ; total : 5 %") == (
        "le statut «\u00a0Présent\u00a0»\u202f; total\u00a0: 5\u202f%"
    )
    assert fr_texte(None) == ""


# A value masked by disclosure control: « s », or « < k » for a count masked because it is from 1 to k−1.
@pytest.mark.parametrize("unite", ["nb", "pct", "eur", "mois", "ratio"])
def test_a_masked_value_is_written_as_its_mark_in_every_unit(unite):
    assert fr_valeur("s", unite) == "s"
    assert fr_valeur(Masque(), unite) == "s"
    assert fr_valeur(Masque(5), unite) == "<\u00a05"


def test_every_formatter_writes_a_mask_without_failing():
    for formateur in (fr_nombre, fr_pct, fr_eur, fr_evolution):
        assert formateur("s") == "s"
        assert formateur(Masque(7)) == "<\u00a07"
    with pytest.raises(ValueError, match="Unité d'indicateur inconnue"):
        fr_valeur("s", "km")
    with pytest.raises(ValueError, match="non numérique"):
        fr_nombre("x")  # only « s » is a mark: any other text is still an error
