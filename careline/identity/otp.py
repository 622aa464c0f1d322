"""One-time codes for web chat sign-in and as a second factor when there is no PIN.

Codes are six random digits, stored as an HMAC-SHA256 with a per-code salt,
valid for a few minutes and for a few attempts; issuing a new code retires the
old ones, and a used code cannot be replayed.
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

CODE_DIGITS = 6
DEFAULT_TTL = timedelta(minutes=10)
DEFAULT_MAX_ATTEMPTS = 3

Clock = Callable[[], datetime]


def _digest(code: str, salt: str) -> str:
    return hmac.new(bytes.fromhex(salt), code.encode(), hashlib.sha256).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class OneTimeCodeService:
    """Issues and checks codes; one session per call, like every Careline service.

    ``sessions`` lets tests run every call inside one rolled-back transaction.
    """

    def __init__(self, engine: Optional[Engine] = None, *, ttl: timedelta = DEFAULT_TTL,
                 max_attempts: int = DEFAULT_MAX_ATTEMPTS, clock: Clock = clock.now,
                 sessions: Optional[sessionmaker] = None) -> None:
        self._sessions = sessions or session_factory(engine)
        self._ttl = ttl
        self._max_attempts = max_attempts
        self._clock = clock

    def _session(self) -> ContextManager[Session]:
        return committing(self._sessions)

    def issue(self, *, customer_id: int, purpose: str) -> IssuedCode:
        """A new code for ``customer_id``; earlier open codes for the purpose stop working."""
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        salt = secrets.token_hex(16)
        now = self._clock()
        with self._session() as session:
            repository.retire_open_codes(session=session, customer_id=customer_id,
                                         purpose=purpose, at=now)
            row = repository.add_code(session=session, customer_id=customer_id, purpose=purpose,
                                      salt=salt, code_hash=_digest(code, salt),
                                      created_at=now, expires_at=now + self._ttl)
            return IssuedCode(customer_id=customer_id, code=code,
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
