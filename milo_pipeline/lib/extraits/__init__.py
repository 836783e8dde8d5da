"""Funder extracts: the run's indicator table, masked (`suppression`), filtered by a funder's configuration
(config/financeurs/*.yaml), written as XLSX, CSV (`;`, UTF-8 BOM, decimal comma) and a manifest.

- `secret`: the whole table masked once, with what the dictionary says of each indicator (pure);
- `selection`: a funder's configuration, the cells it gets, the sources of the exports;
- `writing`: the XLSX and CSV files (text cells never read as formulas: `inerte`);
- `manifest`: manifest.json, and an extract's files written into the run's staging folder;
- `tracabilite`: where the figures come from (export files, each indicator's exports by dbt lineage, the run's
  quality status, the version), shared with the report's annex « Définitions et sources ».

The table is masked once, whole, then filtered: every extract with the same threshold shows the same value or the
same `s` for a cell, and whatever a funder receives is part of one table that is safe as a whole.
The XLSX and CSV depend only on the indicators, the dictionary and the exports: the same exports give the same
bytes. The generation time lives only in the manifest.
"""

from .manifest import ecrire_extrait, manifeste, sha256
from .secret import (
    METADONNEES_MOTIFS,
    SEUIL_DEFAUT,
    Cle,
    Ligne,
    Publiee,
    Secretisation,
    Structure,
    bilan,
    cellules_et_groupes,
    cle,
    emboitees,
    paires_emboitees,
    secretiser_indicateurs,
    structure,
    structure_du_dictionnaire,
    table_publique,
    valeurs_conservees_csv,
)
from .selection import (
    CLES_FINANCEUR,
    FINANCEURS,
    FORMATS,
    NATURES_PERIODE,
    ConfigurationInvalide,
    Extrait,
    Financeur,
    Selection,
    Sources,
    charger_financeurs,
    construire_extrait,
    lire_financeur,
    lire_sources,
    natures,
    sans_periode,
    seuil_commun,
    verifier_indicateurs,
)
from .tracabilite import (
    FichierSource,
    Qualite,
    Tracabilite,
    definitions,
    lire_tracabilite,
    qualite,
)
from .writing import (
    COLONNES_EXTRAIT,
    DEBUTS_FORMULE,
    GARANTIE,
    LIMITES,
    definitions_csv,
    extrait_csv,
    extrait_xlsx,
    fichiers_extrait,
    inerte,
    lignes_definitions,
    valeur_csv,
    valeur_xlsx,
)

__all__ = [
    "CLES_FINANCEUR", "COLONNES_EXTRAIT", "DEBUTS_FORMULE", "FINANCEURS", "FORMATS", "GARANTIE", "LIMITES",
    "METADONNEES_MOTIFS", "NATURES_PERIODE", "SEUIL_DEFAUT", "Cle", "ConfigurationInvalide", "Extrait", "Financeur",
    "Ligne", "Publiee", "Secretisation", "Selection", "Sources", "Structure", "bilan", "cellules_et_groupes",
    "charger_financeurs", "cle", "construire_extrait", "ecrire_extrait", "emboitees", "extrait_csv", "extrait_xlsx",
    "fichiers_extrait", "inerte", "lire_financeur", "lire_sources", "manifeste", "natures", "paires_emboitees",
    "sans_periode", "secretiser_indicateurs", "seuil_commun", "sha256", "structure", "structure_du_dictionnaire",
    "table_publique", "valeur_csv", "valeur_xlsx", "valeurs_conservees_csv", "verifier_indicateurs",
    "FichierSource", "Qualite", "Tracabilite", "definitions", "definitions_csv", "lignes_definitions",
    "lire_tracabilite", "qualite",
]
