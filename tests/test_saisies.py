"""Manual inputs (saisies manuelles): the demo's files are valid; every kind of mistake is named with its file,
line, field (key path) and value; a missing folder or file is a warning; the numbers reach raw.saisie_*."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from milo_pipeline.defs.saisies import saisies_manuelles
from milo_pipeline.lib.errors import ExportsInvalides
from milo_pipeline.lib.saisies import (
    TABLES,
    avertissements_annee,
    champ,
    ecrire_saisies,
    lire_saisies,
    lire_textes,
    slug,
)

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "milo_pipeline" / "synthetic" / "saisies_demo"
FIXTURE = ROOT / "tests" / "fixtures" / "exports_2024" / "saisies"


@pytest.fixture
def dossier(tmp_path) -> Path:
    """A copy of the demo's manual inputs, to spoil."""
    return Path(shutil.copytree(DEMO, tmp_path / "saisies"))


def _erreurs(dossier: Path) -> list[str]:
    with pytest.raises(ExportsInvalides) as exc:
        lire_saisies(dossier)
    assert str(exc.value).startswith("Saisies manuelles refusées")
    return [str(p) for p in exc.value.problemes]


def _ecrire(dossier: Path, nom: str, texte: str) -> None:
    (dossier / nom).write_text(texte, encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Good files
# --------------------------------------------------------------------------------------------
def test_the_demo_inputs_are_valid_and_complete():
    saisies = lire_saisies(DEMO)
    assert saisies.avertissements == []
    assert {t: len(lignes) for t, lignes in saisies.lignes.items()} == {
        "effectifs": 8, "budget": 11, "satisfaction": 2, "satisfaction_questions": 9, "evenements": 27}
    effectifs = saisies.lignes["effectifs"]
    assert sum(e["effectif"] for e in effectifs if e["sexe"] == "F") == 47  # the seed report's staff
    assert sum(e["effectif"] for e in effectifs if e["sexe"] == "H") == 12
    charges = [b["montant"] for b in saisies.lignes["budget"] if b["sens"] == "charges"]
    assert sum(charges) == Decimal(3179157)  # the seed report's « Budget prévisionnel 2025 »
    assert {s["public"]: s["repondants"] for s in saisies.lignes["satisfaction"]} == {"jeunes": 208, "employeurs": 38}
    assert set(saisies.annees.values()) == {2024}
    assert "parcours" in saisies.textes and "territoires/cc-du-doubs-baumois" in saisies.textes
    assert set(saisies.fichiers) >= {"saisies/effectifs.yaml", "saisies/textes/parcours.md"}


def test_french_numbers_dates_and_spellings_are_accepted(dossier):
    _ecrire(dossier, "budget.yaml", "annee: 2024\nbudgets:\n  - nature: REALISE\n    exercice: 2024\n"
                                    "    charges: \"3 179 157,50 €\"\n    produits: {État: 1 250 000, Région: 12.5}\n")
    _ecrire(dossier, "effectifs.yaml", "annee: 2024\nsalaries:\n  mise a disposition: {femmes: 2}\n")
    _ecrire(dossier, "satisfaction.yaml", "annee: 2024\njeunes:\n  repondants: 12\n  questions:\n"
                                          "    Accueil: \"91,7 %\"\n")
    _ecrire(dossier, "evenements.yaml", "evenements:\n  - date: 26/03/2024\n    au: 28/03/2024\n"
                                        "    titre: Forum\n    rubrique: sante\n")
    saisies = lire_saisies(dossier)
    assert [(b["nature"], b["poste"], b["montant"]) for b in saisies.lignes["budget"]] == [
        ("Réalisé", None, Decimal("3179157.50")), ("Réalisé", "État", Decimal(1250000)),
        ("Réalisé", "Région", Decimal("12.5"))]
    assert saisies.lignes["effectifs"] == [
        {"annee": 2024, "contrat": "Mise à disposition", "sexe": "F", "effectif": 2},
        {"annee": 2024, "contrat": "Mise à disposition", "sexe": "H", "effectif": 0}]
    assert saisies.lignes["satisfaction_questions"][0]["satisfaits_pct"] == Decimal("91.7")
    evenement = saisies.lignes["evenements"][0]
    assert (evenement["date_debut"].isoformat(), evenement["date_fin"].isoformat(), evenement["rubrique"]) == (
        "2024-03-26", "2024-03-28", "Santé")


def test_a_missing_folder_or_file_is_only_a_warning(tmp_path, dossier):
    absent = lire_saisies(tmp_path / "nulle-part")
    assert all(lignes == [] for lignes in absent.lignes.values()) and absent.textes == {}
    assert "pas de dossier de saisies manuelles" in str(absent.avertissements[0])
    (dossier / "budget.yaml").unlink()
    (dossier / "satisfaction.yaml").write_text("# pas encore\n", encoding="utf-8")
    saisies = lire_saisies(dossier)
    assert [str(a) for a in saisies.avertissements] == ["saisies/budget.yaml : fichier absent : non renseigné",
                                                       "saisies/satisfaction.yaml : fichier vide : non renseigné"]
    assert saisies.lignes["budget"] == [] and saisies.lignes["effectifs"]


def test_a_file_of_another_year_is_flagged():
    saisies = lire_saisies(DEMO)
    assert avertissements_annee(saisies, 2024) == []
    messages = [str(a) for a in avertissements_annee(saisies, 2025)]
    assert messages[0] == ("saisies/effectifs.yaml, champ « annee » : saisie de l'année 2024 : ne figure pas dans "
                           "les indicateurs de 2025 (valeur lue : « 2024 »)")


# --------------------------------------------------------------------------------------------
# Each kind of mistake: file, line, field, value
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fichier", "contenu", "attendu"), [
    ("effectifs.yaml", "annee: 2024\nsalaries:\n  CDI: {femmes: 3, hommes: -2}\n",
     "saisies/effectifs.yaml, ligne 3, champ « salaries.CDI.hommes » : effectif négatif (valeur lue : « -2 »)"),
    ("effectifs.yaml", "annee: 2024\nsalaries:\n  CDI: {femmes: 2.5}\n",
     "saisies/effectifs.yaml, ligne 3, champ « salaries.CDI.femmes » : effectif illisible (attendu un nombre "
     "entier, par exemple 42) (valeur lue : « 2.5 »)"),
    ("effectifs.yaml", "annee: 2024\nsalaries:\n  Stagiaire: {femmes: 1}\n",
     "saisies/effectifs.yaml, ligne 3, champ « salaries.Stagiaire » : valeur inconnue (attendu : CDI, CDD, "
     "Apprentissage, Contrat de professionnalisation, Contrat aidé, Mise à disposition, Autre) "
     "(valeur lue : « Stagiaire »)"),
    ("effectifs.yaml", "annee: 2024\nsalaries:\n  CDI: {femmes: 1, homme: 2}\n",
     "saisies/effectifs.yaml, ligne 3, champ « salaries.CDI.homme » : clé inconnue (attendu : femmes, hommes)"),
    ("effectifs.yaml", "annee: 24\nsalaries:\n  CDI: {femmes: 1}\n",
     "saisies/effectifs.yaml, ligne 1, champ « annee » : année invalide (attendu par exemple 2024) "
     "(valeur lue : « 24 »)"),
    ("effectifs.yaml", "salaries:\n  CDI: {femmes: 1}\n",
     "saisies/effectifs.yaml, ligne 1, champ « annee » : valeur obligatoire manquante"),
    ("effectifs.yaml", "annee: 2024\nsalaries:\n  CDI: {femmes: 1}\n  CDI: {hommes: 1}\n",
     "saisies/effectifs.yaml, ligne 4, champ « salaries.CDI » : clé en double"),
    ("budget.yaml", "annee: 2024\nbudgets:\n  - nature: prévisionnel\n    exercice: 2025\n"
                    "    charges: {Loyers: 12 OOO}\n    produits: 10\n",
     "saisies/budget.yaml, ligne 5, champ « budgets[0].charges.Loyers » : montant illisible (attendu par exemple "
     "1250 ou 1 250,50) (valeur lue : « 12 OOO »)"),
    ("budget.yaml", "annee: 2024\nbudgets:\n  - nature: prévu\n    exercice: 2025\n    charges: 1\n    produits: 1\n",
     "saisies/budget.yaml, ligne 3, champ « budgets[0].nature » : valeur inconnue (attendu : Prévisionnel, "
     "Réalisé) (valeur lue : « prévu »)"),
    ("budget.yaml", "annee: 2024\nbudgets:\n  - nature: réalisé\n    exercice: 2024\n    charges: 1\n",
     "saisies/budget.yaml, ligne 3, champ « budgets[0].produits » : valeur obligatoire manquante"),
    ("budget.yaml", "annee: 2024\nbudgets:\n  nature: réalisé\n",
     "saisies/budget.yaml, ligne 2, champ « budgets » : liste attendue (une entrée par ligne commençant par "
     "« - ») (valeur lue : « {nature: réalisé} »)"),
    ("satisfaction.yaml", "annee: 2024\njeunes:\n  repondants: beaucoup\n",
     "saisies/satisfaction.yaml, ligne 3, champ « jeunes.repondants » : nombre de répondants illisible (attendu "
     "un nombre entier, par exemple 42) (valeur lue : « beaucoup »)"),
    ("satisfaction.yaml", "annee: 2024\njeunes:\n  repondants: 10\n  questions:\n    Accueil: 120\n",
     "saisies/satisfaction.yaml, ligne 5, champ « jeunes.questions.Accueil » : part de satisfaits (en %) "
     "supérieur à 100 (valeur lue : « 120 »)"),
    ("satisfaction.yaml", "annee: 2024\njeunes:\n  repondants: 10\nentreprises:\n  repondants: 10\n",
     "saisies/satisfaction.yaml, ligne 4, champ « entreprises » : clé inconnue (attendu : annee, jeunes, "
     "employeurs)"),
    ("evenements.yaml", "evenements:\n  - date: 31/02/2024\n    titre: Forum\n",
     "saisies/evenements.yaml, ligne 2, champ « evenements[0].date » : date illisible (attendu JJ/MM/AAAA ou "
     "AAAA-MM-JJ) (valeur lue : « 31/02/2024 »)"),
    ("evenements.yaml", "evenements:\n  - date: 2024-03-01\n    au: 2024-02-01\n    titre: Forum\n",
     "saisies/evenements.yaml, ligne 3, champ « evenements[0].au » : la fin précède le début (01/03/2024) "
     "(valeur lue : « 2024-02-01 »)"),
    ("evenements.yaml", "evenements:\n  - date: 2024-03-01\n    titre: Forum\n    rubrique: Sport\n",
     "saisies/evenements.yaml, ligne 4, champ « evenements[0].rubrique » : valeur inconnue (attendu : Emploi, "
     "Formation, Santé, Égalité, Mobilité, Logement, Citoyenneté, Culture et sport, International, Repérage, "
     "Vie de la structure, Autre) (valeur lue : « Sport »)"),
    ("evenements.yaml", "evenements:\n  - date: 2024-03-01\n    titre: Forum\n    visiteurs: yes\n",
     "saisies/evenements.yaml, ligne 4, champ « evenements[0].visiteurs » : nombre de visiteurs illisible "
     "(attendu un nombre entier, par exemple 42) (valeur lue : « yes »)"),
    ("evenements.yaml", "evenements:\n  - titre: Forum\n",
     "saisies/evenements.yaml, ligne 2, champ « evenements[0].date » : valeur obligatoire manquante"),
    ("evenements.yaml", "evenements:\n  - date: 2024-03-01\n    titre: [Forum\n",
     "saisies/evenements.yaml, ligne 4 : YAML illisible : expected ',' or ']', but got '<stream end>'"),
])
def test_each_mistake_is_named_with_file_line_field_and_value(dossier, fichier, contenu, attendu):
    _ecrire(dossier, fichier, contenu)
    assert _erreurs(dossier) == [attendu]


def test_every_mistake_is_reported_at_once(dossier):
    _ecrire(dossier, "effectifs.yaml", "annee: 24\nsalaries:\n  CDI: {femmes: -1}\n")
    _ecrire(dossier, "budget.yaml", "annee: 2024\nbudgets:\n  - nature: prévu\n    exercice: 2025\n"
                                    "    charges: {Loyers: x}\n    produits: 1\n")
    erreurs = _erreurs(dossier)
    assert [e.split(" : ")[0] for e in erreurs] == [
        "saisies/effectifs.yaml, ligne 1, champ « annee »",
        "saisies/effectifs.yaml, ligne 3, champ « salaries.CDI.femmes »",
        "saisies/budget.yaml, ligne 3, champ « budgets[0].nature »",
        "saisies/budget.yaml, ligne 5, champ « budgets[0].charges.Loyers »",
    ]


def test_bad_file_names_and_encodings(dossier):
    _ecrire(dossier, "effectif.yaml", "annee: 2024\n")
    (dossier / "textes" / "portrait.md").write_text("Un texte.", encoding="utf-8")
    (dossier / "textes" / "cej.md").write_bytes("Entrée en CEJ".encode("cp1252"))
    (dossier / "textes" / "notes.txt").write_text("brouillon", encoding="utf-8")
    erreurs = _erreurs(dossier)
    assert erreurs[0] == ("saisies/effectif.yaml : fichier de saisie inconnu (attendu : effectifs.yaml, "
                          "budget.yaml, satisfaction.yaml, evenements.yaml)")
    assert erreurs[1] == "saisies/textes/cej.md, ligne 1 : encodage non reconnu : enregistrer le fichier en UTF-8"
    assert erreurs[2].startswith("saisies/textes/portrait.md : nom de texte inconnu (attendu : textes/<section>.md")


def test_texts_for_the_report(dossier):
    (dossier / "textes" / "territoires" / "CC Loue-Lison.md").write_text("x", encoding="utf-8")
    with pytest.raises(ExportsInvalides, match="CC Loue-Lison.md : nom de texte inconnu"):
        lire_textes(dossier)
    (dossier / "textes" / "territoires" / "CC Loue-Lison.md").unlink()
    assert lire_textes(dossier)["parcours"].startswith("# Le parcours de N.")
    assert lire_textes(dossier.parent / "absent") == {}
    assert slug("CC du Val Marnaysien") == "cc-du-val-marnaysien" and slug("CC Loue-Lison") == "cc-loue-lison"
    assert champ(("budgets", 0, "charges", "Loyers")) == "budgets[0].charges.Loyers"


# --------------------------------------------------------------------------------------------
# The warehouse and the asset
# --------------------------------------------------------------------------------------------
def _tables(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: con.execute(f"select count(*) from raw.saisie_{t}").fetchone()[0] for t in TABLES}


def test_written_in_one_transaction_and_replaced_each_time(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    assert ecrire_saisies(lire_saisies(DEMO), warehouse) == _tables(warehouse) == {
        "effectifs": 8, "budget": 11, "satisfaction": 2, "satisfaction_questions": 9, "evenements": 27}
    assert ecrire_saisies(lire_saisies(tmp_path / "absent"), warehouse) == _tables(warehouse) == dict.fromkeys(
        TABLES, 0)


def test_the_asset_writes_the_tables_and_fails_on_a_bad_input(tmp_path, dossier, monkeypatch):
    from milo_pipeline.defs.resources import MiloSettings

    monkeypatch.delenv("MILO_WAREHOUSE", raising=False)
    exports = dossier.parent
    milo = MiloSettings(milo_home=str(tmp_path / "home"), exports_dir=str(exports), out_dir=str(tmp_path / "out"))
    warehouse = tmp_path / "home" / "warehouse.duckdb"
    with dg.instance_for_test() as instance:
        resultat = dg.materialize([saisies_manuelles], resources={"milo": milo}, partition_key="2024-03-01",
                                  instance=instance)
    assert resultat.success
    assert _tables(warehouse)["evenements"] == 27
    keys = {e.event_specific_data.materialization.asset_key.to_user_string()
            for e in resultat.get_asset_materialization_events()}
    assert keys == {f"saisies/{t}" for t in TABLES}
    _ecrire(dossier, "effectifs.yaml", "annee: 2024\nsalaries:\n  CDI: {femmes: -1}\n")
    with dg.instance_for_test() as instance:
        echec = dg.materialize([saisies_manuelles], resources={"milo": milo}, partition_key="2024-03-01",
                               raise_on_error=False, instance=instance)
    assert not echec.success
    description = next(e for e in echec.all_events if e.is_step_failure).step_failure_data.user_failure_data
    assert "saisies/effectifs.yaml, ligne 3, champ « salaries.CDI.femmes » : effectif négatif" in \
        description.description
    assert _tables(warehouse)["evenements"] == 27  # nothing written


def test_the_fixture_inputs_are_valid():
    saisies = lire_saisies(FIXTURE)
    assert saisies.avertissements == []
    assert len(saisies.lignes["evenements"]) == 5


def test_the_demo_copies_its_manual_inputs_beside_the_exports(tmp_path, monkeypatch):
    import milo_pipeline.synthetic.generator as generator
    from milo_pipeline import cli

    monkeypatch.setattr(generator, "generate", lambda out, **kwargs: None)
    vus = []
    monkeypatch.setattr(cli, "run_pipeline", lambda exports, periode, out, home: vus.append(exports) or 0)
    assert cli.main(["--milo-home", str(tmp_path), "demo"]) == 0
    assert lire_saisies(vus[0] / "saisies").lignes == lire_saisies(DEMO).lignes
