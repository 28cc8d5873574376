"""Secret tokens (a commune's bearer token, an officer's password) and how they are stored: hashed.

A token is ``secrets.token_urlsafe(32)`` (256 bits of entropy): guessing one is hopeless, so a fast hash (SHA-256)
is the right way to store it, and the hash is looked up directly by an index.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()
