"""Password hashes with the standard library's scrypt, stored as ``scrypt:N:r:p$salt$hex``.

The stored form is the one Werkzeug writes, so hashes made before this module (and by tools
that use Werkzeug) keep verifying; the domain needs no web library for it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

# scrypt's cost: N = 2**15, r = 8, p = 1 (about 100 ms and 32 MiB per hash here).
DEFAULT_METHOD = "scrypt:32768:8:1"
_SALT_ALPHABET = string.ascii_letters + string.digits
_SALT_LENGTH = 16


def _scrypt_hex(method: str, salt: str, password: str) -> str:
    name, *costs = method.split(":")
    if name != "scrypt" or len(costs) not in (0, 3):
        raise ValueError(f"unsupported password hash method {method!r}")
    n, r, p = map(int, costs) if costs else (2**15, 8, 1)
    # A little above the 128 * N * r * p that scrypt needs, as Werkzeug allows.
    return hashlib.scrypt(
        password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p
    ).hex()


def hash_password(password: str, method: str = DEFAULT_METHOD) -> str:
    """A salted scrypt hash of ``password`` in the stored form."""
    salt = "".join(secrets.choice(_SALT_ALPHABET) for _ in range(_SALT_LENGTH))
    return f"{method}${salt}${_scrypt_hex(method, salt, password)}"


def password_matches(stored: str, password: str) -> bool:
    """True when ``password`` hashes to ``stored``; False for a malformed stored value."""
    try:
        method, salt, expected = stored.split("$", 2)
        actual = _scrypt_hex(method, salt, password)
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)
