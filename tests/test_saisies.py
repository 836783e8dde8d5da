"""Manual inputs (saisies manuelles): the demo's files are valid; every kind of mistake is named with its file,
line, field (key path) and value; a missing folder or file is a warning; the numbers reach raw.saisie_*."""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import EXPORTS_2024, run_cli

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


@pytest.mark.slow  # two Dagster runs
def test_the_asset_writes_the_tables_and_fails_on_a_bad_input(tmp_path, dossier, env_propre):
    from milo_pipeline.defs.resources import MiloSettings

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


def test_the_demo_copies_its_manual_inputs_beside_the_exports(monkeypatch, cli):
    import milo_pipeline.synthetic.generator as generator
    from milo_pipeline import cli as commande

    monkeypatch.setattr(generator, "generate", lambda out, **kwargs: None)
    vus = []
    monkeypatch.setattr(commande, "run_pipeline", lambda exports, periode, out, home, **_: vus.append(exports) or 0)
    assert cli(["demo"]).code == 0
    assert lire_saisies(vus[0] / "saisies").lignes == lire_saisies(DEMO).lignes


# --------------------------------------------------------------------------------------------
# Files that are not what they seem: links, FIFOs, folders
# --------------------------------------------------------------------------------------------
LIEN = "ce fichier est un lien symbolique : refusé (y copier le fichier lui-même, pas un lien)"


@pytest.fixture
def secret(tmp_path) -> Path:
    """Stands for the pseudonymisation key (or any file of the machine a link could expose)."""
    path = tmp_path / "pseudonymisation.key"
    path.write_text(secrets.token_hex(32), encoding="ascii")
    return path


def test_a_text_linked_to_the_key_is_refused(dossier, secret):
    (dossier / "textes" / "synthese.md").unlink()
    (dossier / "textes" / "synthese.md").symlink_to(secret)
    erreurs = _erreurs(dossier)
    assert erreurs == [f"saisies/textes/synthese.md : {LIEN}"]
    with pytest.raises(ExportsInvalides) as exc:
        lire_textes(dossier)  # what the report reads
    assert [str(p) for p in exc.value.problemes] == erreurs
    assert secret.read_text(encoding="ascii") not in exc.value.texte()


@pytest.mark.parametrize("cas", ["yaml", "territoire", "dossier_textes", "dossier_territoires"])
def test_links_anywhere_in_the_manual_inputs_are_refused(dossier, secret, tmp_path, cas):
    ailleurs = tmp_path / "ailleurs"
    (ailleurs / "territoires").mkdir(parents=True)
    (ailleurs / "synthese.md").write_text("Texte d'ailleurs", encoding="utf-8")
    if cas == "yaml":
        (dossier / "budget.yaml").unlink()
        (dossier / "budget.yaml").symlink_to(secret)
        attendu = f"saisies/budget.yaml : {LIEN}"
    elif cas == "territoire":
        (dossier / "textes" / "territoires" / "cc-du-doubs-baumois.md").unlink()
        (dossier / "textes" / "territoires" / "cc-du-doubs-baumois.md").symlink_to(secret)
        attendu = f"saisies/textes/territoires/cc-du-doubs-baumois.md : {LIEN}"
    elif cas == "dossier_textes":
        shutil.rmtree(dossier / "textes")
        (dossier / "textes").symlink_to(ailleurs, target_is_directory=True)
        attendu = ("saisies/textes : ce dossier est un lien symbolique : refusé (y copier le dossier lui-même, pas un "
                   "lien)")
    else:
        shutil.rmtree(dossier / "textes" / "territoires")
        (dossier / "textes" / "territoires").symlink_to(ailleurs / "territoires", target_is_directory=True)
        attendu = f"saisies/textes/territoires : {LIEN}"
    assert _erreurs(dossier) == [attendu]


def test_a_saisies_folder_that_is_a_link_is_refused(dossier, tmp_path):
    lien = tmp_path / "exports" / "saisies"
    lien.parent.mkdir()
    lien.symlink_to(dossier, target_is_directory=True)
    for lire in (lire_saisies, lire_textes):
        with pytest.raises(ExportsInvalides) as exc:
            lire(lien)
        assert [str(p) for p in exc.value.problemes] == [
            "saisies : ce dossier est un lien symbolique : refusé (y copier le dossier lui-même, pas un lien)"]


def test_a_folder_or_a_fifo_where_a_file_is_expected_is_refused_without_hanging(dossier):
    (dossier / "budget.yaml").unlink()
    (dossier / "budget.yaml").mkdir()
    (dossier / "effectifs.yaml").unlink()
    os.mkfifo(dossier / "effectifs.yaml")
    for nom in ("cej.md", "synthese.md"):
        (dossier / "textes" / nom).unlink(missing_ok=True)
    os.mkfifo(dossier / "textes" / "cej.md")
    (dossier / "textes" / "synthese.md").mkdir()
    resultat: list = []
    lecture = threading.Thread(target=lambda: resultat.append(_erreurs(dossier)), daemon=True)
    lecture.start()
    lecture.join(timeout=60)  # opening a FIFO for reading would wait for a writer
    assert not lecture.is_alive(), "la lecture d'un tube nommé bloque"
    assert resultat == [[  # in the order of the files (effectifs, budget, satisfaction, evenements), then texts
        "saisies/effectifs.yaml : n'est pas un fichier ordinaire mais un tube nommé (FIFO) : refusé",
        "saisies/budget.yaml : n'est pas un fichier ordinaire mais un dossier : refusé",
        "saisies/textes/cej.md : n'est pas un fichier ordinaire mais un tube nommé (FIFO) : refusé",
        "saisies/textes/synthese.md : n'est pas un fichier ordinaire mais un dossier : refusé",
    ]]


@pytest.mark.slow
def test_a_run_with_a_text_linked_to_the_key_fails_and_the_key_appears_nowhere(tmp_path):
    """The real CLI, the key in its file MILO_HOME/pseudonymisation.key (not in the environment) and
    saisies/textes/synthese.md a link to it: exit 1, the file named, nothing published, nothing archived of the
    manual inputs, and the key's bytes in no output, no log, no Dagster event, no file of MILO_HOME but itself."""
    home, exports, out = tmp_path / "home", tmp_path / "exports", tmp_path / "out"
    home.mkdir(mode=0o700)
    cle = home / "pseudonymisation.key"
    cle.write_text(secrets.token_hex(32), encoding="ascii")
    cle.chmod(0o600)
    shutil.copytree(EXPORTS_2024, exports)
    (exports / "saisies" / "textes" / "synthese.md").symlink_to(cle)
    result = run_cli(["--milo-home", str(home), "run", "--exports", str(exports), "--period", "2024", "--out",
                      str(out)], home, key=None)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"saisies/textes/synthese.md : {LIEN}" in result.stderr
    assert "Échec du run : rien n'a été publié" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() or not any(out.rglob("*"))
    assert not any(p.name in ("synthese.md", "budget.yaml") for p in (home / "archive").rglob("*"))
    valeur = cle.read_bytes().strip()
    assert valeur not in (result.stdout + result.stderr).encode()
    fichiers = [p for p in home.rglob("*") if p != cle and not p.is_symlink() and p.is_file()]
    assert any(p.suffix == ".db" for p in fichiers) and (home / "logs" / "dernier_run.log") in fichiers
    assert [p for p in fichiers if valeur in p.read_bytes()] == []
