"""Customer PINs: stored as salted scrypt hashes, checked in constant time.

The stored form is ``scrypt$n$r$p$salt_hex$hash_hex`` so the cost can be
raised later without invalidating existing PINs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1
_LENGTH = 32
_SCHEME = "scrypt"


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """Hash a PIN for storage; a fresh random salt unless one is given (seeding)."""
    if not pin or not pin.isdigit() or not 4 <= len(pin) <= 8:
        raise ValueError("a PIN is 4 to 8 digits")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_LENGTH)
    return f"{_SCHEME}${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str | None) -> bool:
    """True when ``pin`` hashes to ``stored``; compares with :func:`hmac.compare_digest`."""
    if not stored or not isinstance(pin, str):
        return False
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != _SCHEME:
            return False
        expected = bytes.fromhex(digest_hex)
        candidate = hashlib.scrypt(pin.strip().encode(), salt=bytes.fromhex(salt_hex),
                                   n=int(n), r=int(r), p=int(p), dklen=len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(candidate, expected)
