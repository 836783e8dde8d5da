"""Statistical disclosure control on small tables built by hand: primary suppression, populations (denominators),
zeros, the threshold, and secondary suppression where a naive masking leaks (checked by the linear-algebra audit
`recalculables`, which is what an attacker holding the published cells can solve)."""

import pytest

from milo_pipeline.lib.suppression import POPULATION, PRIMAIRE, SECONDAIRE, Cellule, Groupe, recalculables, secretiser


def effectifs(**valeurs) -> dict:
    return {k: Cellule(v) for k, v in valeurs.items()}


def test_primary_masks_counts_from_1_to_k_minus_1_and_keeps_zeros_and_empty_values():
    cellules = effectifs(zero=0, un=1, quatre=4, cinq=5, vide=None, grand=1200)
    assert secretiser(cellules, []) == {"un": PRIMAIRE, "quatre": PRIMAIRE}


@pytest.mark.parametrize(("seuil", "masquees"),
                         [(3, {"deux"}), (5, {"deux", "quatre"}), (11, {"deux", "quatre", "dix"})])
def test_threshold_is_configurable(seuil, masquees):
    cellules = effectifs(zero=0, deux=2, quatre=4, dix=10, onze=11)
    assert set(secretiser(cellules, [], seuil)) == masquees


def test_a_threshold_below_2_is_refused():
    with pytest.raises(ValueError, match="seuil"):
        secretiser(effectifs(a=1), [], 1)


def test_a_share_over_a_denominator_below_k_is_masked_and_over_k_published():
    cellules = {
        "petit_n": Cellule(4), "part_petit_n": Cellule(0, ("petit_n",)),
        "grand_n": Cellule(40), "part_grand_n": Cellule(20, ("grand_n",)),
        "n_nul": Cellule(0), "part_n_nul": Cellule(None, ("n_nul",)),
        "part_sans_n": Cellule(12, ("absent_du_tableau",)),
    }
    assert secretiser(cellules, []) == {"petit_n": PRIMAIRE, "part_petit_n": POPULATION, "part_sans_n": POPULATION}


def test_a_share_whose_numerator_is_a_small_count_is_masked_like_the_count():
    cellules = {"n": Cellule(150), "part_3_sur_150": Cellule(3, ("n",))}
    assert secretiser(cellules, []) == {"part_3_sur_150": PRIMAIRE}


def test_naive_suppression_of_a_single_cell_leaks_through_the_published_total():
    cellules = effectifs(total=53, a=3, b=20, c=30)
    groupe = Groupe(("a", "b", "c"), "total")
    assert recalculables([groupe], {"a"}) == {"a"}, "the naive pattern: a = total − b − c"

    motifs = secretiser(cellules, [groupe])

    assert motifs == {"a": PRIMAIRE, "b": SECONDAIRE}, "the smallest other non-zero part is masked"
    assert recalculables([groupe], motifs) == set()


def test_two_small_masked_cells_are_not_enough_when_their_sum_is_a_small_count():
    cellules = effectifs(total=33, a=1, b=2, c=30)
    motifs = secretiser(cellules, [Groupe(("a", "b", "c"), "total")])
    assert motifs == {"a": PRIMAIRE, "b": PRIMAIRE, "c": SECONDAIRE}, "total − c = 3 would say: 3 youths in a or b"


def test_zeros_stay_published_the_secondary_cell_is_a_non_zero_one():
    cellules = effectifs(total=42, a=2, b=0, c=0, d=40)
    motifs = secretiser(cellules, [Groupe(("a", "b", "c", "d"), "total")])
    assert motifs == {"a": PRIMAIRE, "d": SECONDAIRE}


def test_when_no_part_is_left_the_total_is_masked():
    cellules = effectifs(total=9, a=3, b=0, c=6)
    motifs = secretiser(cellules, [Groupe(("a", "b", "c"), "total")])
    assert motifs == {"a": PRIMAIRE, "c": SECONDAIRE}
    cellules = effectifs(total=9, a=3, b=0)  # a distinct count below the sum of its parts, say
    motifs = secretiser(cellules, [Groupe(("a", "b"), "total")])
    assert motifs == {"a": PRIMAIRE, "total": SECONDAIRE}
    assert recalculables([Groupe(("a", "b"), "total")], motifs) == set()


def test_a_masked_total_needs_a_masked_part_otherwise_it_is_their_sum():
    cellules = {"total": Cellule(12, ("population_absente",)), "a": Cellule(5), "b": Cellule(7)}
    motifs = secretiser(cellules, [Groupe(("a", "b"), "total")])
    assert motifs == {"total": POPULATION, "a": SECONDAIRE}


def test_a_total_known_outside_the_table_is_protected_against_too():
    cellules = effectifs(qpv1=3, qpv2=25, qpv3=0)
    groupe = Groupe(("qpv1", "qpv2", "qpv3"))
    assert recalculables([groupe], {"qpv1"}) == {"qpv1"}
    assert secretiser(cellules, [groupe]) == {"qpv1": PRIMAIRE, "qpv2": SECONDAIRE}


def test_nested_breakdowns_a_secondary_subtotal_is_protected_in_its_own_breakdown():
    # programmes under Ensemble; exits by reason under each programme
    cellules = effectifs(ensemble=60, cej=30, pacea=27, autre=3,
                         cej_emploi=20, cej_formation=10, pacea_emploi=2, pacea_abandon=25)
    groupes = [Groupe(("cej", "pacea", "autre"), "ensemble"),
               Groupe(("cej_emploi", "cej_formation"), "cej"),
               Groupe(("pacea_emploi", "pacea_abandon"), "pacea")]
    motifs = secretiser(cellules, groupes)
    assert {"autre", "pacea_emploi"} <= set(motifs)
    assert recalculables(groupes, motifs) == set()
    for groupe in groupes:
        masquees = [p for p in groupe.parties if p in motifs]
        assert len(masquees) != 1 or groupe.total in motifs


def test_a_cycle_of_groups_each_with_two_masked_cells_still_leaks_and_is_closed_by_the_audit():
    # a + b, a + c and b + c published: each group has two masked cells, yet a = (x + y − z) / 2
    cellules = effectifs(a=2, b=3, c=4, x=5, y=6, z=7)
    groupes = [Groupe(("a", "b"), "x"), Groupe(("a", "c"), "y"), Groupe(("b", "c"), "z")]
    assert recalculables(groupes, {"a", "b", "c"}) == {"a", "b", "c"}

    motifs = secretiser(cellules, groupes)

    assert {"a", "b", "c"} <= set(motifs) and len(motifs) > 3
    assert recalculables(groupes, motifs) == set()


def test_same_table_same_result_ties_broken_by_table_order():
    cellules = effectifs(total=23, a=3, b=10, c=10)
    groupe = Groupe(("a", "b", "c"), "total")
    assert secretiser(cellules, [groupe]) == {"a": PRIMAIRE, "b": SECONDAIRE}
    inverse = dict(reversed(list(cellules.items())))
    assert secretiser(inverse, [groupe]) == {"a": PRIMAIRE, "c": SECONDAIRE}


def test_a_group_on_cells_missing_from_the_table_is_a_programming_error():
    with pytest.raises(ValueError, match="absentes"):
        secretiser(effectifs(a=1), [Groupe(("a", "b"), "t")])
