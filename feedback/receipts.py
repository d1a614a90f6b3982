"""Receipts: the one link from an anonymous response back to the rater who gave it.

A receipt is HMAC-SHA256 of the rater row's id under a key derived from the application's
secret. The application can recompute it for a rater it is asked to erase and delete their
answers; a copy of the database alone cannot, because it holds no key. Rotating the secret
key loses that ability for older responses (they can then only be removed with their round).

Links to answer without an account follow the same pattern as account invitations: a random
token in the URL, only its SHA-256 digest stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 100
_PURPOSE = b"proficio feedback receipts v1"


def receipt_key(secret: str | bytes) -> bytes:
    """The key receipts are made with, derived so that it is used for nothing else."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, _PURPOSE, hashlib.sha256).digest()


def receipt_of(key: bytes, rater_id: int) -> str:
    """The receipt a response of rater ``rater_id`` carries."""
    return hmac.new(key, str(rater_id).encode(), hashlib.sha256).hexdigest()


def new_link_token() -> tuple[str, str]:
    """A fresh token for a one-time answer link and the digest that is stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
