"""Who is connected on web chat: recorded by the channel, read by proactive routing.

The web chat channel calls :class:`PresenceStore` when a verified customer's
socket connects or disconnects, and refreshes its live connections every
:data:`HEARTBEAT` so a replica that dies without closing its sockets leaves
only rows that go stale after :data:`STALE_AFTER`. Anonymous visitors are not
recorded: nothing proactive may be sent to someone whose consent is unknown.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, Optional, Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from careline import clock
from careline.db.session import session_scope
from careline.webchat.models import WebChatPresence

HEARTBEAT = timedelta(seconds=60)
#: A connection not refreshed for this long belongs to a process that is gone.
STALE_AFTER = timedelta(minutes=3)
_CHUNK = 500


def live_sessions(*, session: Session, customer_ids: Iterable[int], now: datetime,
                  stale_after: timedelta = STALE_AFTER) -> dict[int, str]:
    """``customer id → web chat conversation id`` for customers connected right now."""
    ids = sorted(set(customer_ids))
    found: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        for customer_id, sender_id in session.execute(
                select(WebChatPresence.customer_id, WebChatPresence.sender_id)
                .where(WebChatPresence.customer_id.in_(ids[start:start + _CHUNK]),
                       WebChatPresence.seen_at >= now - stale_after)):
            found[customer_id] = sender_id
    return found


def add_connection(*, session: Session, connection_id: str, sender_id: str, customer_id: int,
                   at: datetime) -> None:
    row = session.get(WebChatPresence, connection_id)
    if row is None:
        session.add(WebChatPresence(connection_id=connection_id, sender_id=sender_id,
                                    customer_id=customer_id, connected_at=at, seen_at=at))
    else:
        row.sender_id, row.customer_id, row.seen_at = sender_id, customer_id, at


def remove_connection(*, session: Session, connection_id: str) -> None:
    session.execute(delete(WebChatPresence).where(
        WebChatPresence.connection_id == connection_id))


def touch_connections(*, session: Session, connection_ids: Sequence[str], at: datetime) -> None:
    for start in range(0, len(connection_ids), _CHUNK):
        session.execute(update(WebChatPresence)
                        .where(WebChatPresence.connection_id.in_(
                            list(connection_ids[start:start + _CHUNK])))
                        .values(seen_at=at).execution_options(synchronize_session=False))


class PresenceStore:
    """The repository functions above, one committed session per call."""

    def __init__(self, engine: Optional[Engine] = None) -> None:
        self._engine = engine

    def connected(self, *, connection_id: str, sender_id: str, customer_id: int) -> None:
        with session_scope(self._engine) as session:
            add_connection(session=session, connection_id=connection_id, sender_id=sender_id,
                           customer_id=customer_id, at=clock.now())

    def disconnected(self, *, connection_id: str) -> None:
        with session_scope(self._engine) as session:
            remove_connection(session=session, connection_id=connection_id)

    def heartbeat(self, *, connection_ids: Sequence[str]) -> None:
        if connection_ids:
            with session_scope(self._engine) as session:
                touch_connections(session=session, connection_ids=connection_ids, at=clock.now())

    def live(self, *, customer_ids: Iterable[int]) -> dict[int, str]:
        with session_scope(self._engine) as session:
            return live_sessions(session=session, customer_ids=customer_ids, now=clock.now())
