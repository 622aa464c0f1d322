"""Agent passwords: argon2id (argon2-cffi's RFC 9106 defaults), compared in constant time.

Older agents' scrypt hashes (cost 2^14, below today's advice) still verify, and
:func:`needs_rehash` tells the sign-in to replace them with argon2id the next time
the agent proves the password: no reset, no plaintext kept anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()
_SCRYPT = "scrypt$"


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("an agent password needs at least 8 characters")
    return _HASHER.hash(password)


def verify_password(password: str, stored: str) -> bool:
    if stored.startswith(_SCRYPT):
        return _verify_scrypt(password, stored)
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """A legacy scrypt hash, or argon2 with weaker parameters than today's."""
    return stored.startswith(_SCRYPT) or _HASHER.check_needs_rehash(stored)


def _verify_scrypt(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        candidate = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n),
                                   r=int(r), p=int(p), dklen=32)
    except ValueError:
        return False
    return hmac.compare_digest(candidate, base64.b64decode(digest))
