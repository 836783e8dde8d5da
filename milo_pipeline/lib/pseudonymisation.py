"""Keyed pseudonymisation of youth ids: HMAC-SHA256, computed set-based inside DuckDB.

HMAC(K, m) = SHA256((K' xor opad) || SHA256((K' xor ipad) || m)), K' the key padded to the
64-byte block (RFC 2104). The two padded keys are computed once here; DuckDB applies the two
hashes to a whole column at once (`hmac_sql`), so no Python loop runs over the rows.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

ENV_KEY = "MILO_PSEUDONYMISATION_KEY"
KEY_FILE = "pseudonymisation.key"
_BLOCK = 64


def load_key(milo_home: Path) -> bytes:
    """The key from MILO_PSEUDONYMISATION_KEY, else from MILO_HOME/pseudonymisation.key (created
    on first use, mode 0600)."""
    from_env = os.environ.get(ENV_KEY)
    if from_env:
        return from_env.encode("utf-8")
    path = Path(milo_home) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip().encode("utf-8")


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
