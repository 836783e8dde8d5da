"""One place for each indicator: outside the tests, an indicator id is written only in the dictionary
(dbt_project/seeds/indicateurs_dictionnaire.csv), the SQL of its mart (dbt_project/models/marts/mart_*.sql),
the report's layout where it is laid out by hand (milo_pipeline/lib/report/layout.py) and the funder files
that select it (milo_pipeline/config/financeurs/*.yaml, and the network's
milo_pipeline/config/reseau/financeurs/*.yaml). Comments and documentation may name an id; code and
configuration may not (a copy of a fact the dictionary holds)."""

import csv
import io
import re
import tokenize
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DICTIONNAIRE = REPO / "dbt_project" / "seeds" / "indicateurs_dictionnaire.csv"
PERMIS = {
    "milo_pipeline/lib/report/layout.py",
}


def identifiants() -> set[str]:
    with open(DICTIONNAIRE, encoding="utf-8", newline="") as f:
        return {r["indicateur"] for r in csv.DictReader(f)}


def chaines_python(chemin: Path) -> list[str]:
    """The string literals of a Python module, f-strings included, without its comments and docstrings
    (a string standing alone as a statement): documentation may name an id."""
    texte = chemin.read_text(encoding="utf-8")
    chaines, precedent = [], tokenize.NEWLINE
    for jeton in tokenize.generate_tokens(io.StringIO(texte).readline):
        if jeton.type == tokenize.STRING and precedent not in (tokenize.NEWLINE, tokenize.INDENT, tokenize.NL,
                                                                tokenize.DEDENT):
            chaines.append(jeton.string)
        if jeton.type not in (tokenize.COMMENT, tokenize.NL):
            precedent = jeton.type
    return chaines


def sql_sans_commentaires(chemin: Path) -> str:
    texte = re.sub(r"\{#.*?#\}", "", chemin.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"--[^\n]*", "", texte)


def yaml_sans_commentaires(chemin: Path) -> str:
    return "\n".join(re.sub(r"(^|\s)#.*$", "", ligne) for ligne in chemin.read_text(encoding="utf-8").splitlines())


def occurrences(ids: set[str], texte: str) -> set[str]:
    return {m for m in re.findall(r"\b[a-z][a-z0-9_]*\b", texte) if m in ids}


def test_an_indicator_id_is_written_only_where_it_belongs():
    ids = identifiants()
    trouves: dict[str, set[str]] = {}
    for chemin in sorted((REPO / "milo_pipeline").rglob("*.py")):
        nom = chemin.relative_to(REPO).as_posix()
        if nom not in PERMIS and (vus := occurrences(ids, "\n".join(chaines_python(chemin)))):
            trouves[nom] = vus
    for chemin in sorted((REPO / "milo_pipeline").rglob("*.yaml")):
        nom = chemin.relative_to(REPO).as_posix()
        financeurs = re.search(r"/config/(reseau/)?financeurs/", nom)
        if not financeurs and (vus := occurrences(ids, yaml_sans_commentaires(chemin))):
            trouves[nom] = vus
    for chemin in sorted((REPO / "milo_pipeline" / "templates").rglob("*")):
        if chemin.is_file() and (vus := occurrences(ids, chemin.read_text(encoding="utf-8"))):
            trouves[chemin.relative_to(REPO).as_posix()] = vus
    for dossier in ("macros", "models/staging", "models/intermediate"):
        for chemin in sorted((REPO / "dbt_project" / dossier).rglob("*.sql")):
            if vus := occurrences(ids, sql_sans_commentaires(chemin)):
                trouves[chemin.relative_to(REPO).as_posix()] = vus
    for chemin in sorted((REPO / "dbt_project" / "models" / "marts").glob("*.sql")):
        if not chemin.name.startswith("mart_") and (vus := occurrences(ids, sql_sans_commentaires(chemin))):
            trouves[chemin.relative_to(REPO).as_posix()] = vus
    assert trouves == {}


def test_each_id_is_computed_by_one_mart_only():
    """The SQL of an indicator lives once: no id is written in two marts."""
    ids = identifiants()
    marts: dict[str, list[str]] = {}
    for chemin in sorted((REPO / "dbt_project" / "models" / "marts").glob("mart_*.sql")):
        for i in occurrences(ids, sql_sans_commentaires(chemin)):
            marts.setdefault(i, []).append(chemin.name)
    assert {i: m for i, m in marts.items() if len(m) > 1} == {}


def test_the_scan_sees_an_id_written_in_code(tmp_path):
    """The scan is not blind: an id in a string literal, in SQL or in YAML is found; in a comment it is not."""
    ids = {"acc_nb_jeunes"}
    module = tmp_path / "m.py"
    module.write_text('"""Docstring naming acc_nb_jeunes."""\n# comment acc_nb_jeunes\nX = "acc_nb_jeunes"\n',
                      encoding="utf-8")
    assert occurrences(ids, "\n".join(chaines_python(module))) == {"acc_nb_jeunes"}
    module.write_text('"""Docstring naming acc_nb_jeunes."""\n# comment acc_nb_jeunes\nX = 1\n', encoding="utf-8")
    assert occurrences(ids, "\n".join(chaines_python(module))) == set()
    sql = tmp_path / "m.sql"
    sql.write_text("{# acc_nb_jeunes #}\n-- acc_nb_jeunes\nselect 'acc_nb_jeunes'\n", encoding="utf-8")
    assert occurrences(ids, sql_sans_commentaires(sql)) == {"acc_nb_jeunes"}
    yml = tmp_path / "m.yaml"
    yml.write_text("# acc_nb_jeunes\ncle: acc_nb_jeunes\n", encoding="utf-8")
    assert occurrences(ids, yaml_sans_commentaires(yml)) == {"acc_nb_jeunes"}
