"""The indicator dictionary read as typed rows: the reference syntax, and a clear French error for a reference to an
unknown indicator."""

import pytest

from milo_pipeline.lib import dictionnaire
from milo_pipeline.lib.dictionnaire import DictionnaireInvalide, Reference


def ligne(indicateur, ordre, unite="nb", **colonnes):
    return {"indicateur": indicateur, "ordre": ordre, "section": "cej", "libelle": indicateur, "unite": unite,
            "vocabulaire": None, "somme_100": False, "definition": "…", **colonnes}


def test_the_seed_reads_as_the_warehouse_holds_it():
    ind = dictionnaire.indicateurs(dictionnaire.lire_csv())
    assert list(ind)[:2] == ["pa_nb_jeunes", "pa_sexe_pct"]
    sexe = ind["pa_sexe_pct"]
    assert (sexe.ordre, sexe.unite, sexe.vocabulaire, sexe.somme_100) == (110, "pct", "sexe", True)
    assert sexe.population == (Reference("pa_nb_jeunes"),) and sexe.total == (Reference("pa_nb_jeunes"),)
    assert ind["pa_nb_jeunes"].population is None and ind["pa_nb_jeunes"].total is None
    assert ind["disp_femmes_pct"].population == (Reference("disp_nb_beneficiaires", "*"),)
    assert ind["disp_nb_beneficiaires"].total == (Reference("disp_nb_beneficiaires", "Ensemble"),)
    assert ind["parr_jeunes_par_parrain"].population == (Reference("parr_nb_parrains"), Reference("parr_nb_jeunes"))
    assert ind["budget_charges_eur"].population == () and ind["budget_charges_eur"].total == ()
    assert ind["parr_nb_sorties"].somme_de == (Reference("parr_nb_sorties_solution"), Reference("parr_nb_abandons"))
    assert ind["cej_nb_entrees"].somme_de == (Reference("disp_nb_beneficiaires", "CEJ"),)
    assert ind["pmsmp_evolution_pct"].evolution_de == Reference("pmsmp_nb")
    assert ind["pmsmp_nb"].evolution_de is None and ind["pmsmp_nb"].somme_de == ()


def test_a_reference_designates_a_cell_of_the_same_period():
    periode = ("2024-01-01", "2024-12-31")
    assert Reference("disp_nb_beneficiaires", "*").cle(periode, "CEJ") == (*periode, "disp_nb_beneficiaires", "CEJ")
    assert Reference("disp_nb_sorties", "Ensemble").cle(periode, "CEJ") == (*periode, "disp_nb_sorties", "Ensemble")
    assert Reference("acc_nb_jeunes").cle(periode, "F") == (*periode, "acc_nb_jeunes", None)
    assert str(Reference("disp_nb_beneficiaires", "CEJ")) == "disp_nb_beneficiaires[CEJ]"


def test_a_reference_to_an_unknown_indicator_names_the_file_column_indicator_and_value():
    lignes = [ligne("cej_nb_entrees", 1), ligne("cej_femmes_pct", 2, "pct", population="cej_nb_entree")]
    with pytest.raises(DictionnaireInvalide) as erreur:
        dictionnaire.indicateurs(lignes)
    assert str(erreur.value) == (
        "dbt_project/seeds/indicateurs_dictionnaire.csv, colonne « population » : indicateur « cej_femmes_pct » : "
        "« cej_nb_entree » n'est pas un indicateur du dictionnaire (valeur lue : « cej_nb_entree »)")


def test_the_csv_line_is_given_when_the_seed_is_read(tmp_path):
    seed = tmp_path / "indicateurs_dictionnaire.csv"
    seed.write_text("indicateur,ordre,section,libelle,unite,vocabulaire,somme_100,population,total,somme_de,"
                    "evolution_de,definition\n"
                    "a_nb,1,s,A,nb,,false,,,,,d\n"
                    "b_nb,2,s,B,nb,,false,,,a_nb z_nb,,d\n", encoding="utf-8")
    with pytest.raises(DictionnaireInvalide, match=r"csv, ligne 3, colonne « somme_de » : indicateur « b_nb » : "
                                                   r"« z_nb » n'est pas"):
        dictionnaire.indicateurs(dictionnaire.lire_csv(seed))


@pytest.mark.parametrize(("colonnes", "attendu"), [
    ({"population": "cej_nb_entrees["}, "référence invalide « cej_nb_entrees\\[ »"),
    ({"total": "cej_nb_entrees cej_nb_entrees"}, "colonne « total » : .* une seule référence attendue"),
    ({"somme_de": "aucun"}, "colonne « somme_de » : .* « aucun » n'a pas de sens ici"),
])
def test_malformed_references_are_refused(colonnes, attendu):
    with pytest.raises(DictionnaireInvalide, match=attendu):
        dictionnaire.indicateurs([ligne("cej_nb_entrees", 1), ligne("cej_x_pct", 2, "pct", **colonnes)])


def test_the_seed_says_how_each_indicator_aggregates_in_a_network():
    ind = dictionnaire.indicateurs(dictionnaire.lire_csv())
    assert (ind["acc_nb_jeunes"].agregation, ind["acc_nb_jeunes"].denominateur) == ("somme", None)
    assert ind["pacea_montant_eur"].agregation == "somme"
    assert (ind["disp_femmes_pct"].agregation, ind["disp_femmes_pct"].denominateur) == (
        "rapport", Reference("disp_nb_beneficiaires", "*"))
    assert ind["pacea_moyenne_eur"].denominateur == Reference("pacea_nb_jeunes")
    assert ind["parr_duree_moyenne_mois"].denominateur == Reference("parr_nb_sorties")
    assert ind["pmsmp_evolution_pct"].agregation == "evolution"
    assert ind["terr_nb_jeunes"].agregation == "non_agregeable"
    # a share, a mean or a ratio is never summed
    assert all(i.agregation != "somme" for i in ind.values() if i.unite in ("pct", "ratio", "mois"))


@pytest.mark.parametrize(("colonnes", "attendu"), [
    ({"agregation": "moyenne"}, "colonne « agregation » : indicateur « b_pct » : agrégation inconnue"),
    ({"agregation": "rapport"}, "colonne « denominateur » : indicateur « b_pct » : dénominateur manquant"),
    ({"agregation": "somme"}, "colonne « agregation » : indicateur « b_pct » : une somme de valeurs en pct"),
    ({"agregation": "evolution"}, "colonne « agregation » : indicateur « b_pct » : une agrégation `evolution`"),
    ({"agregation": "non_agregeable", "denominateur": "a_nb"},
     "colonne « denominateur » : indicateur « b_pct » : dénominateur inutile"),
    ({"agregation": "rapport", "denominateur": "z_nb"}, "« z_nb » n'est pas un indicateur du dictionnaire"),
])
def test_a_wrong_aggregation_is_refused_with_its_column(colonnes, attendu):
    lignes = [ligne("a_nb", 1, agregation="somme"), ligne("b_pct", 2, "pct", **colonnes)]
    with pytest.raises(DictionnaireInvalide, match=attendu):
        dictionnaire.indicateurs(lignes)


def test_the_dictionary_version_is_the_seed_s_sha256(tmp_path):
    seed = tmp_path / "d.csv"
    seed.write_bytes(b"abc")
    assert dictionnaire.version_dictionnaire(seed) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
