"""Previews shown in the Dagster UI: the headline indicators of a run as a Markdown table (aggregates only)."""

from __future__ import annotations

from collections.abc import Iterable

from .formatting import fr_periode, fr_valeur


def apercu_markdown(rows: Iterable[dict], libelles: dict[str, str]) -> str:
    """One line per indicator without breakdown (`modalite` NULL), one column per period, French formatting.

    `rows`: rows of `indicateurs` in output order; `libelles`: indicator id → French label."""
    valeurs: dict[str, dict[tuple, str]] = {}
    periodes: list[tuple] = []
    for row in rows:
        if row["modalite"] is not None:
            continue
        periode = (row["periode_debut"], row["periode_fin"])
        if periode not in periodes:
            periodes.append(periode)
        valeurs.setdefault(row["indicateur"], {})[periode] = fr_valeur(row["valeur"], row["unite"])
    periodes.sort(key=lambda p: (p[1] - p[0], p[0]))
    lignes = [
        "| Indicateur | " + " | ".join(fr_periode(*p) for p in periodes) + " |",
        "| --- |" + " ---: |" * len(periodes),
    ]
    for indicateur, par_periode in valeurs.items():
        libelle = libelles.get(indicateur, indicateur).replace("|", "/")
        lignes.append(f"| {libelle} | " + " | ".join(par_periode.get(p, "") for p in periodes) + " |")
    return "\n".join(lignes)
