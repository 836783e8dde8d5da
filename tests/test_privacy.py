"""No personal data anywhere: outputs, logs, run folders (rejection report, Data Docs), Dagster's event storage
and every table and view of the warehouse.

The export is the seeded synthetic generator's (≈240 youths, realistic names, phones, e-mails, addresses,
staff, mentors and companies), with rows that must be quarantined without echoing anything personal: a row
shifted by one column (its e-mail where the sex is expected, its phone number where a date is, its name where
the housing is), an interview of an unknown youth and a negative allowance. A first run, refused, adds a
shifted mentor row above the threshold: its message must not quote the mentor's name either.

The secrets are read from the export files through the input contract: every cell of a personal-data column
(`pii`) and every raw source id (`identifiant` columns: youths, mentors, events, mentorships, contacts). Raw ids are
short: they are searched as whole cell values
(warehouse, CSV, event metadata) or whole words (text), never as substrings; so are short names. Words that
also occur in the reference data (seeds, configuration, templates: commune names, labels) are not searched.

The warehouse is also held to the minimisation of the contract: its raw tables have exactly the columns the
contract writes (no `entrepot: false` column), no birth date anywhere (only the ages computed from it), and every
source id is the HMAC of the raw one (computed here in Python from the export file).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import cli_env, pdf_text, run_cli

from milo_pipeline.lib.contract import load_contract
from milo_pipeline.lib.ingestion import CONTRACT
from milo_pipeline.lib.pseudonymisation import pseudonymise
from milo_pipeline.lib.readers import detect_encoding, detect_separator, find_exports
from milo_pipeline.synthetic.generator import generate

ROOT = Path(__file__).resolve().parents[1]
KEY = "cle-de-test-vie-privee-de-32-octets-au-moins"
MOTS = re.compile(r"[^\W_]+", re.UNICODE)
LONGUEUR_SOUS_CHAINE = 6  # shorter secrets are searched as whole words only

pytestmark = pytest.mark.slow


def lire_table(path: Path, table) -> pd.DataFrame:
    if path.suffix == ".xlsx":
        return pd.read_excel(path, dtype=str).fillna("")
    encodage = detect_encoding(path)
    texte = path.read_bytes().decode(encodage)
    premiere = texte.lstrip("\ufeff").splitlines()[0]
    frame = pd.read_csv(io.StringIO(texte.lstrip("\ufeff")), sep=detect_separator(premiere, table), dtype=str,
                        keep_default_na=False)
    return frame


def secrets_de(exports: Path) -> tuple[set[str], set[str]]:
    """(personal values, raw ids) of a folder of exports, by the types of the input contract."""
    tables = load_contract(CONTRACT)
    fichiers, _ = find_exports(exports, tables)
    personnelles, ids = set(), set()
    for nom, path in fichiers.items():
        frame = lire_table(path, tables[nom])
        for colonne in tables[nom].colonnes:
            if colonne.nom not in frame.columns:
                continue
            valeurs = {v.strip() for v in frame[colonne.nom] if v.strip()}
            if colonne.is_pii:
                personnelles |= valeurs
            elif colonne.is_id:
                ids |= valeurs
    return personnelles, ids


def mots_de_reference() -> set[str]:
    """Words of the reference data: a name that is also a commune or a label is not evidence of a leak."""
    mots: set[str] = set()
    for motif in ("dbt_project/seeds/*.csv", "milo_pipeline/config/*.yaml", "milo_pipeline/templates/*"):
        for path in ROOT.glob(motif):
            mots |= set(MOTS.findall(path.read_text(encoding="utf-8", errors="ignore")))
    return mots


def ajouter(path: Path, lignes: list[dict]) -> None:
    encodage = detect_encoding(path)
    texte = path.read_bytes().decode(encodage)
    sep = max(";,\t", key=texte.lstrip("\ufeff").splitlines()[0].count)
    entete = next(csv.reader([texte.lstrip("\ufeff").splitlines()[0]], delimiter=sep))
    sortie = io.StringIO()
    writer = csv.writer(sortie, delimiter=sep, lineterminator="\n")
    for ligne in lignes:
        writer.writerow([ligne.get(c, "") for c in entete])
    donnees = (texte if texte.endswith("\n") else texte + "\n") + sortie.getvalue()
    path.write_bytes(donnees.encode("utf-8" if encodage == "utf-8-sig" else encodage))


def premiere(path: Path) -> dict:
    encodage = detect_encoding(path)
    texte = path.read_bytes().decode(encodage).lstrip("\ufeff")
    return next(csv.DictReader(io.StringIO(texte), delimiter=max(";,\t", key=texte.splitlines()[0].count)))


def injecter(exports: Path) -> None:
    """Rows to quarantine, under the threshold of each table."""
    jeune = premiere(exports / "jeunes_2025-01-15.csv")
    ajouter(exports / "jeunes_2025-01-15.csv", [{
        **jeune, "id_jeune": "J9001", "sexe": jeune["email"], "date_inscription": jeune["telephone"],
        "hebergement": jeune["nom"], "site": jeune["adresse"], "date_naissance": "31/02/2005"}])
    evenement = premiere(exports / "evenements_2025-01-15.csv")
    ajouter(exports / "evenements_2025-01-15.csv", [
        {**evenement, "id_evenement": "999000001", "id_jeune": "INCONNU77"},
        {**evenement, "id_evenement": "999000002", "id_jeune": "J9001"}])
    allocation = premiere(exports / "allocations_2025-01-15.csv")
    ajouter(exports / "allocations_2025-01-15.csv", [{**allocation, "montant": "-12,50"}])


def lancer(args: list[str], home: Path, dagster_home: Path) -> subprocess.CompletedProcess:
    return run_cli(args, home, env=cli_env(home, KEY, DAGSTER_HOME=str(dagster_home)))


@pytest.fixture(scope="module")
def runs(tmp_path_factory, dagster_home):
    root = tmp_path_factory.mktemp("privacy")
    exports = root / "exports"
    generate(exports, youths=120, seed=11, year=2024)
    injecter(exports)
    refuse = root / "exports_refuses"
    shutil.copytree(exports, refuse)
    mentor = premiere(refuse / "parrains_2025-01-15.csv")
    ajouter(refuse / "parrains_2025-01-15.csv", [{**mentor, "id_parrain": "M9002", "statut": mentor["nom"]}])
    args = ["--period", "2024", "--out", str(root / "out")]
    echec = lancer(["run", "--exports", str(refuse), *args], root / "home", dagster_home)
    succes = lancer(["run", "--exports", str(exports), *args], root / "home", dagster_home)
    personnelles, ids = secrets_de(refuse)
    return root, echec, succes, personnelles, ids


def fuites(texte: str, personnelles: set[str], ids: set[str], reference: set[str]) -> set[str]:
    """The secrets found in a text: long personal values as substrings, short ones and ids as whole words."""
    mots = set(MOTS.findall(texte))
    personnelles = personnelles - reference
    trouves = {s for s in personnelles if len(s) >= LONGUEUR_SOUS_CHAINE and s in texte}
    trouves |= {s for s in personnelles if len(s) < LONGUEUR_SOUS_CHAINE and s in mots}
    return trouves | (ids & mots)


def test_the_runs_went_as_expected(runs):
    root, echec, succes, personnelles, ids = runs
    assert echec.returncode == 1, echec.stdout + echec.stderr
    assert "parrains_2025-01-15.csv : 1 ligne(s) écartée(s) sur 2" in echec.stderr
    assert succes.returncode == 0, succes.stdout + succes.stderr
    for table, n in (("jeunes", 1), ("evenements", 2), ("allocations", 1)):
        assert re.search(rf"{table}_2025-01-15.csv : {n} ligne\(s\) écartée\(s\)", succes.stdout), succes.stdout
    assert len(personnelles) > 500 and {"J9001", "INCONNU77", "M9002"} <= ids


def test_rejection_reports_hold_pseudonyms_and_no_personal_data(runs):
    root, _, _, personnelles, ids = runs
    rapports = sorted((root / "home" / "runs").glob("*/rejets.csv"))
    assert len(rapports) == 2
    cellules = []
    for rapport in rapports:
        with open(rapport, encoding="utf-8", newline="") as f:
            cellules += [v for row in csv.DictReader(f) for v in row.values()]
    assert pseudonymise(KEY.encode(), "INCONNU77") in cellules and pseudonymise(KEY.encode(), "J9001") in cellules
    reference = mots_de_reference()
    assert not set(cellules) & ((personnelles - reference) | ids)
    assert not fuites("\n".join(cellules), personnelles, ids, reference)


def test_no_personal_data_in_outputs_logs_run_folders_and_console(runs):
    root, echec, succes, personnelles, ids = runs
    reference = mots_de_reference()
    fichiers = [p for dossier in (root / "out", root / "home" / "logs", root / "home" / "runs")
                for p in dossier.rglob("*") if p.is_file()]
    assert any(p.suffix == ".pdf" for p in fichiers) and any(p.name == "index.html" for p in fichiers)
    textes = {"console": echec.stdout + echec.stderr + succes.stdout + succes.stderr}
    for path in fichiers:
        textes[str(path)] = pdf_text(path) if path.suffix == ".pdf" else path.read_bytes().decode("utf-8", "replace")
    trouvees = {nom: f for nom, texte in textes.items() if (f := fuites(texte, personnelles, ids, reference))}
    assert not trouvees


def test_no_personal_data_in_dagster_events(runs, dagster_home):
    _, _, _, personnelles, ids = runs
    import dagster as dg
    from dagster._serdes import serialize_value

    reference = mots_de_reference()
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        records = instance.get_runs()
        assert len(records) == 2
        evenements = [serialize_value(e) for run in records for e in instance.all_logs(run.run_id)]
    assert any("lignes_rejetees" in e for e in evenements)
    valeurs: set[str] = set()
    for e in evenements:
        _valeurs(json.loads(e), valeurs)
    assert not valeurs & ((personnelles - reference) | ids)
    assert not fuites("\n".join(evenements), personnelles, ids, reference)
    stockage = "\n".join(p.read_bytes().decode("utf-8", "replace") for p in dagster_home.rglob("*") if p.is_file())
    assert not fuites(stockage, personnelles, ids, reference)


def _valeurs(objet, valeurs: set[str]) -> None:
    if isinstance(objet, dict):
        for v in objet.values():
            _valeurs(v, valeurs)
    elif isinstance(objet, list):
        for v in objet:
            _valeurs(v, valeurs)
    elif isinstance(objet, str):
        valeurs.add(objet.strip())


def test_the_warehouse_holds_only_the_columns_the_contract_writes(runs):
    root = runs[0]
    tables = load_contract(CONTRACT)
    with duckdb.connect(str(root / "home" / "warehouse.duckdb"), read_only=True) as con:
        colonnes = con.execute("select table_schema, table_name, column_name "
                               "from information_schema.columns").fetchall()
    for nom, table in tables.items():
        attendues = [c.nom for c in table.colonnes_entrepot] + [age for age, _ in table.ages]
        assert [c for s, t, c in colonnes if (s, t) == ("raw", nom)] == attendues
    ecartees = {c.nom for t in tables.values() for c in t.colonnes if c.is_pii or not c.entrepot}
    assert {"date_naissance", "code_postal", "site", "type_contact"} <= ecartees
    # no birth date in any schema or model; no column the contract keeps out in the staging views either
    assert not [(s, t, c) for s, t, c in colonnes if "naissance" in c]
    assert not [(t, c) for s, t, c in colonnes if t.startswith("stg_imilo__") and c in ecartees]


def test_no_birth_date_and_no_raw_source_id_in_the_warehouse(runs):
    root, *_ = runs
    tables = load_contract(CONTRACT)
    fichiers, _ = find_exports(root / "exports", tables)  # the export of the successful run
    jeunes = lire_table(fichiers["jeunes"], tables["jeunes"])
    key = KEY.encode()
    dates = pd.to_datetime(jeunes["date_naissance"], dayfirst=True, errors="coerce")  # J9001: 31/02, unreadable
    naissances = {pseudonymise(key, i.strip()): d.date()
                  for i, d in zip(jeunes["id_jeune"], dates, strict=True) if not pd.isna(d)}
    with duckdb.connect(str(root / "home" / "warehouse.duckdb"), read_only=True) as con:
        # the youth's birth date is in no cell of the youth's row (its dates are those of the welcome and the
        # registration; a birth date would be read from any of its DATE cells)
        lignes = con.execute("select id_jeune, columns(lambda c: c <> 'id_jeune') from raw.jeunes").fetchall()
        assert len(lignes) > 100 and all(naissances[row[0]] not in row[1:] for row in lignes if row[0] in naissances)
        assert len(naissances) > 100
        # every source id is the HMAC of the raw id of the export file, unique where it is a key
        for nom, colonne in (("evenements", "id_evenement"), ("parrainages", "id_parrainage"),
                             ("reperage", "id_contact"), ("contacts_entreprises", "id_contact"),
                             ("parrains", "id_parrain"), ("jeunes", "id_jeune")):
            frame = lire_table(fichiers[nom], tables[nom])
            bruts = [v.strip() for v in frame[colonne] if v.strip()]
            ecrits = [v for (v,) in con.execute(f"select {colonne} from raw.{nom}").fetchall()]
            assert len(ecrits) == len(set(ecrits)) > 0
            # the rows written are those of the file less the quarantined ones (injecter: a youth, two events)
            assert set(ecrits) <= {pseudonymise(key, b) for b in bruts} and not set(ecrits) & set(bruts)
            assert len(ecrits) == len(bruts) - {"jeunes": 1, "evenements": 2}.get(nom, 0)
        premier = lire_table(fichiers["evenements"], tables["evenements"]).iloc[0]
        assert con.execute("select count(*) from raw.evenements where id_evenement = $e and id_jeune = $j",
                           {"e": pseudonymise(key, premier["id_evenement"]),
                            "j": pseudonymise(key, premier["id_jeune"])}).fetchall() == [(1,)]


def test_no_personal_data_in_any_warehouse_table(runs):
    root, _, _, personnelles, ids = runs
    reference = mots_de_reference()
    with duckdb.connect(str(root / "home" / "warehouse.duckdb"), read_only=True) as con:
        relations = con.execute("select table_schema, table_name from information_schema.tables "
                                "order by all").fetchall()
        assert ("raw", "jeunes") in relations and ("main", "indicateurs") in relations
        assert ("qualite", "volumes_exports") in relations
        trouvees = {}
        for schema, table in relations:
            cellules = {v for row in con.execute(f'select columns(*)::varchar from "{schema}"."{table}"').fetchall()
                        for v in row if v is not None}
            f = (cellules & ((personnelles - reference) | ids)) | fuites("\n".join(cellules), personnelles, ids,
                                                                         reference)
            if f:
                trouvees[f"{schema}.{table}"] = f
    assert not trouvees
