"""Ingestion on small hand-written exports: formats, typing, pseudonymisation, ages, the key, errors."""

from __future__ import annotations

import shutil
import stat
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from milo_pipeline.lib.errors import ExportsInvalides
from milo_pipeline.lib.ingestion import ingest_exports
from milo_pipeline.lib.pseudonymisation import ENV_KEY, CleInvalide, load_key, pseudonymise

FIXTURE = Path(__file__).parent / "fixtures" / "exports_2024"
KEY = "cle-de-test-de-l-ingestion-32-octets"


def h(valeur: str) -> str:
    return pseudonymise(KEY.encode(), valeur)


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv(ENV_KEY, KEY)


@pytest.fixture
def exports(tmp_path) -> Path:
    folder = tmp_path / "exports"
    shutil.copytree(FIXTURE, folder)
    return folder


def ingest(folder: Path, tmp_path: Path):
    return ingest_exports(folder, tmp_path / "home" / "warehouse.duckdb", tmp_path / "home")


def query(tmp_path: Path, sql: str):
    with duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_fixture_formats_are_read_and_typed(exports, tmp_path):
    resultat = ingest(exports, tmp_path)
    formats = {f.table: (f.format, f.encodage, f.separateur) for f in resultat.fichiers}
    assert formats["jeunes"] == ("csv", "cp1252", ";")
    assert formats["evenements"] == ("csv", "utf-8-sig", ";")
    assert formats["situations"] == ("csv", "utf-8", "\t")
    assert formats["allocations"] == ("csv", "utf-8", ",")
    assert formats["dispositifs"] == ("xlsx", None, None)
    assert resultat.lignes == {"jeunes": 8, "evenements": 17, "dispositifs": 11, "situations": 16, "allocations": 5,
                               "parrainages": 7, "parrains": 4, "reperage": 8, "contacts_entreprises": 6}
    assert resultat.date_export == "2025-01-15"

    # J02, born 11/03/2006: 17 at registration (01/03/2024) and at the first welcome (10/03/2024)
    j02 = pseudonymise(KEY.encode(), "J02")
    assert query(tmp_path, f"select age_inscription, age_premier_accueil, zrr, hebergement, permis_b, commune_insee, "
                           f"qpv_code from raw.jeunes where id_jeune = '{j02}'") == [
        (17, 17, True, "Hôtel", True, "25047", None)]
    # accents of a Windows-1252 file survive; "NON" in capitals is a boolean
    j04 = pseudonymise(KEY.encode(), "J04")
    assert query(tmp_path, f"select zrr, hebergement from raw.jeunes where id_jeune = '{j04}'") == [(False, None)]
    assert query(tmp_path, "select count(*) from raw.jeunes where hebergement in ('Sans hébergement', "
                           "'Résidence sociale')") == [(2,)]
    # ISO with time, ISO date and JJ/MM/AAAA in the same column
    assert query(tmp_path, f"select date_evenement from raw.evenements where id_evenement in "
                           f"('{h('E05')}', '{h('E07')}', '{h('E08')}') order by 1") == [
        (datetime(2024, 1, 5),), (datetime(2024, 6, 1),), (datetime(2024, 12, 31, 23, 30),)]
    # decimal comma
    assert query(tmp_path, "select sum(montant) from raw.allocations") == [(Decimal("1352.75"),)]
    # XLSX: text dates and empty cells
    assert query(tmp_path, "select dispositif, date_entree, date_sortie, motif_sortie from raw.dispositifs "
                           "where dispositif = 'Atelier Bidule'") == [
        ("Atelier Bidule", date(2024, 4, 1), date(2024, 4, 30), None)]
    # leading zeros of codes are kept
    assert query(tmp_path, f"select siret from raw.contacts_entreprises where id_contact = '{h('C1')}'") == [
        ("01234567800011",)]


def test_personal_data_never_reaches_the_warehouse(exports, tmp_path):
    ingest(exports, tmp_path)
    columns = {c for (c,) in query(tmp_path, "select column_name from information_schema.columns "
                                             "where table_schema = 'raw'")}
    assert not columns & {"nom", "prenom", "telephone", "email", "adresse", "raison_sociale", "conseiller"}
    ids = {i for (i,) in query(tmp_path, "select id_jeune from raw.jeunes")}
    assert ids == {pseudonymise(KEY.encode(), f"J0{i}") for i in range(1, 9)}
    raw_bytes = (tmp_path / "home" / "warehouse.duckdb").read_bytes()
    for secret in (b"Lef\xc3\xa8vre", b"zoe.lefevre@example.org", b"06 11 22 33 44", b"rue des", b"Boulangerie"):
        assert secret not in raw_bytes


def test_hmac_in_sql_equals_python_hmac(tmp_path, monkeypatch, exports):
    monkeypatch.setenv(ENV_KEY, "x" * 100)  # a key longer than the block is hashed first (RFC 2104)
    ingest(exports, tmp_path)
    ids = {i for (i,) in query(tmp_path, "select id_jeune from raw.evenements")}
    assert pseudonymise(b"x" * 100, "J01") in ids


def test_key_file_created_once_with_mode_0600(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_KEY)
    first = load_key(tmp_path, tmp_path / "warehouse.duckdb")
    assert stat.S_IMODE((tmp_path / "pseudonymisation.key").stat().st_mode) == 0o600
    assert load_key(tmp_path, tmp_path / "warehouse.duckdb") == first and len(first) == 64


@pytest.mark.parametrize("origine", ["env", "fichier"])
def test_a_key_shorter_than_32_bytes_is_refused_before_anything_is_read(exports, tmp_path, monkeypatch, origine):
    if origine == "env":
        monkeypatch.setenv(ENV_KEY, "0123456789")  # 10 bytes
    else:
        monkeypatch.delenv(ENV_KEY)
        (tmp_path / "home").mkdir()
        (tmp_path / "home" / "pseudonymisation.key").write_text("a" * 31 + "\n", encoding="ascii")
    with pytest.raises(CleInvalide) as exc:
        ingest(exports, tmp_path)
    longueur = 10 if origine == "env" else 31
    assert "Clé de pseudonymisation trop courte" in str(exc.value)
    assert f": {longueur} octet(s), il en faut au moins 32" in str(exc.value)
    assert not (tmp_path / "home" / "warehouse.duckdb").exists() and not (tmp_path / "home" / "archive").exists()
    monkeypatch.setenv(ENV_KEY, "é" * 16)  # 32 bytes in UTF-8: enough
    ingest(exports, tmp_path)


def test_a_lost_key_is_never_silently_regenerated(exports, tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_KEY)
    home = tmp_path / "home"
    ingest(exports, tmp_path)  # a brand-new MILO_HOME: the key is created
    cle = home / "pseudonymisation.key"
    avant = query(tmp_path, "select id_jeune from raw.jeunes order by 1")
    cle.unlink()
    with pytest.raises(CleInvalide) as exc:
        ingest(exports, tmp_path)
    message = str(exc.value)
    assert message.startswith(f"Clé de pseudonymisation introuvable : {cle} n'existe pas")
    assert "le suivi d'un mois sur l'autre serait rompu" in message and "Restaurer la clé" in message
    assert f"mv {home / 'warehouse.duckdb'} {home / 'warehouse.duckdb'}.ancien" in message
    assert not cle.exists() and query(tmp_path, "select id_jeune from raw.jeunes order by 1") == avant
    # the warehouse moved aside deliberately: a new key, a new warehouse
    (home / "warehouse.duckdb").rename(home / "warehouse.duckdb.ancien")
    ingest(exports, tmp_path)
    assert cle.exists() and query(tmp_path, "select count(*) from raw.jeunes") == [(8,)]


def test_raw_files_are_archived_read_only_by_checksum(exports, tmp_path):
    resultat = ingest(exports, tmp_path)
    jeunes = next(f for f in resultat.fichiers if f.table == "jeunes")
    archived = tmp_path / "home" / "archive" / jeunes.sha256 / "jeunes_2025-01-15.csv"
    assert archived.read_bytes() == (exports / "jeunes_2025-01-15.csv").read_bytes()
    assert stat.S_IMODE(archived.stat().st_mode) == 0o400
    assert [p.name for p in archived.parent.iterdir()] == ["jeunes_2025-01-15.csv"]  # no temporary left


def test_archive_replaces_a_planted_link_and_never_writes_through_it(exports, tmp_path):
    """A symbolic link planted where an archive goes is replaced by the file, not followed: the file it points
    to is left untouched."""
    from milo_pipeline.lib.ingestion import archive
    from milo_pipeline.lib.readers import sha256_file

    source = exports / "parrains_2025-01-15.csv"
    sha = sha256_file(source)
    cible = tmp_path / "a_proteger.txt"
    cible.write_text("intact", encoding="utf-8")
    (tmp_path / "archive" / sha).mkdir(parents=True)
    (tmp_path / "archive" / sha / source.name).symlink_to(cible)
    dest = archive(source, sha, tmp_path / "archive")
    assert not dest.is_symlink() and dest.read_bytes() == source.read_bytes()
    assert cible.read_text(encoding="utf-8") == "intact"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o400


def test_header_aliases_from_configuration(exports, tmp_path):
    path = exports / "situations_2025-01-15.csv"
    path.write_text(path.read_text().replace("categorie", "Catégorie").replace("date_debut", "Date début"))
    ingest(exports, tmp_path)
    assert query(tmp_path, "select categorie, date_debut from raw.situations "
                           "where date_debut in ('2024-02-01', '2024-07-01') order by 2") == [
        ("PMSMP", date(2024, 2, 1)), ("Emploi", date(2024, 7, 1))]


def test_xlsx_with_real_excel_dates(exports, tmp_path):
    (exports / "dispositifs_2025-01-15.xlsx").unlink()
    wb = Workbook()
    wb.active.append(["id_jeune", "dispositif", "date_entree", "date_sortie", "motif_sortie"])
    wb.active.append(["J01", "CEJ", datetime(2024, 2, 3), None, None])
    wb.save(exports / "dispositifs_2025-01-15.xlsx")
    ingest(exports, tmp_path)
    assert query(tmp_path, "select dispositif, date_entree, date_sortie from raw.dispositifs") == [
        ("CEJ", date(2024, 2, 3), None)]


def _problemes(exports, tmp_path) -> list[str]:
    with pytest.raises(ExportsInvalides) as exc:
        ingest(exports, tmp_path)
    assert not (tmp_path / "home" / "warehouse.duckdb").exists()
    return [str(p) for p in exc.value.problemes]


def test_unparseable_date_names_file_line_column_value(exports, tmp_path):
    path = exports / "parrains_2025-01-15.csv"
    path.write_text(path.read_text() + "M02;Martin;En activité;31/02/2024\n", encoding="utf-8")
    (message,) = _problemes(exports, tmp_path)
    assert message.startswith("parrains_2025-01-15.csv, ligne 6, colonne « date_entree » : date illisible")
    assert "« 31/02/2024 »" in message


def test_missing_required_column(exports, tmp_path):
    path = exports / "reperage_2025-01-15.csv"
    path.write_text(path.read_text().replace(";canal", ";canal_contact"), encoding="utf-8")
    messages = _problemes(exports, tmp_path)
    assert messages == ["reperage_2025-01-15.csv, colonne « canal » : colonne obligatoire absente de l'en-tête"]


def test_missing_table_and_empty_file(exports, tmp_path):
    (exports / "parrains_2025-01-15.csv").unlink()
    (exports / "reperage_2025-01-15.csv").write_bytes(b"")
    messages = _problemes(exports, tmp_path)
    assert any("aucun fichier pour la table « parrains »" in m for m in messages)
    assert "reperage_2025-01-15.csv : fichier vide" in messages


def test_bad_boolean(exports, tmp_path):
    path = exports / "reperage_2025-01-15.csv"
    path.write_text(path.read_text().replace("Maraude;Oui", "Maraude;Peut-être"), encoding="utf-8")
    (message,) = _problemes(exports, tmp_path)
    assert message.startswith("reperage_2025-01-15.csv, ligne 2, colonne « repere » : valeur attendue : Oui ou Non")


@pytest.mark.slow  # a 300,000-row file (24 MB), hashed and checked row by row
def test_a_large_file_keeps_its_order_and_line_numbers(exports, tmp_path):
    """DuckDB reads and types a large file on every core, without numbering its rows: a row's line number is its
    position. The rows must reach the warehouse in the order of the file, and a rejected row be reported on its
    own line and left out — wherever it is in the file."""
    n = 300_000  # ~24 MB: read in parallel (a smaller file is read by one thread, in order whatever the plan)
    mauvaises = {2 + 1_000, 2 + 150_000, 2 + n - 10}  # line numbers (1 = header)
    lignes = ["id_evenement;id_jeune;date_evenement;nature;statut;conseiller;site"]
    for i in range(n):
        statut = "Excusé" if i + 2 in mauvaises else "Présent"
        lignes.append(f"E{i:07d};J0{i % 8 + 1};2024-05-02 10:00:00;Atelier;{statut};Conseiller {i % 13};Besançon Midol")
    (exports / "evenements_2025-01-15.csv").write_text("\n".join(lignes) + "\n", encoding="utf-8")
    home = tmp_path / "home"
    resultat = ingest_exports(exports, home / "warehouse.duckdb", home, rapport_rejets=home / "rejets.csv",
                              seuil_rejets=0.5)
    assert resultat.lues["evenements"] == n and resultat.rejetees["evenements"] == len(mauvaises)
    rapport = (home / "rejets.csv").read_text(encoding="utf-8").splitlines()
    assert [r.split(",")[1:4] for r in rapport[1:]] == [[str(ligne), "statut", "Excusé"] for ligne in sorted(mauvaises)]
    # the ids (hashed) in the order of the file, each row with the age of its own youth on 02/05/2024 (computed
    # by an UPDATE joined to the youths, which must move no row): J01 born 10/03/2006 → 18, J02 11/03/2006 → 18,
    # J03 01/06/2000 → 23, J04 15/01/1998 → 26, J05 20/07/2009 → 14, J06 29/02/2004 → 20, J07 30/11/2001 → 22,
    # J08 05/05/1999 → 24 (their birthday three days later)
    ages = [18, 18, 23, 26, 14, 20, 22, 24]
    gardees = [(h(f"E{i:07d}"), ages[i % 8]) for i in range(n) if i + 2 not in mauvaises]
    assert query(tmp_path, "select id_evenement, age_evenement from raw.evenements") == gardees
