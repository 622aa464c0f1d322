"""Web chat identity tokens: HS256 JWTs the operator's site signs for a logged-in user.

Anonymous visitors get a token too, issued by Careline itself, so a reconnecting
tab keeps its conversation without ever naming a session id of its own.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Optional

import jwt

from careline.channels.conversation_key import customer_sender_id
from careline.settings import Settings, get_settings

ALGORITHM = "HS256"
ISSUER = "careline"
ANONYMOUS_TTL_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class WebIdentity:
    """Who a web chat connection speaks for, as the signed token says."""

    subject: str
    customer_id: Optional[int]
    anonymous: bool

    @property
    def sender_id(self) -> str:
        """Known customers share their conversation with SMS and WhatsApp."""
        if self.customer_id is not None:
            return customer_sender_id(self.customer_id)
        prefix = "web-anon-" if self.anonymous else "web-"
        return f"{prefix}{self.subject}"[:64]

    @property
    def verified_customer_id(self) -> Optional[int]:
        """The customer the signed token proves, or None (anonymous, or no customer)."""
        return None if self.anonymous else self.customer_id


def webchat_secret(settings: Optional[Settings] = None) -> str:
    """``CARELINE_WEBCHAT_SECRET``, or a random local one kept in the data dir."""
    return (settings or get_settings()).secret("webchat_secret")


def issue_token(*, subject: str, customer_id: Optional[int] = None, anonymous: bool = False,
                ttl_seconds: int = 3600, secret: Optional[str] = None) -> str:
    """Sign a token (the operator's site does the same with the shared secret)."""
    now = int(time.time())
    claims = {"sub": subject, "iat": now, "exp": now + ttl_seconds, "iss": ISSUER,
              "anonymous": anonymous}
    if customer_id is not None:
        claims["customer_id"] = int(customer_id)
    return jwt.encode(claims, secret or webchat_secret(), algorithm=ALGORITHM)


def issue_anonymous() -> tuple[WebIdentity, str]:
    subject = uuid.uuid4().hex
    token = issue_token(subject=subject, anonymous=True, ttl_seconds=ANONYMOUS_TTL_SECONDS)
    return WebIdentity(subject=subject, customer_id=None, anonymous=True), token


def verify_token(token: str, *, secret: Optional[str] = None) -> Optional[WebIdentity]:
    """The identity a token proves, or None if it is forged, expired or malformed."""
    try:
        claims = jwt.decode(token, secret or webchat_secret(), algorithms=[ALGORITHM],
                            options={"require": ["sub", "exp"]})
    except jwt.PyJWTError:
        return None
    if "typ" in claims:  # a sign-in step's challenge or grant is no connection token
        return None
    subject = claims.get("sub")
    customer_id = claims.get("customer_id")
    if not isinstance(subject, str) or not subject:
        return None
    if customer_id is not None and not isinstance(customer_id, int):
        return None
    return WebIdentity(subject=subject, customer_id=customer_id,
                       anonymous=bool(claims.get("anonymous")))
