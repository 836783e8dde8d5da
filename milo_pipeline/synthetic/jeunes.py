"""Table jeunes: the youths of a chunk (population draws their traits, read by every table; table
writes their dossiers, with fictitious names and contacts)."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .assumptions import (
    AGE_AT_FIRST_WELCOME,
    BESANCON,
    BESANCON_SITES,
    DIPLOMA,
    EPCIS,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    HOSTEL,
    LAST_NAMES,
    LEVELS_ADULT,
    LEVELS_MINOR,
    LICENCE_WITH_CAR,
    OTHER_MEANS,
    P_FEMALE,
    PAST_DOSSIERS_PER_ACCOMPANIED,
    PAST_YEARS_BACK,
    QPV_PAST,
    QPVS,
    REGISTERED_ONLY_PER_ACCOMPANIED,
    RETURNING_YEARS_BACK,
    RURAL_CAR_FACTOR,
    STREETS,
)
from .calibration import (
    CAR_FIRST_WELCOME,
    HOUSING_ACCOMPANIED,
    HOUSING_FIRST_WELCOME,
    LICENCE_FIRST_WELCOME,
    NO_MEANS_FIRST_WELCOME,
    QPV_ACCOMPANIED,
    QPV_FIRST_WELCOME,
    RQTH_SHARE,
    SEED_ACCOMPANIED,
    SEED_FIRST_WELCOMES,
    returning_share,
)
from .sampling import NO_DATE, age_at, as_dates, draw, make_ids, oui_non, seasonal, strings, uniform, working_day

if TYPE_CHECKING:
    from .chunk import Chunk

NEW, RETURNING, PAST, NEXT, REGISTERED = range(5)  # kinds of dossier


def population(chunk: Chunk, accompanied: int) -> None:
    rng, cal = chunk.rng, chunk.cal
    n_new = round(accompanied * SEED_FIRST_WELCOMES / SEED_ACCOMPANIED)
    sizes = (
        n_new, accompanied - n_new, round(accompanied * PAST_DOSSIERS_PER_ACCOMPANIED),
        round(n_new * (cal.export - cal.end) / 365), round(accompanied * REGISTERED_ONLY_PER_ACCOMPANIED),
    )
    kind = np.repeat(np.arange(5), sizes)
    n = kind.size
    age = draw(rng, AGE_AT_FIRST_WELCOME, n).astype(np.int64)
    back = np.zeros(n, dtype=np.int64)
    back[kind == RETURNING] = draw(rng, RETURNING_YEARS_BACK, sizes[RETURNING])
    back[kind == PAST] = draw(rng, PAST_YEARS_BACK, sizes[PAST])
    back = np.where(kind == RETURNING, np.clip(back, 1, np.maximum(1, 25 - age)), back)
    pa = seasonal(rng, cal.year - back)
    is_next = kind == NEXT
    pa[is_next] = working_day(uniform(rng, np.full(sizes[NEXT], cal.next_start), cal.export), cal.next_start)
    registered = kind == REGISTERED
    late = np.where(rng.random(n) < 0.2, rng.integers(1, 31, n), 0)
    inscription = np.where(registered, uniform(rng, np.full(n, cal.end - 60), cal.export), pa - late)
    pa[registered] = NO_DATE
    reference = np.where(registered, inscription, pa)
    birth = reference - (age * 365.25).astype(np.int64) - rng.integers(0, 365, n)

    # territory
    communes = [(c, cp, epci, share * w, zrr) for epci, (share, _, cs) in EPCIS.items() for c, cp, w, zrr in cs]
    weights = np.array([c[3] for c in communes])
    where = rng.choice(len(communes), size=n, p=weights / weights.sum())
    insee = np.array([c[0] for c in communes])[where]
    epci = np.array([c[2] for c in communes])[where]
    in_besancon = insee == BESANCON
    besancon_share = weights[[c[0] == BESANCON for c in communes]].sum() / weights.sum()
    qpv_share = np.select(
        [kind == RETURNING, kind == PAST],
        [returning_share(QPV_FIRST_WELCOME, QPV_ACCOMPANIED), QPV_PAST], QPV_FIRST_WELCOME,
    )
    in_qpv = in_besancon & (rng.random(n) < np.minimum(1, qpv_share / besancon_share))
    qpv = np.where(in_qpv, draw(rng, QPVS, n), None)
    site = np.array([EPCIS[c[2]][1] for c in communes], dtype=object)[where]
    in_town = site == "Besançon"
    site[in_town] = draw(rng, BESANCON_SITES, int(in_town.sum()))

    # housing: the first-welcome mix, returning youths adjusted so the accompanied mix matches
    returning_mix = {k: returning_share(v, HOUSING_ACCOMPANIED[k]) for k, v in HOUSING_FIRST_WELCOME.items()}
    category = np.where(
        kind == RETURNING, draw(rng, returning_mix, n), draw(rng, HOUSING_FIRST_WELCOME, n),
    )
    housing = category.astype(object)
    housing[category == "Non communiqué"] = None
    hostel = category == "Foyer, CHRS, hôtel"
    housing[hostel] = draw(rng, HOSTEL, int(hostel.sum()))

    # mobility (current state): calibrated on the first welcomes of the chunk
    adult = age_at(birth, cal.export) >= 18
    rural = epci != "CU Grand Besançon Métropole"
    car_weight = adult * np.where(rural, RURAL_CAR_FACTOR, 1.0)
    new = kind == NEW
    car_rate = CAR_FIRST_WELCOME * max(new.sum(), 1) / max(car_weight[new].sum(), 1e-9)
    car = rng.random(n) < car_weight * car_rate
    without_car = adult & ~car
    licence_rate = (LICENCE_FIRST_WELCOME * new.sum() - LICENCE_WITH_CAR * car[new].sum()) / max(
        without_car[new].sum(), 1)
    licence = np.where(car, rng.random(n) < LICENCE_WITH_CAR, without_car & (rng.random(n) < licence_rate))
    other_share = (1 - NO_MEANS_FIRST_WELCOME - CAR_FIRST_WELCOME) / (1 - CAR_FIRST_WELCOME)
    means = np.where(car, "Voiture", "Aucun").astype(object)
    other = ~car & (rng.random(n) < other_share)
    means[other] = draw(rng, OTHER_MEANS, int(other.sum()))

    level = np.where(adult, draw(rng, LEVELS_ADULT, n), draw(rng, LEVELS_MINOR, n))
    diploma = rng.random(n) < pd.Series(level, dtype=object).map(DIPLOMA).to_numpy(dtype=float)
    rqth = np.where(rng.random(n) < RQTH_SHARE, "Oui", "Non").astype(object)
    rqth[rng.random(n) < 0.03] = None  # unknown

    female = rng.random(n) < P_FEMALE
    activity_end = np.select(
        [kind == PAST, registered], [np.minimum(pa + rng.integers(180, 900, n), cal.start - 1), NO_DATE],
        cal.horizon,
    )
    order = np.argsort(inscription, kind="stable")  # dossier numbers follow registration
    chunk.y = {key: value[order] for key, value in {
        "kind": kind, "pa": pa, "inscription": inscription, "birth": birth, "female": female,
        "insee": insee, "postal": np.array([c[1] for c in communes])[where], "epci": epci,
        "zrr": np.array([c[4] for c in communes])[where], "qpv": qpv, "site": site, "housing": housing,
        "means": means, "car": car, "licence": licence, "level": level, "diploma": diploma,
        "rqth": rqth, "until": activity_end,
    }.items()}
    chunk.n = n
    chunk.ids = make_ids(10_000_000, chunk, n)
    chunk.accompanied = np.isin(chunk.y["kind"], (NEW, RETURNING))


def table(chunk: Chunk) -> pd.DataFrame:
    rng, y, n = chunk.rng, chunk.y, chunk.n
    female = y["female"]
    first = np.where(
        female, np.array(FIRST_NAMES_F)[rng.integers(0, len(FIRST_NAMES_F), n)],
        np.array(FIRST_NAMES_M)[rng.integers(0, len(FIRST_NAMES_M), n)],
    )
    last = np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)]
    to_ascii = {name: _ascii(name) for name in (*FIRST_NAMES_F, *FIRST_NAMES_M, *LAST_NAMES)}
    email = (
        pd.Series(first).map(to_ascii) + "." + pd.Series(last).map(to_ascii)
        + pd.Series(rng.integers(0, 100, n)).astype(str).where(rng.random(n) < 0.4, "") + "@exemple.fr"
    ).astype(object)
    email[rng.random(n) < 0.08] = None
    pairs = pd.DataFrame(rng.integers(0, 100, (n, 4))).astype(str).apply(lambda c: c.str.zfill(2))
    phone = (np.where(rng.random(n) < 0.7, "06 ", "07 ") + pairs[0] + " " + pairs[1] + " " + pairs[2]
             + " " + pairs[3]).astype(object)
    phone[rng.random(n) < 0.03] = None
    address = (pd.Series(rng.integers(1, 121, n)).astype(str) + " "
               + pd.Series(np.array(STREETS)[rng.integers(0, len(STREETS), n)]))
    return pd.DataFrame({
        "id_jeune": chunk.ids, "nom": strings(np.char.upper(last)), "prenom": strings(first),
        "date_naissance": as_dates(y["birth"]), "sexe": np.where(female, "F", "H"), "telephone": phone,
        "email": email, "adresse": address, "code_postal": y["postal"], "commune_insee": y["insee"],
        "qpv_code": y["qpv"], "zrr": oui_non(y["zrr"]), "niveau_formation": y["level"],
        "diplome_obtenu": oui_non(y["diploma"]), "hebergement": y["housing"],
        "moyen_locomotion": y["means"], "permis_b": oui_non(y["licence"]), "rqth": y["rqth"],
        "date_inscription": as_dates(y["inscription"]), "date_premier_accueil": as_dates(y["pa"]),
        "site": y["site"],
    })


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")
