"""A per-customer lockout after repeated failed checks, across conversations and channels.

A conversation's own try count ends only that conversation: someone opening new web
chats (new sender ids) could otherwise keep guessing a customer's PIN or codes. So
every failed check is recorded per customer and purpose (sign-in code; second
factor, PIN or code), and ``max_failures`` of them within ``window`` pause that check
for one ``window`` from the failure that reached the limit. A passed check clears
the count. Only when a check failed is stored, never what was tried.

A try is counted before the PIN or code is compared (:meth:`FailedCheckLockout.claim_try`),
in one step with reading the lock and held against every other connection: were the
check "locked?" and the record "failed" two steps, a burst of parallel guesses would all
find the customer unlocked and all be compared, whatever the limit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ContextManager, Optional, Sequence

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from careline import clock
from careline.db.session import committing, session_factory
from careline.identity import repository
from careline.identity.otp import Clock
from careline.identity.schemas import ClaimedTry, Lockout
from careline.settings import get_settings


def lock_end(failures: Sequence[datetime], *, max_failures: int,
             window: timedelta) -> Optional[datetime]:
    """When the latest lock these failures (newest first) caused ends; None if none did.

    A lock starts at a failure that is the ``max_failures``-th within one window and
    lasts a window from it, so once it ends every failure behind it is too old to count.
    """
    for newest, oldest in zip(failures, failures[max_failures - 1:]):
        if newest - oldest < window:
            return newest + window
    return None


class FailedCheckLockout:
    """Records failed checks and says who is locked out; one session per call.

    Limits default to the settings (``CARELINE_IDENTITY_LOCKOUT_*``); ``sessions`` and
    ``clock`` let tests use one rolled-back transaction and move time.
    """

    def __init__(self, engine: Optional[Engine] = None, *, max_failures: Optional[int] = None,
                 window: Optional[timedelta] = None, clock: Clock = clock.now,
                 sessions: Optional[sessionmaker] = None) -> None:
        settings = get_settings()
        self._sessions = sessions or session_factory(engine)
        self._max_failures = max_failures or settings.identity_lockout_max_failures
        self._window = window or timedelta(minutes=settings.identity_lockout_window_minutes)
        self._clock = clock

    def _session(self) -> ContextManager[Session]:
        return committing(self._sessions)

    def _lockout(self, session: Session, *, customer_id: int, purpose: str,
                 now: datetime) -> Optional[Lockout]:
        # A lock still running began with failures at most two windows old.
        failures = repository.failed_checks_since(session=session, customer_id=customer_id,
                                                  purpose=purpose, since=now - 2 * self._window)
        until = lock_end(failures, max_failures=self._max_failures, window=self._window)
        if until is None or until <= now:
            return None
        return Lockout(customer_id=customer_id, purpose=purpose, until=until)

    def current(self, *, customer_id: int, purpose: str) -> Optional[Lockout]:
        """The lock on this customer's checks for ``purpose``, if one is running now."""
        with self._session() as session:
            return self._lockout(session, customer_id=customer_id, purpose=purpose,
                                 now=self._clock())

    def claim_try(self, *, customer_id: int, purpose: str) -> ClaimedTry:
        """Count one try as failed, unless a lock is running (then nothing is counted).

        Failures too old to ever count again are forgotten on the way, so the table
        holds at most a few rows per customer.
        """
        now = self._clock()
        with self._session() as session:
            repository.hold(session=session, scope=f"identity.checks.{purpose}",
                            key=str(customer_id))
            running = self._lockout(session, customer_id=customer_id, purpose=purpose, now=now)
            if running is not None:
                return ClaimedTry(failure_id=None, refused_by=running)
            repository.delete_failed_checks(session=session, customer_id=customer_id,
                                            purpose=purpose, before=now - 2 * self._window)
            failure_id = repository.add_failed_check(session=session, customer_id=customer_id,
                                                     purpose=purpose, at=now)
            return ClaimedTry(failure_id=failure_id, lock_if_wrong=self._lockout(
                session, customer_id=customer_id, purpose=purpose, now=now))

    def withdraw(self, claimed: ClaimedTry) -> None:
        """A try that compared nothing (no open code, an expired one) is no failed guess."""
        if claimed.failure_id is not None:
            with self._session() as session:
                repository.delete_failed_check(session=session, failure_id=claimed.failure_id)

    def clear(self, *, customer_id: int, purpose: str) -> None:
        """A passed check: the customer starts again from no failures for ``purpose``."""
        with self._session() as session:
            repository.delete_failed_checks(session=session, customer_id=customer_id,
                                            purpose=purpose)
