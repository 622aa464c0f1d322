"""Account writes made once per conversation turn, however often the turn is retried.

A turn can run twice: nginx passes a webhook on to another gateway, a gateway relays it to
another Rasa replica, recovery re-drives a message that was accepted but not answered. Each
account write a turn makes carries a key from the conversation, the turn's user message and
the kind of write; the first call with a key makes the write and stores its result under
the key in the same transaction, and every later call gets that result back (the same case
number, the same arrangement), so the bot answers the same and nothing changes twice.
A PIN or code check keeps its result under its turn's key too (:func:`keep`, :func:`recall`,
used by :mod:`careline.identity.turn_results`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Optional, TypeVar, cast

from sqlalchemy.orm import Session

from careline.profile.jsonable import from_jsonable, to_jsonable
from careline.profile.repositories import engagement
from careline.profile.schemas import InvalidRequest

T = TypeVar("T")


def turn_key(*, conversation_id: str, events: Iterable[Mapping[str, Any]],
             write: str) -> Optional[str]:
    """The key of ``write`` in the conversation's latest turn: the latest user message's id
    (its MessageSid on Twilio, kept when a turn is re-driven), else its timestamp. ``None``
    when no user message says which turn this is: then nothing can tell a retry apart."""
    latest: Mapping[str, Any] = {}
    for event in events:
        if event.get("event") == "user":
            latest = event
    marker = latest.get("message_id") or latest.get("timestamp")
    if not marker:
        return None
    digest = hashlib.sha256(f"{conversation_id}\0{marker}\0{write}".encode()).hexdigest()
    return f"{write}-{digest[:40]}"


def once(*, session: Session, key: Optional[str], kind: str, customer_id: Optional[int],
         result_type: type[T], write: Callable[[], T], at: datetime) -> T:
    """``write()`` in ``session``'s transaction unless ``key`` was used before; then the
    result the first call stored. The key is claimed before the write, so two concurrent
    calls make one write: the second waits for the first's commit and reads its result."""
    if key is None:
        return write()
    if engagement.claim_write(session=session, key=key, kind=kind, customer_id=customer_id,
                              at=at):
        result = write()
        engagement.store_write_result(session=session, key=key,
                                      result=json.dumps(to_jsonable(result)))
        return result
    stored = recall(session=session, key=key, kind=kind, customer_id=customer_id,
                    result_type=result_type)
    if stored is None:
        raise InvalidRequest(f"the key {key!r} belongs to another write")
    return stored


def recall(*, session: Session, key: str, kind: str, customer_id: Optional[int],
           result_type: type[T]) -> Optional[T]:
    """The result an earlier run of the turn kept under ``key``; None when it kept none."""
    stored = engagement.get_write(session=session, key=key)
    if stored is None or stored.result is None:
        return None
    if stored.kind != kind or stored.customer_id != customer_id:
        raise InvalidRequest(f"the key {key!r} belongs to another write")
    return cast("T", from_jsonable(result_type, json.loads(stored.result)))


def keep(*, session: Session, key: str, kind: str, customer_id: Optional[int], result: Any,
         at: datetime) -> None:
    """Keep ``result`` under ``key`` for a retry of the turn (:func:`recall`); a result an
    earlier run already kept stays as it is."""
    if engagement.claim_write(session=session, key=key, kind=kind, customer_id=customer_id,
                              at=at):
        engagement.store_write_result(session=session, key=key,
                                      result=json.dumps(to_jsonable(result)))


def forget_before(*, session: Session, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` keys made before ``before`` (a retry comes within minutes, so
    old keys only take space: careline.db.retention); how many went."""
    return engagement.delete_writes_before(session=session, before=before, limit=limit)
