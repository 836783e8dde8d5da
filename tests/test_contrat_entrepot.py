"""The warehouse keeps only what an indicator or a quality check reads: a property of the contract.

config/exports.yaml says which checked columns reach the warehouse (`entrepot: false`: read and checked at
ingestion, never written) and which ages are computed from the birth date (`ages`). These tests read the dbt
project and the quality checks as text, and hold the contract to it both ways:
- every column written to `raw.*` (and every age) is read by its staging model (in its select list, or in the
  condition of a join whose relation gives a column) into a column that an intermediate model, a mart, a macro or
  a quality check reads;
- no staging model reads a column the contract keeps out of the warehouse (nor the birth date).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from milo_pipeline.lib.contract import load_contract
from milo_pipeline.lib.ingestion import CONTRACT

ROOT = Path(__file__).resolve().parents[1]
STAGING = ROOT / "dbt_project" / "models" / "staging" / "imilo"
TABLES = load_contract(CONTRACT)


def lecteurs() -> str:
    """Everything that reads the staging views: intermediate models, marts, macros, the quality checks."""
    dbt = ROOT / "dbt_project"
    chemins = [*(dbt / "models" / "intermediate").glob("*.sql"), *(dbt / "models" / "marts").glob("*.sql"),
               *(dbt / "macros").glob("*.sql"), ROOT / "milo_pipeline" / "config" / "qualite.yaml",
               ROOT / "milo_pipeline" / "lib" / "quality.py"]
    return "\n".join(p.read_text(encoding="utf-8") for p in chemins)


def selection(table: str) -> list[tuple[str, str]]:
    """(expression, output column) of the select list of a staging model's `renamed` step."""
    texte = (STAGING / f"stg_imilo__{table}.sql").read_text(encoding="utf-8")
    texte = re.sub(r"--[^\n]*", "", texte)
    corps = re.search(r"renamed as \(\s*select(.*?)\n\s*from source", texte, re.S)[1]
    items, profondeur, courant = [], 0, ""
    for caractere in corps:
        profondeur += {"(": 1, ")": -1}.get(caractere, 0)
        if caractere == "," and profondeur == 0:
            items.append(courant)
            courant = ""
        else:
            courant += caractere
    items.append(courant)
    resultat = []
    for item in (i.strip() for i in items if i.strip()):
        alias = re.search(r"\bas\s+(\w+)\s*$", item)
        resultat.append((item, alias[1] if alias else item.split(".")[-1]))
    return resultat


def jointures(table: str) -> dict[str, str]:
    """{relation joined in the staging model: its join condition}: a raw column in a join condition is read into
    the columns the model takes from the relation it joins (hebergement → hebergements.categorie)."""
    texte = re.sub(r"--[^\n]*", "", (STAGING / f"stg_imilo__{table}.sql").read_text(encoding="utf-8"))
    return dict(re.findall(r"\bjoin\s+(\w+)\s+on\s+(.*?)(?=\n\s*(?:left\s+|inner\s+)?(?:join|where|group)\b|\n\s*\))",
                           texte, re.S))


def sorties_de(colonne: str, table: str) -> list[str]:
    """The staging model's output columns computed from a raw column: directly, or through a join on it."""
    par = [relation for relation, condition in jointures(table).items()
           if re.search(rf"\bsource\.{colonne}\b", condition)]
    return [sortie for expression, sortie in selection(table)
            if re.search(rf"\b{colonne}\b", expression) or any(re.search(rf"\b{r}\.", expression) for r in par)]


def ecrites(table) -> list[str]:
    return [c.nom for c in table.colonnes_entrepot] + [age for age, _ in table.ages]


@pytest.mark.parametrize("nom", list(TABLES))
def test_every_warehouse_column_is_read_by_an_indicator_or_a_check(nom):
    textes = lecteurs()
    inutiles = []
    for colonne in ecrites(TABLES[nom]):
        sorties = sorties_de(colonne, nom)
        if not any(re.search(rf"\b{sortie}\b", textes) for sortie in sorties):
            inutiles.append((colonne, sorties))
    assert not inutiles, f"colonnes écrites dans raw.{nom} que rien ne lit : {inutiles} (entrepot: false ?)"


@pytest.mark.parametrize("nom", list(TABLES))
def test_no_staging_model_reads_a_column_kept_out_of_the_warehouse(nom):
    table = TABLES[nom]
    texte = re.sub(r"--[^\n]*", "", (STAGING / f"stg_imilo__{nom}.sql").read_text(encoding="utf-8"))
    ecartees = [c.nom for c in table.colonnes if c.is_pii or not c.entrepot]
    assert [c for c in ecartees if re.search(rf"\b{c}\b", texte)] == []


def test_the_contract_keeps_out_what_no_indicator_uses():
    """What stays, and why: sex (breakdowns by sex), commune (territory indicators), QPV/ZRR, education level and
    diploma (without qualification), housing, mobility, RQTH (CEJ), the dates of each cohort; what goes: the
    birth date (the ages instead), the postcode, the site of a youth or an event, the type of an employer
    contact. Ids are all hashed."""
    hors = {(t.nom, c.nom) for t in TABLES.values() for c in t.colonnes if not c.is_pii and not c.entrepot}
    assert hors == {("jeunes", "date_naissance"), ("jeunes", "code_postal"), ("jeunes", "site"),
                    ("evenements", "site"), ("contacts_entreprises", "type_contact")}
    assert {(t.nom, c.nom) for t in TABLES.values() for c in t.colonnes if c.is_id} == {
        ("jeunes", "id_jeune"), ("evenements", "id_evenement"), ("evenements", "id_jeune"),
        ("dispositifs", "id_jeune"), ("situations", "id_jeune"), ("allocations", "id_jeune"),
        ("parrainages", "id_parrainage"), ("parrainages", "id_jeune"), ("parrainages", "id_parrain"),
        ("parrains", "id_parrain"), ("reperage", "id_contact"), ("reperage", "id_jeune"),
        ("contacts_entreprises", "id_contact")}
    # every column named id_* is hashed
    assert all(c.is_id for t in TABLES.values() for c in t.colonnes if c.nom.startswith("id_"))
    assert {t.nom: t.ages for t in TABLES.values() if t.ages} == {
        "jeunes": (("age_premier_accueil", "date_premier_accueil"), ("age_inscription", "date_inscription")),
        "evenements": (("age_evenement", "date_evenement"),), "dispositifs": (("age_entree", "date_entree"),),
        "parrainages": (("age_debut", "date_debut"),)}


@pytest.mark.parametrize(("yaml", "message"), [
    ("naissance: jeunes.date_naissance\ntables:\n  jeunes:\n    ages: {age: date_premier_accueil}\n    colonnes:\n"
     "      id_jeune: {type: identifiant, cle: true}\n      date_naissance: {type: date, sensible: true}\n"
     "      date_premier_accueil: {type: date}\n", "doit être une date `sensible: true, entrepot: false`"),
    ("tables:\n  jeunes:\n    colonnes:\n      id_jeune: {type: identifiant, cle: true, entrepot: false}\n",
     "une clé ou une référence est écrite dans l'entrepôt"),
    ("tables:\n  jeunes:\n    colonnes:\n      id_jeune: {type: identifiant, entrepot: non}\n",
     "entrepot vaut true ou false"),
    ("naissance: jeunes.date_naissance\ntables:\n  jeunes:\n    colonnes:\n"
     "      id_jeune: {type: identifiant, cle: true}\n"
     "      date_naissance: {type: date, sensible: true, entrepot: false}\n"
     "  evenements:\n    ages: {age_evenement: date_evenement}\n    colonnes:\n"
     "      date_evenement: {type: horodatage}\n", "aucune colonne ne référence la table jeunes"),
])
def test_a_contract_that_would_let_a_birth_date_or_a_key_astray_is_refused(tmp_path, yaml, message):
    path = tmp_path / "exports.yaml"
    path.write_text(yaml, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        load_contract(path)
