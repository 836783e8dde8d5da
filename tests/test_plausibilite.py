"""Plausibility (issue 13): upper bounds of the contract, the blocking drop of volume and its confirmation, the
first export's events per youth, and files archived only once the export is accepted.

Real ingestion (DuckDB), on copies of the hand-written fixture and of a small synthetic demo (500 youths:
tables above `volumes.lignes_min`, so the default configuration is the one tested)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import EXPORTS_2024
from openpyxl import load_workbook
from test_bad_exports import ajouter_ligne, fichier, lire, premiere_ligne

from milo_pipeline import cli
from milo_pipeline.lib import quality
from milo_pipeline.lib.contract import load_contract
from milo_pipeline.lib.errors import ExportsInvalides
from milo_pipeline.lib.ingestion import CONTRACT, ingest_exports
from milo_pipeline.lib.pseudonymisation import ENV_KEY
from milo_pipeline.synthetic.generator import generate

FIXTURE = EXPORTS_2024
KEY = "cle-de-test-de-la-plausibilite-32-octets"


@pytest.fixture(autouse=True)
def cle(monkeypatch, env_propre):
    monkeypatch.setenv(ENV_KEY, KEY)


@pytest.fixture
def exports(tmp_path) -> Path:
    folder = tmp_path / "exports"
    shutil.copytree(FIXTURE, folder)
    return folder


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """A demo of 500 youths (989 youths' rows, 12,658 events), never modified: tests copy it."""
    dossier = tmp_path_factory.mktemp("demo") / "exports"
    generate(dossier, youths=500)
    return dossier


def ingerer(exports: Path, home: Path, **kwargs):
    return ingest_exports(exports, home / "warehouse.duckdb", home, rapport_rejets=home / "rejets.csv", **kwargs)


def rejets(home: Path) -> list[dict]:
    import csv

    with open(home / "rejets.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def archives(home: Path) -> set[str]:
    return {p.name for p in (home / "archive").rglob("*") if p.is_file()}


def couper(path: Path, garder: float) -> tuple[int, int]:
    """Cuts a CSV file at a line end, keeping the header and the first `garder` share of its data lines;
    returns (lines before, lines after)."""
    texte, encodage = lire(path)
    lignes = texte.splitlines(keepends=True)
    n = len(lignes) - 1
    gardees = int(n * garder)
    path.write_bytes("".join(lignes[:1 + gardees]).encode(encodage.replace("-sig", "")
                                                           if not texte.startswith("\ufeff") else encodage))
    return n, gardees


# -- upper bounds of the contract ---------------------------------------------------------------------------

def test_une_allocation_de_7_360_000_euros_est_ecartee(exports, tmp_path):
    """The reviewer's allocation: quarantined with a French reason naming the programme's bound; the fixture's
    allocations file has 6 rows, so one rejected row (16,7 %) is above the 0,5 % threshold: the export is
    refused (the run stops) — and accepted without it under a threshold of 50 %."""
    jeune = premiere_ligne(exports, "jeunes")["id_jeune"]
    ligne = ajouter_ligne(exports, "allocations", {"id_jeune": jeune, "dispositif": "PACEA",
                                                   "date_paiement": "05/06/2024", "montant": "7360000,00"})
    motif = "valeur supérieure au maximum autorisé pour PACEA (1271,42)"
    with pytest.raises(ExportsInvalides) as exc:
        ingerer(exports, tmp_path / "refus")
    assert (f"allocations_2025-01-15.csv, ligne {ligne}, colonne « montant » : {motif} "
            "(valeur lue : « 7360000,00 »)") in exc.value.texte()
    assert "1 ligne(s) écartée(s) sur 6 (16,7 %)" in exc.value.texte()

    home = tmp_path / "accepte"
    resultat = ingerer(exports, home, seuil_rejets=0.5)
    assert resultat.rejetees["allocations"] == 1 and resultat.lignes["allocations"] == 5
    assert rejets(home) == [{"fichier": "allocations_2025-01-15.csv", "ligne": str(ligne), "colonne": "montant",
                             "valeur": "7360000,00", "motif": motif}]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select max(montant) from raw.allocations").fetchone()[0] == 500  # the fixture's largest


def test_les_plafonds_dependent_du_dispositif_et_sont_inclus(exports, tmp_path):
    """CEJ: 2 × 552,29 = 1 104,58 € ; PACEA: 2 × 635,71 = 1 271,42 € (bounds included). 1 200 € is a legitimate
    PACEA payment but not a CEJ one."""
    jeune = premiere_ligne(exports, "jeunes")["id_jeune"]
    lignes = {montant + " " + dispositif: ajouter_ligne(exports, "allocations", {
        "id_jeune": jeune, "dispositif": dispositif, "date_paiement": "05/06/2024", "montant": montant})
        for dispositif, montant in [("CEJ", "1104,58"), ("CEJ", "1104,59"), ("PACEA", "1271,42"),
                                    ("PACEA", "1271,43"), ("CEJ", "1200,00"), ("PACEA", "1200,00")]}
    home = tmp_path / "home"
    resultat = ingerer(exports, home, seuil_rejets=0.5)
    assert resultat.lignes["allocations"] == 5 + 3
    assert {(int(r["ligne"]), r["motif"]) for r in rejets(home)} == {
        (lignes["1104,59 CEJ"], "valeur supérieure au maximum autorisé pour CEJ (1104,58)"),
        (lignes["1271,43 PACEA"], "valeur supérieure au maximum autorisé pour PACEA (1271,42)"),
        (lignes["1200,00 CEJ"], "valeur supérieure au maximum autorisé pour CEJ (1104,58)"),
    }


def test_durees_et_entretiens_invraisemblables(exports, tmp_path):
    """A mentorship ending in 2042 (a mistyped year the date window lets through: a future end is allowed),
    201 meetings in one mentorship, a CEJ of 1 097 days (2 × 18 months = 1 096) and a PACEA of 1 462 days
    (2 × 24 months = 1 461) are quarantined; a CEJ of 1 096 days and a PACEA of 1 461 days are not."""
    parrainage = premiere_ligne(exports, "parrainages")
    base = {"id_jeune": parrainage["id_jeune"], "id_parrain": parrainage["id_parrain"]}
    fin = ajouter_ligne(exports, "parrainages", {**base, "id_parrainage": "P90", "date_debut": "01/02/2024",
                                                 "date_fin": "01/02/2042"})
    dix_ans = ajouter_ligne(exports, "parrainages", {**base, "id_parrainage": "P91", "date_debut": "01/02/2014",
                                                     "date_fin": "31/01/2024"})  # 3 651 days: kept
    entretiens = ajouter_ligne(exports, "parrainages", {**base, "id_parrainage": "P92", "date_debut": "01/02/2024",
                                                        "nb_entretiens": "201"})
    classeur = fichier(exports, "dispositifs")
    wb = load_workbook(classeur)
    ws = wb.active
    entete = [c.value for c in ws[1]]
    for dispositif, entree, sortie in [("CEJ", "2021-01-01", "2024-01-03"), ("PACEA", "2020-01-01", "2024-01-02"),
                                       ("CEJ", "2021-01-01", "2024-01-02"), ("PACEA", "2020-01-01", "2024-01-01")]:
        ws.append([{"id_jeune": base["id_jeune"], "dispositif": dispositif, "date_entree": entree,
                    "date_sortie": sortie}.get(c) for c in entete])
    premiere = ws.max_row - 3
    wb.save(classeur)

    home = tmp_path / "home"
    resultat = ingerer(exports, home, seuil_rejets=0.5)
    assert (resultat.rejetees["parrainages"], resultat.rejetees["dispositifs"]) == (2, 2)
    assert dix_ans not in {int(r["ligne"]) for r in rejets(home)}
    assert {(r["fichier"], int(r["ligne"]), r["colonne"], r["motif"]) for r in rejets(home)} == {
        ("parrainages_2025-01-15.csv", fin, "date_fin",
         "durée invraisemblable : plus de 3653 jours après date_debut (maximum autorisé)"),
        ("parrainages_2025-01-15.csv", entretiens, "nb_entretiens", "valeur supérieure au maximum autorisé (200)"),
        (classeur.name, premiere, "date_sortie",
         "durée invraisemblable : plus de 1096 jours après date_entree (maximum autorisé pour CEJ)"),
        (classeur.name, premiere + 1, "date_sortie",
         "durée invraisemblable : plus de 1461 jours après date_entree (maximum autorisé pour PACEA)"),
    }


def _sans_bornes(tmp_path: Path) -> Path:
    """The contract without its upper bounds (`max`, `duree_max`)."""
    data = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    for table in data["tables"].values():
        for colonne in table["colonnes"].values():
            colonne.pop("max", None)
            colonne.pop("duree_max", None)
    path = tmp_path / "exports_sans_bornes.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("source", ["fixture", "demo"])
def test_aucune_ligne_legitime_n_est_ecartee(source, demo, tmp_path):
    """The demo (calibrated on a real Mission Locale) and the fixture: the bounds quarantine no row — the same
    rows reach the warehouse with and without them, so the indicators cannot change."""
    dossier = tmp_path / "exports"
    shutil.copytree(FIXTURE if source == "fixture" else demo, dossier)
    avec = ingerer(dossier, tmp_path / "avec")
    sans = ingerer(dossier, tmp_path / "sans", contract_path=_sans_bornes(tmp_path))
    assert (avec.lignes, avec.rejetees) == (sans.lignes, sans.rejetees)
    bornees = [c for t in load_contract(CONTRACT).values() for c in t.colonnes if c.max or c.duree_max]
    assert {c.nom for c in bornees} == {"montant", "date_sortie", "date_fin", "nb_entretiens"}
    with duckdb.connect(str(tmp_path / "avec" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.allocations").fetchone()[0] == avec.lues["allocations"]


def test_la_demo_ecarte_l_allocation_absurde_sans_refuser_l_export(demo, tmp_path):
    """On 10 000 payments, one absurd payment is under the 0,5 % threshold: quarantined, the rest loaded."""
    dossier = tmp_path / "exports"
    shutil.copytree(demo, dossier)
    jeune = premiere_ligne(dossier, "allocations")["id_jeune"]
    ligne = ajouter_ligne(dossier, "allocations", {"id_jeune": jeune, "dispositif": "PACEA",
                                                   "date_paiement": "05/06/2024", "montant": "7360000,00"})
    home = tmp_path / "home"
    resultat = ingerer(dossier, home)
    assert resultat.rejetees["allocations"] == 1
    assert resultat.lignes["allocations"] == resultat.lues["allocations"] - 1
    assert [(int(r["ligne"]), r["motif"]) for r in rejets(home)] == [
        (ligne, "valeur supérieure au maximum autorisé pour PACEA (1271,42)")]


@pytest.mark.parametrize("regle, erreur", [
    ({"type": "texte", "duree_max": {"depuis": "date_paiement", "jours": 3}}, "duree_max seulement pour une date"),
    ({"type": "decimal", "max": {"selon": "inconnue", "valeurs": {"CEJ": 1}}}, "'inconnue' n'est pas une autre"),
    ({"type": "decimal", "max": {"selon": "dispositif"}}, "borne attendue"),
])
def test_une_borne_mal_ecrite_est_refusee(regle, erreur, tmp_path):
    data = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    data["tables"]["allocations"]["colonnes"]["montant"] = regle
    path = tmp_path / "contrat.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=erreur):
        load_contract(path)


# -- drop of volume, first export, archive ------------------------------------------------------------------

def _etat(home: Path) -> tuple[bytes, set[str]]:
    return (home / "warehouse.duckdb").read_bytes(), archives(home)


@pytest.mark.slow  # the CLI's Dagster run, twice
@pytest.mark.parametrize("date_export", ["2025-01-15", "2025-02-15"])
def test_une_forte_baisse_refuse_l_export_sauf_confirmation(date_export, demo, tmp_path, monkeypatch, capsys):
    """The demo loaded, then the same export (or a later one) whose events file lost 40 % of its rows: the CLI
    exits 1 with a French message (file, both counts, both dates, how to confirm), nothing published, the
    warehouse and the archive unchanged. Confirmed, it is loaded."""
    home = tmp_path / "home"
    ingerer(demo, home)
    dossier = tmp_path / "exports"
    shutil.copytree(demo, dossier)
    if date_export != "2025-01-15":
        for path in dossier.iterdir():
            path.rename(path.with_name(path.name.replace("2025-01-15", date_export)))
    evenements = fichier(dossier, "evenements")
    avant, apres = couper(evenements, 0.6)
    assert (avant, apres) == (12658, 7594)
    etat = _etat(home)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    out = tmp_path / "out"

    code = cli.main(["--milo-home", str(home), "run", "--exports", str(dossier), "--period", "2024",
                     "--out", str(out)])

    stdout, stderr = capsys.readouterr()
    assert code == cli.EXIT_ECHEC
    jour = "15/01/2025" if date_export == "2025-01-15" else "15/02/2025"
    assert (f"{evenements.name} : volume en forte baisse : 7 594 ligne(s) dans l'export du {jour} contre 12 658 "
            "dans l'export du 15/01/2025 (−40,0 %, au-delà de −30 % : volumes.baisse_max de config/qualite.yaml)"
            ) in stderr, stderr
    assert "--confirmer-baisse" in stderr and "confirmer_baisse: true" in stderr
    assert "Échec du run : rien n'a été publié" in stderr and "Traceback" not in stdout + stderr
    assert not out.exists() or not any(out.iterdir())
    assert _etat(home) == etat

    resultat = ingerer(dossier, home, confirmer_baisse=True)
    assert resultat.lignes["evenements"] == 7594
    assert [str(p) for p in resultat.confirmes] == [
        f"{evenements.name} : volume en forte baisse : 7 594 ligne(s) dans l'export du {jour} contre 12 658 dans "
        "l'export du 15/01/2025 (−40,0 %, au-delà de −30 % : volumes.baisse_max de config/qualite.yaml) — confirmé "
        "(confirmer_baisse)"]
    assert {f.path.name for f in resultat.fichiers} <= archives(home)


@pytest.mark.slow
def test_la_baisse_confirmee_en_ligne_de_commande_est_publiee(demo, tmp_path, monkeypatch, capsys):
    """`milo-pipeline run --confirmer-baisse`: the events file cut to 60 % is loaded and the run publishes; the
    summary says what was confirmed."""
    home = tmp_path / "home"
    ingerer(demo, home)
    dossier = tmp_path / "exports"
    shutil.copytree(demo, dossier)
    couper(fichier(dossier, "evenements"), 0.6)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    out = tmp_path / "out"

    code = cli.main(["--milo-home", str(home), "run", "--exports", str(dossier), "--period", "2024",
                     "--out", str(out), "--confirmer-baisse"])

    stdout, stderr = capsys.readouterr()
    assert code == cli.EXIT_OK, stdout + stderr
    assert ("evenements_2025-01-15.csv : volume en forte baisse : 7 594 ligne(s) dans l'export du 15/01/2025 contre "
            "12 658") in stdout and "confirmé (confirmer_baisse)" in stdout
    assert (out / "indicateurs.csv").exists()
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.evenements").fetchone()[0] == 7594


def test_une_baisse_sous_le_seuil_ou_une_petite_table_passe(demo, tmp_path):
    """−25 % is only the drift warning; tables under `lignes_min` rows last time are not compared."""
    home = tmp_path / "home"
    ingerer(demo, home)
    dossier = tmp_path / "exports"
    shutil.copytree(demo, dossier)
    couper(fichier(dossier, "evenements"), 0.75)
    couper(fichier(dossier, "parrainages"), 0.5)  # 29 rows (< 50) → 14
    resultat = ingerer(dossier, home)
    assert (resultat.lues["evenements"], resultat.lues["parrainages"]) == (9493, 14)


@pytest.mark.slow  # two Dagster runs of the ingestion of the demo
def test_dans_dagster_la_confirmation_est_la_configuration_du_run(demo, tmp_path):
    """The UI's launchpad: `ops: {exports_imilo: {config: {confirmer_baisse: true}}}` confirms the drop; without
    it the step fails with the French message."""
    import dagster as dg

    from milo_pipeline.defs.ingestion import exports_imilo
    from milo_pipeline.defs.resources import MiloSettings

    home = tmp_path / "home"
    ingerer(demo, home)
    dossier = tmp_path / "exports"
    shutil.copytree(demo, dossier)
    couper(fichier(dossier, "evenements"), 0.5)
    milo = MiloSettings(milo_home=str(home), exports_dir=str(dossier), out_dir=str(tmp_path / "out"))
    with dg.instance_for_test() as instance:
        refuse = dg.materialize([exports_imilo], resources={"milo": milo}, partition_key="2024-12-01",
                                instance=instance, raise_on_error=False)
        assert not refuse.success
        (echec,) = [e for e in refuse.all_events if e.is_step_failure]
        assert "volume en forte baisse : 6 329 ligne(s)" in echec.step_failure_data.user_failure_data.description
        confirme = dg.materialize([exports_imilo], resources={"milo": milo}, partition_key="2024-12-01",
                                  instance=instance, raise_on_error=False,
                                  run_config={"ops": {"exports_imilo": {"config": {"confirmer_baisse": True}}}})
    assert confirme.success
    (meta,) = [m.metadata for m in confirme.asset_materializations_for_node("exports_imilo")
               if m.asset_key == dg.AssetKey(["imilo", "evenements"])]
    assert meta["volume_confirme"].value.startswith("volume en forte baisse : 6 329 ligne(s)")


def test_un_premier_export_aux_evenements_coupes_est_refuse(demo, tmp_path):
    """No history: 3 797 events for 989 youths' rows (3,84 per youth) is below the default range [4 ; 60]; the
    whole demo (12,80) passes. Nothing is written nor archived; confirmed, it is loaded."""
    dossier = tmp_path / "exports"
    shutil.copytree(demo, dossier)
    couper(fichier(dossier, "evenements"), 0.3)
    home = tmp_path / "home"
    with pytest.raises(ExportsInvalides) as exc:
        ingerer(dossier, home)
    assert ("evenements_2025-01-15.csv : premier export invraisemblable : 3,84 ligne(s) d'événements par jeune "
            "(3 797 événements, 989 jeunes dans jeunes_2025-01-15.csv), hors de la plage attendue [4,0 ; 60,0]"
            ) in exc.value.texte()
    assert not (home / "warehouse.duckdb").exists() and not archives(home)
    assert ingerer(dossier, home, confirmer_baisse=True).lignes["evenements"] == 3797


def test_la_plage_du_premier_export_se_regle_dans_la_configuration(exports, tmp_path):
    """The fixture (8 youths, 17 events: 2,1 per youth) is under `lignes_min` youths: not checked by default; with
    a configuration that checks it (lignes_min 5) and a range [3 ; 10], it is refused."""
    ingerer(exports, tmp_path / "defaut")
    reglages = quality.load_settings()
    from dataclasses import replace

    with pytest.raises(ExportsInvalides, match=r"2,12 ligne\(s\) d'événements par jeune"):
        ingerer(exports, tmp_path / "regle", reglages=replace(reglages, lignes_min_volumes=5,
                                                               evenements_par_jeune=(3.0, 10.0)))


def test_un_export_refuse_pour_ses_rejets_n_est_pas_archive(exports, tmp_path):
    jeune = premiere_ligne(exports, "jeunes")["id_jeune"]
    ajouter_ligne(exports, "allocations", {"id_jeune": jeune, "dispositif": "PACEA", "date_paiement": "05/06/2024",
                                           "montant": "7360000,00"})
    home = tmp_path / "home"
    with pytest.raises(ExportsInvalides):
        ingerer(exports, home)
    assert (home / "rejets.csv").exists()  # the report is written, the files are not archived
    assert not archives(home) and not (home / "warehouse.duckdb").exists()
    resultat = ingerer(exports, home, seuil_rejets=0.5)
    assert archives(home) == {f.path.name for f in resultat.fichiers}
