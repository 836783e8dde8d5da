"""Territory of the Mission Locale: communes → EPCI, from the official geography of the report year.

    .venv/bin/python -m milo_pipeline.referentiels.territoire --version 4.1.0

runs `npm pack @etalab/decoupage-administratif@<version>` in a temporary folder (4.1.0 is the
geography of 1 January 2024: INSEE's COG and the DGCL's EPCI membership), reads `data/communes.json`
and `data/epci.json` from the tarball, keeps the EPCIs listed in `config/territoire.yaml` and writes
two dbt seeds:

- `territoire_epci.csv`: one EPCI per row (SIREN, official name, type, number of communes,
  départements, display order = order of the configuration, source package and version);
- `territoire_communes.csv`: one commune code per row for the communes of those EPCIs. Besides the
  current communes, the codes that still designate a part of a current commune in youths' files:
  delegated and associated communes (of a « commune nouvelle »), municipal arrondissements, former
  codes of merged communes (`anciensCodes`). A former code shared by several current communes (a
  commune that was split) is ambiguous and left out.

The seeds are committed: this script is how they were made. Next year's refresh is the same
command with the version of the new geography; `--paquet` reads an already downloaded tarball.
Exit status 0 on success, 1 when the package cannot be read or the configuration does not match it.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..lib.outputs import write_atomic

PAQUET = "@etalab/decoupage-administratif"
CONFIG = Path(__file__).resolve().parents[1] / "config" / "territoire.yaml"
SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"

COLONNES_COMMUNES = ("commune_insee", "nom", "commune_type", "commune_actuelle_insee", "departement",
                     "epci_siren", "epci_nom")
COLONNES_EPCI = ("epci_siren", "epci_nom", "epci_type", "nb_communes", "departements", "ordre", "source")

# communes.json types of a code that designates a part of a current commune → key of that commune
PARTIES = {"commune-deleguee": "chefLieu", "commune-associee": "chefLieu", "arrondissement-municipal": "commune"}
ANCIEN_CODE = "ancien-code"


class ReferentielInvalide(Exception):
    """The package or the configuration cannot give the territory; nothing was written."""


@dataclass(frozen=True)
class Territoire:
    communes: list[dict[str, str]]
    epci: list[dict[str, str]]


def lire_config(path: Path = CONFIG) -> list[str]:
    """The SIRENs of the territory's EPCIs, in display order."""
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    sirens = [str(s).strip() for s in config.get("epci") or []]
    if not sirens:
        raise ReferentielInvalide(f"{path} : la liste « epci » (SIREN des EPCI du territoire) est vide.")
    if doublons := sorted({s for s in sirens if sirens.count(s) > 1}):
        raise ReferentielInvalide(f"{path} : EPCI cité plusieurs fois : {', '.join(doublons)}.")
    return sirens


def construire(communes: list[dict], epcis: list[dict], sirens: list[str], source: str) -> Territoire:
    """The seed rows of the territory formed by the EPCIs `sirens` (pure: JSON of the package in, rows out)."""
    par_siren = {e["code"]: e for e in epcis}
    if absents := [s for s in sirens if s not in par_siren]:
        raise ReferentielInvalide(
            f"EPCI absent(s) de epci.json ({source}) : {', '.join(absents)} — fusion ou SIREN erroné ? "
            "Mettre à jour config/territoire.yaml.")
    actuelles = {c["code"]: c for c in communes if c.get("type") == "commune-actuelle"}

    epci_de: dict[str, dict] = {}  # current commune → its EPCI of the territory
    lignes_epci = []
    for ordre, siren in enumerate(sirens, start=1):
        epci = par_siren[siren]
        codes = [m["code"] for m in epci.get("membres", [])]
        if inconnues := [c for c in codes if c not in actuelles]:
            raise ReferentielInvalide(f"{epci['nom']} ({siren}) : commune(s) absente(s) de communes.json : "
                                      f"{', '.join(inconnues)}.")
        for code in codes:
            if code in epci_de:
                raise ReferentielInvalide(f"La commune {code} appartient à deux EPCI : {epci_de[code]['code']} "
                                          f"et {siren}.")
            epci_de[code] = epci
        lignes_epci.append({
            "epci_siren": siren,
            "epci_nom": epci["nom"],
            "epci_type": epci.get("type", ""),
            "nb_communes": str(len(codes)),
            "departements": "|".join(sorted({actuelles[c]["departement"] for c in codes})),
            "ordre": str(ordre),
            "source": source,
        })

    lignes: dict[str, dict[str, str]] = {}

    def ajouter(code: str, nom: str, commune_type: str, actuelle: str, departement: str) -> None:
        epci = epci_de[actuelle]
        lignes[code] = {"commune_insee": code, "nom": nom, "commune_type": commune_type,
                        "commune_actuelle_insee": actuelle, "departement": departement,
                        "epci_siren": epci["code"], "epci_nom": epci["nom"]}

    for code in epci_de:
        commune = actuelles[code]
        ajouter(code, commune["nom"], "commune-actuelle", code, commune["departement"])
    # parts of current communes: a code of a current commune keeps its own row (a delegated commune
    # often shares the code of its commune nouvelle)
    for commune in communes:
        cle = PARTIES.get(commune.get("type"))
        if cle and commune.get(cle) in epci_de and commune["code"] not in actuelles | lignes.keys():
            ajouter(commune["code"], commune["nom"], commune["type"], commune[cle], commune["departement"])
    # former codes: only those designating one current commune in the whole country
    anciens: dict[str, set[str]] = defaultdict(set)
    for commune in actuelles.values():
        for ancien in commune.get("anciensCodes", []):
            anciens[ancien].add(commune["code"])
    for ancien, (actuelle, *autres) in sorted(anciens.items()):
        if not autres and actuelle in epci_de and ancien not in actuelles and ancien not in lignes:
            commune = actuelles[actuelle]
            ajouter(ancien, commune["nom"], ANCIEN_CODE, actuelle, commune["departement"])

    return Territoire(communes=[lignes[code] for code in sorted(lignes)], epci=lignes_epci)


def telecharger(version: str, dossier: Path) -> Path:
    """`npm pack` of the package at this version into `dossier`; returns the tarball."""
    try:
        result = subprocess.run(
            ["npm", "pack", f"{PAQUET}@{version}", "--json", "--pack-destination", str(dossier)],
            capture_output=True, text=True, timeout=300, cwd=dossier,
        )
    except FileNotFoundError as exc:
        raise ReferentielInvalide("npm est introuvable : installer Node.js/npm, ou passer --paquet <fichier.tgz>.") \
            from exc
    if result.returncode != 0:
        raise ReferentielInvalide(f"npm pack {PAQUET}@{version} a échoué : {result.stderr.strip()[-1000:]}")
    return dossier / json.loads(result.stdout)[0]["filename"]


def lire_paquet(tarball: Path, version: str) -> tuple[list[dict], list[dict]]:
    """communes.json and epci.json of the package tarball, after checking its name and version."""
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            def lire(nom: str):
                membre = tar.extractfile(f"package/{nom}")
                if membre is None:
                    raise KeyError(nom)
                return json.load(membre)

            package = lire("package.json")
            if (package.get("name"), package.get("version")) != (PAQUET, version):
                raise ReferentielInvalide(f"{tarball.name} contient {package.get('name')}@{package.get('version')}, "
                                          f"attendu {PAQUET}@{version}.")
            return lire("data/communes.json"), lire("data/epci.json")
    except (OSError, tarfile.TarError, KeyError, json.JSONDecodeError) as exc:
        raise ReferentielInvalide(f"{tarball} : paquet illisible ({exc}).") from exc


def ecrire_csv(path: Path, lignes: list[dict[str, str]], colonnes: tuple[str, ...]) -> None:
    """UTF-8, comma-separated, LF line endings: stable bytes for a versioned seed. Written beside the seed under
    an unpredictable temporary name, then renamed (lib/outputs.py `write_atomic`)."""
    texte = io.StringIO()
    writer = csv.DictWriter(texte, fieldnames=colonnes, lineterminator="\n")
    writer.writeheader()
    writer.writerows(lignes)
    write_atomic(path, texte.getvalue().encode("utf-8"))


def generer(version: str, config: Path = CONFIG, seeds: Path = SEEDS, paquet: Path | None = None) -> Territoire:
    sirens = lire_config(config)
    with tempfile.TemporaryDirectory(prefix="decoupage-") as tmp:
        tarball = paquet or telecharger(version, Path(tmp))
        communes, epcis = lire_paquet(tarball, version)
    territoire = construire(communes, epcis, sirens, f"{PAQUET}@{version}")
    ecrire_csv(seeds / "territoire_epci.csv", territoire.epci, COLONNES_EPCI)
    ecrire_csv(seeds / "territoire_communes.csv", territoire.communes, COLONNES_COMMUNES)
    return territoire


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m milo_pipeline.referentiels.territoire",
        description="Écrit les seeds dbt du territoire (communes → EPCI) depuis " + PAQUET + ".")
    parser.add_argument("--version", required=True, help="version du paquet npm, ex. 4.1.0 (géographie 2024)")
    parser.add_argument("--config", type=Path, default=CONFIG, help="EPCI du territoire (défaut : %(default)s)")
    parser.add_argument("--seeds", type=Path, default=SEEDS, help="dossier des seeds dbt (défaut : %(default)s)")
    parser.add_argument("--paquet", type=Path, help="archive .tgz du paquet déjà téléchargée (sans npm)")
    args = parser.parse_args(argv)
    try:
        territoire = generer(args.version, args.config, args.seeds, args.paquet)
    except ReferentielInvalide as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    par_type: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for ligne in territoire.communes:
        par_type[ligne["epci_siren"]][ligne["commune_type"]] += 1
    for epci in territoire.epci:
        autres = {t: n for t, n in sorted(par_type[epci["epci_siren"]].items()) if t != "commune-actuelle"}
        detail = ", ".join(f"{n} {t}" for t, n in autres.items())
        print(f"{epci['epci_nom']} ({epci['epci_siren']}, {epci['departements']}) : {epci['nb_communes']} communes"
              + (f" ; autres codes : {detail}" if detail else ""))
    print(f"{len(territoire.communes)} codes commune → {args.seeds / 'territoire_communes.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
