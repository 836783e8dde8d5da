"""Keyed pseudonymisation of source ids: HMAC-SHA256, computed set-based inside DuckDB.

HMAC(K, m) = SHA256((K' xor opad) || SHA256((K' xor ipad) || m)), K' the key padded to the
64-byte block (RFC 2104). The two padded keys are computed once here; DuckDB applies the two
hashes to a whole column at once (`hmac_sql`), so no Python loop runs over the rows.

The key is the link between months: the same key gives the same pseudonym to the same youth (event,
mentorship…) from one export to the next. So it is at least 32 bytes (a short key can be guessed, and
every i-milo id hashed again), and it is never silently regenerated once a warehouse holds pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import duckdb

ENV_KEY = "MILO_PSEUDONYMISATION_KEY"
KEY_FILE = "pseudonymisation.key"
LONGUEUR_MIN = 32  # bytes
_BLOCK = 64


class CleInvalide(Exception):
    """The pseudonymisation key cannot be used: the message (French) says why and what to do."""


def load_key(milo_home: Path, warehouse: Path | None = None) -> bytes:
    """The key from MILO_PSEUDONYMISATION_KEY, else from MILO_HOME/pseudonymisation.key. A missing file is
    created (64 random hex digits, mode 0600) only while the warehouse holds no pseudonyms; a key shorter than
    32 bytes is refused. Raises CleInvalide."""
    from_env = os.environ.get(ENV_KEY)
    if from_env:
        return _assez_longue(from_env.encode("utf-8"), f"la variable d'environnement {ENV_KEY}")
    path = Path(milo_home) / KEY_FILE
    if not path.exists():
        if warehouse is not None and _contient_des_pseudonymes(Path(warehouse)):
            raise CleInvalide(_cle_perdue(path, Path(warehouse)))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32))
    try:
        texte = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CleInvalide(f"Clé de pseudonymisation illisible : {path} ({type(exc).__name__}).") from None
    return _assez_longue(texte.encode("utf-8"), str(path))


def _assez_longue(key: bytes, origine: str) -> bytes:
    if len(key) < LONGUEUR_MIN:
        raise CleInvalide(
            f"Clé de pseudonymisation trop courte ({origine}) : {len(key)} octet(s), il en faut au moins "
            f"{LONGUEUR_MIN}. Une clé courte se devine, et avec elle chaque identifiant i-milo derrière son "
            "pseudonyme. Générer une clé : python -c \"import secrets; print(secrets.token_hex(32))\" "
            f"(dans {ENV_KEY}, ou dans MILO_HOME/{KEY_FILE}, droits 0600). Attention : si l'entrepôt contient déjà "
            "des pseudonymes calculés avec l'ancienne clé, une nouvelle clé rompt le suivi d'un mois sur l'autre ; "
            "déplacer alors l'entrepôt de côté pour repartir d'un entrepôt neuf.")
    return key


def _contient_des_pseudonymes(warehouse: Path) -> bool:
    """Whether a previous ingestion wrote pseudonyms to the warehouse (its table raw._fichiers). A warehouse
    that cannot be read is assumed to hold some: a new key is never made on a guess."""
    if not warehouse.exists():
        return False
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
                                    "AND table_name = '_fichiers'").fetchall()[0][0])
    except duckdb.Error:
        return True


def _cle_perdue(path: Path, warehouse: Path) -> str:
    return (
        f"Clé de pseudonymisation introuvable : {path} n'existe pas (et {ENV_KEY} n'est pas définie), alors que "
        f"l'entrepôt {warehouse} contient les pseudonymes d'une ingestion précédente. Une nouvelle clé donnerait "
        "d'autres pseudonymes aux mêmes jeunes : le suivi d'un mois sur l'autre serait rompu sans que rien ne le "
        f"signale, aussi aucune clé n'est recréée. Restaurer la clé depuis la sauvegarde dans {path} (droits 0600), "
        f"ou la fournir par {ENV_KEY}. Pour repartir délibérément d'un entrepôt neuf (sans lien avec les mois "
        f"précédents), déplacer l'entrepôt de côté (mv {warehouse} {warehouse}.ancien) : une nouvelle clé sera "
        "créée au run suivant.")


def padded_keys(key: bytes) -> tuple[bytes, bytes]:
    """(K' xor ipad, K' xor opad)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def hmac_sql(expression: str) -> str:
    """SQL computing the hex HMAC of a VARCHAR expression; binds $ipad and $opad."""
    return f"sha256($opad::BLOB || unhex(sha256($ipad::BLOB || encode({expression}))))"


def pseudonymise(key: bytes, value: str) -> str:
    """The same hash in Python, for one value (tests, and looking up one youth by hand)."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
