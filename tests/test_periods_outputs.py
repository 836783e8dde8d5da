"""Periods of a run and the output contract of indicateurs.csv."""

from datetime import date

import pytest

from milo_pipeline.lib.outputs import PublicationImpossible, format_valeur, indicateurs_csv, publish, write_atomic
from milo_pipeline.lib.periods import (
    Periode,
    from_partition_keys,
    from_window,
    parse_period,
    partition_keys,
    periods_to_compute,
)
from milo_pipeline.lib.report.run import SourcesRapport


def test_parse_period():
    assert parse_period("2024") == Periode(date(2024, 1, 1), date(2024, 12, 31))
    assert parse_period("2024-02") == Periode(date(2024, 2, 1), date(2024, 2, 29))
    for bad in ("24", "2024-13", "2024/03", "mars"):
        with pytest.raises(ValueError, match="période invalide"):
            parse_period(bad)


def test_month_comes_with_its_year_to_date():
    mars = parse_period("2024-03")
    assert periods_to_compute(mars) == [mars, Periode(date(2024, 1, 1), date(2024, 3, 31))]
    assert periods_to_compute(parse_period("2024-01")) == [parse_period("2024-01")]
    assert periods_to_compute(parse_period("2024")) == [parse_period("2024")]


def test_labels_and_partition_keys():
    assert parse_period("2024").label == "2024"
    assert parse_period("2024-03").label == "2024-03"
    assert from_window(date(2024, 1, 1), date(2024, 4, 1)).label == "2024-01-01_2024-03-31"
    assert partition_keys(parse_period("2024")) == ("2024-01-01", "2024-12-01")
    assert partition_keys(parse_period("2024-03")) == ("2024-03-01", "2024-03-01")


@pytest.mark.parametrize(("valeur", "unite", "texte"), [
    (1571, "nb", "1571"), (1571.0, "nb", "1571"), (51.25, "pct", "51.3"), (0.05, "pct", "0.1"),
    (33.333333, "pct", "33.3"), (326.375, "eur", "326.38"), (None, "pct", ""), (5.0, "ratio", "5.0"),
    (100.0, "pct", "100.0"),
])
def test_format_valeur(valeur, unite, texte):
    assert format_valeur(valeur, unite) == texte


def test_indicateurs_csv_and_atomic_write(tmp_path):
    rows = [
        {"periode_debut": date(2024, 1, 1), "periode_fin": date(2024, 12, 31), "indicateur": "pa_nb_jeunes",
         "modalite": None, "valeur": 3, "unite": "nb"},
        {"periode_debut": date(2024, 1, 1), "periode_fin": date(2024, 12, 31), "indicateur": "pa_hebergement_pct",
         "modalite": "Foyer, CHRS, hôtel", "valeur": 33.3, "unite": "pct"},
    ]
    data = indicateurs_csv(rows)
    assert data.decode("utf-8") == (
        "periode_debut,periode_fin,indicateur,modalite,valeur,unite\n"
        "2024-01-01,2024-12-31,pa_nb_jeunes,,3,nb\n"
        '2024-01-01,2024-12-31,pa_hebergement_pct,"Foyer, CHRS, hôtel",33.3,pct\n'
    )
    path = write_atomic(tmp_path / "out" / "indicateurs.csv", data)
    assert path.read_bytes() == data
    assert [p.name for p in path.parent.iterdir()] == ["indicateurs.csv"]


def test_publish_moves_a_staging_tree_into_place(tmp_path):
    staging, out = tmp_path / "staging", tmp_path / "out"
    (staging / "extraits" / "caf").mkdir(parents=True)
    (staging / "indicateurs.csv").write_bytes(b"new")
    (staging / "extraits" / "caf" / "caf.csv").write_bytes(b"caf")
    out.mkdir()
    (out / "indicateurs.csv").write_bytes(b"old")
    (out / "autre.pdf").write_bytes(b"kept")
    published = publish(staging, out)
    assert [p.relative_to(out).as_posix() for p in published] == ["extraits/caf/caf.csv", "indicateurs.csv"]
    assert (out / "indicateurs.csv").read_bytes() == b"new" and (out / "autre.pdf").read_bytes() == b"kept"
    assert sorted(p.name for p in out.rglob("*")) == ["autre.pdf", "caf", "caf.csv", "extraits", "indicateurs.csv"]


def test_publish_failing_midway_leaves_every_previous_output(tmp_path):
    """The second file cannot be written (its folder's name is taken by a file): nothing is replaced, not even
    the first file, and no temporary file is left."""
    staging, out = tmp_path / "staging", tmp_path / "out"
    (staging / "sous").mkdir(parents=True)
    (staging / "a.csv").write_bytes(b"new a")
    (staging / "sous" / "b.pdf").write_bytes(b"new b")
    out.mkdir()
    (out / "a.csv").write_bytes(b"old a")
    (out / "sous").write_bytes(b"old sous")
    with pytest.raises(PublicationImpossible, match="rien n'a été publié"):
        publish(staging, out)
    assert (out / "a.csv").read_bytes() == b"old a" and (out / "sous").read_bytes() == b"old sous"
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "sous"]


def test_a_range_of_partition_keys_is_its_period():
    assert from_partition_keys("2024-01-01", "2024-12-01") == parse_period("2024")
    assert from_partition_keys("2024-02-01T00:00:00+01:00", "2024-02-01") == parse_period("2024-02")
    with pytest.raises(ValueError):
        from_partition_keys("2024-01", "2024-02")


def test_the_report_warns_of_texts_and_sections_it_could_not_show_the_dashboard_does_not():
    contexte = {"textes_ignores": ["epci_inconnu"],
                "sections": [{"titre": "Parrainage", "absent": "Données non disponibles pour la période."},
                             {"titre": "Emploi", "absent": None}]}
    annee = SourcesRapport(parse_period("2024"), [], [], [], [], {}, {}, [])
    assert annee.avertissements(contexte) == [
        "saisies/textes/epci_inconnu.md : aucune section du rapport ne correspond (territoire inconnu ?), texte non "
        "repris",
        "Rapport, section « Parrainage » : Données non disponibles pour la période."]
    mois = SourcesRapport(parse_period("2024-03"), [], [], [], [], {}, {}, [])
    assert mois.avertissements(contexte) == []
