"""A PIN or code check's result kept under its turn's key, for a retry of that turn.

A turn can run twice (nginx, the relay, recovery: :mod:`careline.profile.idempotency`).
Checked again on the retry, a wrong PIN would count a second failed guess towards the
customer's lockout, and a right code, used up by the first run, would be called wrong.
So a check made with the turn's key keeps its result beside the account writes' keys,
and the retry reads it back instead of checking again. What was typed is never kept:
only the outcome.
"""

from __future__ import annotations

from typing import Any, ContextManager, Optional, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from careline import clock
from careline.db.session import committing, session_factory
from careline.identity.otp import Clock
from careline.profile import idempotency

T = TypeVar("T")


class TurnResults:
    """Kept check results by turn key; one session per call."""

    def __init__(self, engine: Optional[Engine] = None, *,
                 sessions: Optional[sessionmaker] = None, clock: Clock = clock.now) -> None:
        self._sessions = sessions or session_factory(engine)
        self._clock = clock

    def _session(self) -> ContextManager[Session]:
        return committing(self._sessions)

    def recall(self, *, key: str, kind: str, customer_id: int,
               result_type: type[T]) -> Optional[T]:
        """What an earlier run of the turn found; None when the check is still to make."""
        with self._session() as session:
            return idempotency.recall(session=session, key=key, kind=kind,
                                      customer_id=customer_id, result_type=result_type)

    def keep(self, *, key: str, kind: str, customer_id: int, result: Any) -> None:
        with self._session() as session:
            idempotency.keep(session=session, key=key, kind=kind, customer_id=customer_id,
                             result=result, at=self._clock())
