"""The one check of an ``Authorization: Bearer <token>`` header.

Every Careline server that takes a bearer token asks here: the REST channel, the relayed
turn, the action server, the desk's machine API and the incidents API. One check means one
set of traps avoided: the comparison takes the same time wherever the first differing
character is (``hmac.compare_digest``), so timing does not reveal a token a prefix at a
time, and an empty expected token matches nothing, so a server missing its token is closed,
never open.
"""

from __future__ import annotations

import hmac
from typing import Optional

_SCHEME = "bearer"


def presented_token(header: Optional[str]) -> Optional[str]:
    """The credential an ``Authorization`` header offers under the Bearer scheme (the
    scheme's case does not matter, RFC 9110), or None when it offers none at all.

    ``"Bearer "`` offers an empty credential, which is not the same as offering none: a
    server answers 401 to the one and 403 to the other.
    """
    if header is None:
        return None
    scheme, separator, credential = header.partition(" ")
    if not separator or scheme.lower() != _SCHEME:
        return None
    return credential


def bearer_matches(header: Optional[str], token: Optional[str]) -> bool:
    """Whether ``header`` carries exactly ``token``; no expected token, no match."""
    credential = presented_token(header)
    if not token or credential is None:
        return False
    return hmac.compare_digest(credential.encode(), token.encode())
