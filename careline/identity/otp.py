"""One-time codes for web chat sign-in and as a second factor when there is no PIN.

Codes are six random digits, stored as an HMAC-SHA256 with a per-code salt,
valid for a few minutes and for a few attempts; issuing a new code retires the
old ones, and a used code cannot be replayed. Only so many are sent per customer
and per number within a window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone
from typing import Callable, ContextManager, Optional


from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from careline import clock
from careline.db.session import committing, session_factory
from careline.identity import repository
from careline.identity.schemas import CodeCheck, CodeOutcome, IssuedCode
from careline.settings import get_settings

CODE_DIGITS = 6
GRANT_DIGITS = 30
DEFAULT_TTL = timedelta(minutes=10)
DEFAULT_MAX_ATTEMPTS = 3

Clock = Callable[[], datetime]


def _digest(code: str, salt: str) -> str:
    return hmac.new(bytes.fromhex(salt), code.encode(), hashlib.sha256).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class OneTimeCodeService:
    """Issues and checks codes; one session per call, like every Careline service.

    Limits on sending default to the settings (``CARELINE_IDENTITY_CODE_*``); ``sessions``
    lets tests run every call inside one rolled-back transaction.
    """

    def __init__(self, engine: Optional[Engine] = None, *, ttl: timedelta = DEFAULT_TTL,
                 max_attempts: int = DEFAULT_MAX_ATTEMPTS, clock: Clock = clock.now,
                 code_limit: Optional[int] = None, code_window: Optional[timedelta] = None,
                 sessions: Optional[sessionmaker] = None) -> None:
        settings = get_settings()
        self._sessions = sessions or session_factory(engine)
        self._ttl = ttl
        self._max_attempts = max_attempts
        self._clock = clock
        self._code_limit = code_limit or settings.identity_code_limit
        self._code_window = code_window or timedelta(
            minutes=settings.identity_code_window_minutes)

    def _session(self) -> ContextManager[Session]:
        return committing(self._sessions)

    def issue(self, *, customer_id: int, purpose: str, sent_to: str) -> Optional[IssuedCode]:
        """A new code for ``customer_id`` to text to ``sent_to``; earlier open codes for the
        purpose stop working. None, and the open code left as it is, when the customer or
        the number has had ``code_limit`` codes within ``code_window``: asking again and
        again must not turn Careline into an SMS bomb. Counted and inserted in one step
        held against other connections and replicas (``repository.hold``)."""
        now = self._clock()
        since = now - self._code_window
        with self._session() as session:
            repository.hold(session=session, scope="identity.codes.customer",
                            key=str(customer_id))
            repository.hold(session=session, scope="identity.codes.number", key=sent_to)
            if max(repository.codes_issued_since(session=session, since=since,
                                                 customer_id=customer_id),
                   repository.codes_issued_since(session=session, since=since,
                                                 sent_to=sent_to)) >= self._code_limit:
                return None
            code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
            salt = secrets.token_hex(16)
            repository.retire_open_codes(session=session, customer_id=customer_id,
                                         purpose=purpose, at=now)
            row = repository.add_code(session=session, customer_id=customer_id, purpose=purpose,
                                      salt=salt, code_hash=_digest(code, salt),
                                      created_at=now, expires_at=now + self._ttl,
                                      sent_to=sent_to)
            return IssuedCode(customer_id=customer_id, code=code,
                              expires_at=_aware(row.expires_at))

    def grant(self, *, customer_id: int, purpose: str, ttl: timedelta) -> IssuedCode:
        """A single-use secret that is never texted: proof, handed to the one who just passed
        a check, that they did (web chat binds a socket with it). Long enough that guessing
        is hopeless; redeemed through :meth:`verify` like a code, so it works once."""
        now = self._clock()
        secret = f"{secrets.randbelow(10 ** GRANT_DIGITS):0{GRANT_DIGITS}d}"
        salt = secrets.token_hex(16)
        with self._session() as session:
            repository.retire_open_codes(session=session, customer_id=customer_id,
                                         purpose=purpose, at=now)
            row = repository.add_code(session=session, customer_id=customer_id, purpose=purpose,
                                      salt=salt, code_hash=_digest(secret, salt),
                                      created_at=now, expires_at=now + ttl, sent_to=None)
            return IssuedCode(customer_id=customer_id, code=secret,
                              expires_at=_aware(row.expires_at))

    def verify(self, *, customer_id: int, purpose: str, code: str) -> CodeCheck:
        """Check ``code``; a wrong guess uses up an attempt, a right one uses up the code."""
        candidate = "".join(ch for ch in code if ch.isdigit())
        now = self._clock()
        with self._session() as session:
            row = repository.latest_open_code(session=session, customer_id=customer_id,
                                              purpose=purpose)
            if row is None:
                return CodeCheck(CodeOutcome.NO_CODE, 0)
            if _aware(row.expires_at) <= now:
                row.consumed_at = now
                return CodeCheck(CodeOutcome.EXPIRED, 0)
            if row.attempts >= self._max_attempts:
                return CodeCheck(CodeOutcome.LOCKED, 0)
            if hmac.compare_digest(_digest(candidate, row.salt), row.code_hash):
                row.consumed_at = now
                return CodeCheck(CodeOutcome.ACCEPTED, self._max_attempts - row.attempts)
            row.attempts += 1
            left = self._max_attempts - row.attempts
            if left <= 0:
                row.consumed_at = now
                return CodeCheck(CodeOutcome.LOCKED, 0)
            return CodeCheck(CodeOutcome.WRONG, left)
