"""Bad exports never produce a report: one test per bad input, through the real CLI.

Each case copies the hand-written export `exports_2024` (never modified in place), breaks one thing and
runs `milo-pipeline run` into an output folder that already holds the outputs of a good run. Each must
exit 1 with a French message naming the file, the column and, for a value, the line; print where its Data
Docs (and rejection report) are; write nothing to the warehouse; and leave the previous outputs
byte-identical. The ingestion-level cases run in process (`cli.main`); the good run and the case that
reaches the quality gate run as a subprocess (real exit status, no traceback).

Dagster's SQLite event storage commits each event to disk (hundreds of "asset planned" events per run):
the tests keep DAGSTER_HOME on tmpfs when there is one, which turns a 30 s failed run into 5 s.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from conftest import EXPORTS_2024, cli_env, copie_du_run, run_cli, tree

from milo_pipeline import cli
from milo_pipeline.lib.errors import ExportsInvalides
from milo_pipeline.lib.ingestion import ingest_exports
from milo_pipeline.lib.pseudonymisation import ENV_KEY, pseudonymise
from milo_pipeline.lib.readers import detect_encoding

FIXTURE = EXPORTS_2024
KEY = "cle-de-test-des-mauvais-exports-32-octets"


# -- editing a copy of the fixture, keeping its encoding, BOM and separator --------------------------------

def lire(path: Path) -> tuple[str, str]:
    encodage = detect_encoding(path)
    return path.read_bytes().decode(encodage), encodage


def ecrire(path: Path, texte: str, encodage: str) -> None:
    path.write_bytes((codecs.BOM_UTF8 if encodage == "utf-8-sig" else b"") + texte.encode(
        "utf-8" if encodage == "utf-8-sig" else encodage))


def fichier(dossier: Path, table: str) -> Path:
    (path,) = dossier.glob(f"{table}_*")
    return path


def separateur(texte: str) -> str:
    return max(";,\t", key=texte.splitlines()[0].count)


def ajouter_ligne(dossier: Path, table: str, valeurs: dict[str, str]) -> int:
    """Appends a row (missing columns empty); returns its line number."""
    path = fichier(dossier, table)
    texte, encodage = lire(path)
    sep = separateur(texte)
    entete = texte.splitlines()[0].split(sep)
    texte = texte if texte.endswith("\n") else texte + "\n"
    ligne = io.StringIO()
    csv.writer(ligne, delimiter=sep, lineterminator="\n").writerow([valeurs.get(c, "") for c in entete])
    ecrire(path, texte + ligne.getvalue(), encodage)
    return len(texte.splitlines()) + 1


def remplacer_colonne(dossier: Path, table: str, colonne: str, valeur: str) -> None:
    """Every cell of a column replaced by `valeur`."""
    path = fichier(dossier, table)
    texte, encodage = lire(path)
    sep = separateur(texte)
    lignes = list(csv.reader(texte.splitlines(), delimiter=sep))
    i = lignes[0].index(colonne)
    for ligne in lignes[1:]:
        ligne[i] = valeur
    ecrire(path, "\n".join(sep.join(ligne) for ligne in lignes) + "\n", encodage)


def renommer_entete(dossier: Path, table: str, ancien: str, nouveau: str) -> None:
    path = fichier(dossier, table)
    texte, encodage = lire(path)
    entete, _, reste = texte.partition("\n")
    ecrire(path, re.sub(rf"(^|[;,\t]){re.escape(ancien)}($|[;,\t])", rf"\g<1>{nouveau}\g<2>", entete, count=1)
           + "\n" + reste, encodage)


def premiere_ligne(dossier: Path, table: str) -> dict[str, str]:
    path = fichier(dossier, table)
    texte, _ = lire(path)
    return next(csv.DictReader(texte.splitlines(), delimiter=separateur(texte)))


# -- the bad inputs: (mutation, expected fragments of stderr) ------------------------------------------------

def colonne_obligatoire_absente(d: Path) -> list[str]:
    renommer_entete(d, "reperage", "canal", "canal_contact")
    return ["reperage_2025-01-15.csv, colonne « canal » : colonne obligatoire absente de l'en-tête"]


def colonne_de_dates_illisibles(d: Path) -> list[str]:
    remplacer_colonne(d, "situations", "date_debut", "le 1er juillet")
    return ["situations_2025-01-15.csv, ligne 2, colonne « date_debut » : date illisible",
            "« le 1er juillet »", "au-delà du seuil de 0,5 %"]


def date_illisible(d: Path) -> list[str]:
    ligne = ajouter_ligne(d, "parrains", {"id_parrain": "M99", "statut": "Retraité", "date_entree": "31/02/2024"})
    return [f"parrains_2025-01-15.csv, ligne {ligne}, colonne « date_entree » : date illisible", "« 31/02/2024 »"]


def hors_vocabulaire(d: Path) -> list[str]:
    jeune = premiere_ligne(d, "jeunes")["id_jeune"]
    ligne = ajouter_ligne(d, "evenements", {"id_evenement": "E990", "id_jeune": jeune,
                                            "date_evenement": "2024-05-02 10:00:00", "nature": "Atelier",
                                            "statut": "Excusé"})
    return [f"evenements_2025-01-15.csv, ligne {ligne}, colonne « statut » : valeur hors du vocabulaire du contrat",
            "« Excusé »"]


def montant_negatif(d: Path) -> list[str]:
    jeune = premiere_ligne(d, "jeunes")["id_jeune"]
    ligne = ajouter_ligne(d, "allocations", {"id_jeune": jeune, "dispositif": "PACEA", "date_paiement": "05/06/2024",
                                             "montant": "-300,50"})
    return [f"allocations_2025-01-15.csv, ligne {ligne}, colonne « montant » : valeur inférieure au minimum",
            "« -300,50 »"]


def jeune_inconnu(d: Path) -> list[str]:
    ligne = ajouter_ligne(d, "evenements", {"id_evenement": "E991", "id_jeune": "J99",
                                            "date_evenement": "2024-05-02 10:00:00", "nature": "Atelier",
                                            "statut": "Présent"})
    return [f"evenements_2025-01-15.csv, ligne {ligne}, colonne « id_jeune » : absent de la table jeunes"]


def jeune_en_double(d: Path) -> list[str]:
    ligne = ajouter_ligne(d, "jeunes", premiere_ligne(d, "jeunes"))
    return [f"jeunes_2025-01-15.csv, ligne 2, colonne « id_jeune » : identifiant en double : la même valeur figure "
            f"aussi ligne(s) {ligne}"]


def fichier_vide(d: Path) -> list[str]:
    fichier(d, "reperage").write_bytes(b"")
    return ["reperage_2025-01-15.csv : fichier vide", "en-tête attendu : id_contact;date_contact;canal"]


def fichier_sans_donnees(d: Path) -> list[str]:
    path = fichier(d, "jeunes")
    texte, encodage = lire(path)
    ecrire(path, texte.splitlines()[0] + "\n", encodage)
    return ["jeunes_2025-01-15.csv : fichier vide : aucune ligne de données sous l'en-tête"]


def table_manquante(d: Path) -> list[str]:
    fichier(d, "parrains").unlink()
    return ["aucun fichier pour la table « parrains »"]


def encodage_illisible(d: Path) -> list[str]:
    path = fichier(d, "evenements")
    lignes = path.read_bytes().split(b"\n")
    lignes[3] = lignes[3].replace(b"Atelier", b"Atel\x81\xc3ier").replace(b"Entretien", b"Entre\x81\xc3tien")
    path.write_bytes(b"\n".join(lignes))
    return ["evenements_2025-01-15.csv, ligne 4 : encodage non reconnu : ni UTF-8 ni Windows-1252"]


def encodage_utf16(d: Path) -> list[str]:
    path = fichier(d, "contacts_entreprises")
    texte, _ = lire(path)
    path.write_bytes(texte.encode("utf-16"))
    return ["contacts_entreprises_2025-01-15.csv, ligne 1 : fichier binaire ou encodé en UTF-16"]


def encodages_melanges(d: Path) -> list[str]:
    path = fichier(d, "jeunes")  # Windows-1252, with one line added in UTF-8
    texte, _ = lire(path)
    sep = separateur(texte)
    entete = texte.splitlines()[0].split(sep)
    ligne = sep.join({"id_jeune": "J90", "sexe": "F", "site": "Besançon Midol"}.get(c, "") for c in entete)
    path.write_bytes(path.read_bytes().rstrip(b"\n") + b"\n" + ligne.encode("utf-8") + b"\n")
    return ["jeunes_2025-01-15.csv, ligne 2 : encodage mélangé"]


def ligne_mal_formee(d: Path) -> list[str]:
    path = fichier(d, "evenements")
    texte, encodage = lire(path)
    ecrire(path, texte.rstrip("\n") + "\nE992;J01;2024-05-02\n", encodage)
    return [f"evenements_2025-01-15.csv, ligne {len(texte.splitlines()) + 1} : ligne mal formée : 7 colonnes "
            "attendues, 3 trouvées"]


def export_lien_symbolique(d: Path) -> list[str]:
    """An export replaced by a link to a file of the system: refused, never read (lstat, O_NOFOLLOW)."""
    path = fichier(d, "jeunes")
    path.unlink()
    path.symlink_to("/etc/passwd")
    return [f"{d} : {path.name} est un lien symbolique : refusé (y copier le fichier lui-même, pas un lien)"]


def export_dossier(d: Path) -> list[str]:
    path = fichier(d, "parrains")
    path.unlink()
    path.mkdir()
    return [f"{d} : {path.name} n'est pas un fichier ordinaire mais un dossier : refusé"]


CASES: dict[str, Callable[[Path], list[str]]] = {f.__name__: f for f in (
    colonne_obligatoire_absente, colonne_de_dates_illisibles, date_illisible, hors_vocabulaire, montant_negatif,
    jeune_inconnu, jeune_en_double, fichier_vide, fichier_sans_donnees, table_manquante, encodage_illisible,
    encodage_utf16, encodages_melanges, ligne_mal_formee, export_lien_symbolique, export_dossier)}
# the cases whose rows were checked: a rejection report exists
AVEC_REJETS = {"colonne_de_dates_illisibles", "date_illisible", "hors_vocabulaire", "montant_negatif",
               "jeune_inconnu"}


def lancer(args: list[str], home: Path, dagster_home: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """The CLI in a subprocess on `home`, its DAGSTER_HOME on tmpfs (conftest.py)."""
    return run_cli(args, home, env=cli_env(home, DAGSTER_HOME=str(dagster_home)), timeout=timeout)


@pytest.fixture(scope="module")
def published(run_2024, tmp_path_factory) -> Path:
    """A good run (the session's, copied): the outputs every bad run must leave untouched, and the warehouse it must
    not change."""
    return copie_du_run(run_2024, tmp_path_factory.mktemp("bad_exports") / "run").root


@pytest.mark.slow
@pytest.mark.parametrize("cas", list(CASES))
def test_bad_export_fails_names_file_column_line_and_publishes_nothing(cas, published, dagster_home, tmp_path,
                                                                        monkeypatch, env_propre, capsys):
    out, home = published / "out", published / "home"
    before, warehouse = tree(out), (home / "warehouse.duckdb").read_bytes()
    exports = tmp_path / "exports"
    shutil.copytree(FIXTURE, exports)
    attendus = CASES[cas](exports)
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))

    code = cli.main(["--milo-home", str(home), "run", "--exports", str(exports), "--period", "2024",
                     "--out", str(out)])

    stdout, stderr = capsys.readouterr()
    assert code == cli.EXIT_ECHEC
    for attendu in attendus:
        assert attendu in stderr, f"{attendu!r} absent de :\n{stderr}"
    assert "Échec du run : rien n'a été publié" in stderr and "Traceback" not in stdout + stderr
    run_dir = Path(re.search(r"Data Docs : (\S+)/data_docs/index.html", stderr)[1])
    assert run_dir.parent == home / "runs" and (run_dir / "data_docs" / "index.html").exists()
    assert (f"Rapport des rejets : {run_dir / 'rejets.csv'}" in stderr) == (cas in AVEC_REJETS)
    assert tree(out) == before
    assert (home / "warehouse.duckdb").read_bytes() == warehouse
    assert "J99" not in stdout + stderr  # a raw id is never echoed


@pytest.mark.slow
def test_quality_gate_blocks_publication_and_warns_of_unknown_columns(published, dagster_home, tmp_path):
    """A well-formed export with an attended interview dated after the export date passes ingestion, then
    fails the blocking `dates` suite: nothing is published. The unknown column is only a warning."""
    out = published / "out"
    before = tree(out)
    exports = tmp_path / "exports"
    shutil.copytree(FIXTURE, exports)
    jeune = premiere_ligne(exports, "jeunes")["id_jeune"]
    ajouter_ligne(exports, "evenements", {"id_evenement": "E993", "id_jeune": jeune,
                                          "date_evenement": "2025-03-01 10:00:00", "nature": "Entretien individuel",
                                          "statut": "Présent"})
    path = fichier(exports, "situations")
    texte, encodage = lire(path)
    sep = separateur(texte)
    ecrire(path, "\n".join(ligne + sep + ("commentaire" if i == 0 else "ras")
                           for i, ligne in enumerate(texte.splitlines())) + "\n", encodage)

    result = lancer(["run", "--exports", str(exports), "--period", "2024", "--out", str(out)],
                    published / "home", dagster_home)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "situations_2025-01-15.csv : colonne(s) inconnue(s) du contrat, ignorée(s) : commentaire" in result.stdout
    assert "ÉCHEC indicateurs · gx_dates" in result.stderr
    assert "evenements_2025-01-15.csv, colonne « date_evenement »" in result.stderr
    assert "derniere_hors_fenetre : 2025-03-01" in result.stderr
    assert "Data Docs : " in result.stderr and "Traceback" not in result.stdout + result.stderr
    assert tree(out) == before


@pytest.mark.slow
def test_a_fifo_export_is_refused_without_hanging(published, dagster_home, tmp_path):
    """A named pipe where an export is expected: opening it would wait forever for a writer. It is refused from
    its lstat, in a subprocess with a time limit (a hang fails the test instead of blocking the suite)."""
    out, home = published / "out", published / "home"
    before, archive = tree(out), tree(home / "archive")
    exports = tmp_path / "exports"
    shutil.copytree(FIXTURE, exports)
    path = fichier(exports, "reperage")
    path.unlink()
    os.mkfifo(path)
    result = lancer(["run", "--exports", str(exports), "--period", "2024", "--out", str(out)], home, dagster_home,
                    timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert (f"{exports} : {path.name} n'est pas un fichier ordinaire mais un tube nommé (FIFO) : refusé"
            in result.stderr), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert tree(out) == before and tree(home / "archive") == archive


# -- ingestion only: quarantine under the threshold, cascade, what is echoed ----------------------------------

@pytest.fixture
def exports(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(ENV_KEY, KEY)
    folder = tmp_path / "exports"
    shutil.copytree(FIXTURE, folder)
    return folder


def ingest(exports: Path, tmp_path: Path, **kwargs):
    home = tmp_path / "home"
    return ingest_exports(exports, home / "warehouse.duckdb", home, rapport_rejets=home / "rejets.csv", **kwargs)


def rejets(tmp_path: Path) -> list[dict]:
    with open(tmp_path / "home" / "rejets.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def query(tmp_path: Path, sql: str):
    with duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_rows_under_the_threshold_are_quarantined_and_the_rest_loaded(exports, tmp_path):
    ligne = jeune_inconnu(exports)[0].split("ligne ")[1].split(",")[0]
    n = sum(1 for _ in lire(fichier(exports, "evenements"))[0].splitlines()) - 1
    resultat = ingest(exports, tmp_path, seuil_rejets=0.2)
    assert resultat.rejetees["evenements"] == 1 and resultat.lignes["evenements"] == n - 1
    assert rejets(tmp_path) == [{"fichier": "evenements_2025-01-15.csv", "ligne": ligne, "colonne": "id_jeune",
                                 "valeur": pseudonymise(KEY.encode(), "J99"),
                                 "motif": "absent de la table jeunes (jeunes_2025-01-15.csv)"}]
    # event ids are hashed too: the rejected E991 is absent, E01 is there
    assert query(tmp_path, f"select count(*) from raw.evenements where id_evenement = "
                           f"'{pseudonymise(KEY.encode(), 'E991')}'") == [(0,)]
    assert query(tmp_path, f"select count(*) from raw.evenements where id_evenement = "
                           f"'{pseudonymise(KEY.encode(), 'E01')}'") == [(1,)]
    assert query(tmp_path, "select lignes_lues, lignes_rejetees from raw._fichiers "
                           "where table_export = 'evenements'") == [(n, 1)]


def test_default_threshold_refuses_and_still_writes_the_rejection_report(exports, tmp_path):
    montant_negatif(exports)
    with pytest.raises(ExportsInvalides) as exc:
        ingest(exports, tmp_path)
    assert exc.value.resume[0].startswith("allocations_2025-01-15.csv : 1 ligne(s) écartée(s) sur ")
    assert [r["colonne"] for r in rejets(tmp_path)] == ["montant"]
    assert not (tmp_path / "home" / "warehouse.duckdb").exists()


def test_a_rejected_youth_takes_its_rows_along(exports, tmp_path):
    premiere = premiere_ligne(exports, "jeunes")
    path = fichier(exports, "jeunes")
    texte, encodage = lire(path)
    sep = separateur(texte)
    entete, ligne1, *reste = texte.splitlines()
    cellules = ligne1.split(sep)
    cellules[entete.split(sep).index("sexe")] = "X"
    ecrire(path, "\n".join([entete, sep.join(cellules), *reste]) + "\n", encodage)
    ingest(exports, tmp_path, seuil_rejets=0.9)
    motifs = {(r["fichier"].split("_")[0], r["colonne"], r["motif"]) for r in rejets(tmp_path)}
    assert ("jeunes", "sexe", "valeur hors du vocabulaire du contrat (attendu : F, H)") in motifs
    assert ("evenements", "id_jeune", "écarté de la table jeunes : voir jeunes_2025-01-15.csv, ligne 2") in motifs
    jeune = pseudonymise(KEY.encode(), premiere["id_jeune"])
    for table in ("jeunes", "evenements", "dispositifs", "allocations"):
        assert query(tmp_path, f"select count(*) from raw.{table} where id_jeune = '{jeune}'") == [(0,)], table


def test_personal_data_is_never_echoed(exports, tmp_path):
    """A row shifted by one column puts an e-mail where the sex was expected and a phone number where a date
    was; a bad date of birth is sensitive: the cells are reported, their values are not."""
    premiere = premiere_ligne(exports, "jeunes")
    ajouter_ligne(exports, "jeunes", {**premiere, "id_jeune": "J98", "sexe": premiere["email"],
                                      "date_inscription": premiere["telephone"], "date_naissance": "32/13/2006",
                                      "site": premiere["adresse"], "hebergement": premiere["nom"]})
    with pytest.raises(ExportsInvalides) as exc:
        ingest(exports, tmp_path)
    rapport = (tmp_path / "home" / "rejets.csv").read_text(encoding="utf-8")
    assert {r["colonne"] for r in rejets(tmp_path)} == {"sexe", "date_inscription", "date_naissance",
                                                        "hebergement"}
    assert all(r["valeur"] == "" for r in rejets(tmp_path))
    for secret in (premiere["email"], premiere["telephone"], premiere["nom"], "32/13/2006", "J98"):
        assert secret not in rapport and secret not in exc.value.texte(), secret


def test_unknown_columns_are_warnings(exports, tmp_path):
    path = fichier(exports, "reperage")
    texte, encodage = lire(path)
    ecrire(path, "\n".join(ligne + ";" + ("Observations" if i == 0 else "RAS")
                           for i, ligne in enumerate(texte.splitlines())) + "\n", encodage)
    resultat = ingest(exports, tmp_path)
    assert [str(p) for p in resultat.avertissements] == [
        "reperage_2025-01-15.csv, colonne « Observations » : colonne inconnue du contrat, ignorée"]


def test_an_export_linked_to_a_system_file_is_refused_and_not_archived(exports, tmp_path):
    path = fichier(exports, "jeunes")
    path.unlink()
    path.symlink_to("/etc/passwd")
    with pytest.raises(ExportsInvalides) as exc:
        ingest(exports, tmp_path)
    assert [str(p) for p in exc.value.problemes][0] == (
        f"{exports} : jeunes_2025-01-15.csv est un lien symbolique : refusé (y copier le fichier lui-même, pas un "
        "lien)")
    assert "aucun fichier pour la table « jeunes »" not in exc.value.texte()  # said once, as a refusal
    archives = [p for p in (tmp_path / "home" / "archive").rglob("*") if p.is_file()]
    passwd = Path("/etc/passwd").read_bytes()
    assert not any(p.name.startswith("jeunes") or p.read_bytes() == passwd for p in archives)
    assert not (tmp_path / "home" / "warehouse.duckdb").exists()


def test_a_file_swapped_for_a_link_after_listing_is_not_read(tmp_path):
    """The listing (lstat) and the reading are two steps: a regular file replaced by a link in between is
    refused at the opening too (O_NOFOLLOW, then fstat on the descriptor)."""
    from milo_pipeline.lib.fichiers import FichierRefuse
    from milo_pipeline.lib.readers import analyse_csv, sha256_file

    path = tmp_path / "jeunes_2025-01-15.csv"
    path.symlink_to("/etc/passwd")
    for lire in (analyse_csv, sha256_file):
        with pytest.raises(FichierRefuse) as exc:
            lire(path)
        assert str(exc.value) == ("jeunes_2025-01-15.csv : ce fichier est un lien symbolique : refusé (y copier le "
                                  "fichier lui-même, pas un lien)")


def test_damaged_workbook(exports, tmp_path):
    fichier(exports, "dispositifs").write_bytes(b"PK\x03\x04 pas un classeur")
    with pytest.raises(ExportsInvalides) as exc:
        ingest(exports, tmp_path)
    assert [str(p) for p in exc.value.problemes] == [
        "dispositifs_2025-01-15.xlsx : classeur Excel illisible (BadZipFile)"]


def test_blank_lines_and_mixed_line_endings_keep_line_numbers(exports, tmp_path):
    """A hand-edited file: Windows line endings, a line added with Unix ones, blank lines in between. The
    blank lines are no data, but they count: the bad date is reported on its line of the file."""
    path = fichier(exports, "reperage")
    texte, encodage = lire(path)
    entete, *lignes = texte.splitlines()
    nouveau = "\r\n".join([entete, lignes[0], "", "  ", *lignes[1:]]) + "\r\n" + "R99;31/04/2024;Maraude;Oui;\n\n"
    ecrire(path, nouveau, encodage)
    ingest(exports, tmp_path, seuil_rejets=0.5)
    assert [(r["ligne"], r["colonne"], r["valeur"]) for r in rejets(tmp_path)] == [
        (str(len(lignes) + 4), "date_contact", "31/04/2024")]
    assert query(tmp_path, "select count(*) from raw.reperage") == [(len(lignes),)]
