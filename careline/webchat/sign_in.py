"""The web chat page's sign-in step: who you are, then the code texted to you or your PIN.

Why a step on the page and not only in the chat: a visitor who wants their own figures
should not have to know that the bot will ask. Three HTTP-free steps, each proving the
one before it, so only the browser session that proved the code or PIN binds a socket:

1. ``start``: the visitor's session token (the anonymous one their socket connected
   with) and an account number, email, web account id or mobile number. The answer is
   the same whoever that is, given before the code is texted (as in the chat's sign-in),
   with a *challenge*: a signed note of the session and of what was typed. Starts are
   capped per session at identity's code limit, and identity's limits on codes per
   customer and per number apply as on every channel.
2. ``check``: the challenge and the code or PIN. Tries are counted per challenge (three,
   as in the chat) and per session, and a real account's failures count towards
   identity's lockout as on every channel; every failure reads alike. A pass
   stores a single-use grant secret (identity's one-time codes, so it is shared by every
   replica and works once) and returns a signed *grant* for that session.
3. ``redeem``: the socket's own session presents the grant; it binds only if the grant
   was made for that session and its secret has not been used.
"""

from __future__ import annotations

import functools
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Optional

import jwt

from careline.channels.webchat_tokens import ALGORITHM, ISSUER, verify_token, webchat_secret
from careline.db.session import run_blocking
from careline.identity.otp import OneTimeCodeService
from careline.identity.service import SIGN_IN, IdentityService
from careline.rasa_integration.sender_limits import WindowCounter, counter_for
from careline.settings import get_settings

CHALLENGE, GRANT = "web-sign-in", "web-bind"
#: The purpose of the grant's stored secret: never texted, never a sign-in code.
BIND = "web_bind"
CHALLENGE_TTL = timedelta(minutes=10)  # as long as the code it waits for
GRANT_TTL = timedelta(minutes=2)
MAX_TRIES = 3
MAX_WHO = 254


class SignInRefused(Exception):
    """A request the step will not serve: ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Checked:
    """The result of one try: a grant when it passed; ``tries_left`` for this challenge."""

    grant: Optional[str]
    tries_left: int


class WebSignIn:
    def __init__(self, *, identity: Optional[IdentityService] = None,
                 codes: Optional[OneTimeCodeService] = None,
                 counter: Optional[WindowCounter] = None) -> None:
        settings = get_settings()
        self._identity = identity or IdentityService()
        self._codes = codes or OneTimeCodeService()
        self._counter = counter or counter_for(settings)
        self._code_limit = settings.identity_code_limit
        self._window = settings.identity_code_window_minutes * 60

    async def start(self, *, session_token: object, who: object) -> str:
        """Text a code if ``who`` is a customer's, and return the challenge either way."""
        subject = _anonymous_subject(session_token)
        who = who.strip() if isinstance(who, str) else ""
        if not who or len(who) > MAX_WHO:
            raise SignInRefused(400, "give an account number, email or mobile number")
        await self._within(f"start:{subject}", self._code_limit)
        customer = await self._identity.find_web_visitor(who=who)
        if customer is not None:  # locked out or over the codes' limit: nothing goes
            self._identity.send_code_soon(customer_id=customer.customer_id, purpose=SIGN_IN)
        return _sign({"sub": subject, "typ": CHALLENGE, "who": who, "jti": uuid.uuid4().hex},
                     CHALLENGE_TTL)

    async def check(self, *, session_token: object, challenge: object, answer: object) -> Checked:
        """One try at the code or PIN for the challenge this session was given."""
        subject = _anonymous_subject(session_token)
        claims = _claims(challenge, CHALLENGE)
        if claims is None or claims.get("sub") != subject:
            raise SignInRefused(400, "that sign-in was not started here")
        if not isinstance(answer, str) or not answer.strip() or len(answer) > 32:
            raise SignInRefused(400, "send the code or PIN")
        await self._within(f"check:{subject}", MAX_TRIES * self._code_limit)
        tries = await self._counter.count(f"webchat-sign-in:tries:{claims['jti']}",
                                          CHALLENGE_TTL.total_seconds())
        if tries > MAX_TRIES:
            return Checked(grant=None, tries_left=0)
        customer = await self._identity.find_web_visitor(who=str(claims.get("who", "")))
        if customer is None:
            return Checked(grant=None, tries_left=MAX_TRIES - tries)
        check, _ = await self._identity.check_sign_in(customer_id=customer.customer_id,
                                                      answer=answer)
        if not check.accepted:
            return Checked(grant=None, tries_left=MAX_TRIES - tries)
        issued = await run_blocking(functools.partial(
            self._codes.grant, customer_id=customer.customer_id, purpose=BIND, ttl=GRANT_TTL))
        grant = _sign({"sub": subject, "typ": GRANT, "bind_customer": customer.customer_id,
                       "secret": issued.code}, GRANT_TTL)
        return Checked(grant=grant, tries_left=MAX_TRIES - tries)

    async def redeem(self, *, subject: str, grant: str) -> Optional[int]:
        """The customer a grant proves for the socket of session ``subject``, once; None for
        a forged, expired, used or another session's grant."""
        claims = _claims(grant, GRANT)
        if claims is None or claims.get("sub") != subject:
            return None
        customer_id, secret = claims.get("bind_customer"), claims.get("secret")
        if not isinstance(customer_id, int) or not isinstance(secret, str):
            return None
        check = await run_blocking(functools.partial(
            self._codes.verify, customer_id=customer_id, purpose=BIND, code=secret))
        return customer_id if check.accepted else None

    async def _within(self, key: str, limit: int) -> None:
        if await self._counter.count(f"webchat-sign-in:{key}", self._window) > limit:
            raise SignInRefused(429, "too many tries; please wait and try again later")


def _anonymous_subject(session_token: object) -> str:
    """The browser session asking: an anonymous token Careline issued to its socket."""
    identity = verify_token(session_token) if isinstance(session_token, str) else None
    if identity is None or not identity.anonymous:
        raise SignInRefused(401, "no valid anonymous chat session")
    return identity.subject


def _sign(claims: dict[str, Any], ttl: timedelta) -> str:
    now = int(time.time())
    return jwt.encode({**claims, "iss": ISSUER, "iat": now,
                       "exp": now + int(ttl.total_seconds())},
                      webchat_secret(), algorithm=ALGORITHM)


def _claims(token: object, kind: str) -> Optional[dict[str, Any]]:
    """A token Careline signed of ``kind`` that has not expired; None otherwise."""
    if not isinstance(token, str):
        return None
    try:
        claims = jwt.decode(token, webchat_secret(), algorithms=[ALGORITHM], issuer=ISSUER,
                            options={"require": ["sub", "exp", "typ"]})
    except jwt.PyJWTError:
        return None
    return claims if claims.get("typ") == kind else None
