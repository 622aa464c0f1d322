"""Careline's tracker store: Rasa's SQL store, on the URL the environment names, made loud.

* ``CARELINE_TRACKER_STORE_URL`` (e.g. ``postgresql://…/careline_tracker``) or, unset,
  SQLite at ``CARELINE_TRACKER_DB`` (default: data dir/tracker.db).
* A database error raises :class:`TrackerStoreUnavailable`; with
  :mod:`careline.rasa_stores.guard` the customer is asked to try again shortly
  and nothing is run against an empty conversation.
* Save writes the new events first and publishes exactly those to the event broker
  afterwards (Rasa publishes first, then writes, and re-reads the whole tracker to
  find the new events), so the broker never carries a turn the database refused.
* Every saved turn writes one ``careline.turns`` log line.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import SQLAlchemyError

from careline.observability.redact import redact
from careline.rasa_stores.config import tracker_store_url
from careline.rasa_stores.errors import TrackerStoreUnavailable
from careline.rasa_stores.guard import LoudTrackerStore, install, turn_started
from careline.settings import get_settings

logger = logging.getLogger(__name__)
turn_logger = logging.getLogger("careline.turns")

_DB_ERRORS = (SQLAlchemyError, OSError)


def _loud(operation: str):  # type: ignore[no-untyped-def]
    """Turn a database error into TrackerStoreUnavailable with an error log."""

    def decorate(method):  # type: ignore[no-untyped-def]
        @functools.wraps(method)
        async def wrapper(self: "CarelineTrackerStore", conversation_id: Any, *args: Any) -> Any:
            try:
                return await method(self, conversation_id, *args)
            except _DB_ERRORS as error:
                sender = getattr(conversation_id, "sender_id", conversation_id)
                logger.error("tracker store could not %s conversation %s: %s",
                             operation, redact(str(sender)), error)
                raise TrackerStoreUnavailable(f"could not {operation} the conversation") from error
        return wrapper
    return decorate


class CarelineTrackerStore(SQLTrackerStore, LoudTrackerStore):
    """Rasa's SQL tracker store with loud errors, ordered publishing and a turn log."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        install()
        url = tracker_store_url(get_settings())
        super().__init__(domain=domain, host=url, event_broker=event_broker)
        if self.engine.dialect.name == "postgresql":
            # Rasa's engine has no pre-ping: after a PostgreSQL restart every pooled
            # connection would fail once. This one reconnects transparently.
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                connect_args={"connect_timeout": 5},
            )
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    @_loud("load")
    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        return await super().retrieve(sender_id)

    @_loud("load")
    async def retrieve_full_tracker(self, conversation_id: str) -> Optional[DialogueStateTracker]:
        return await super().retrieve_full_tracker(conversation_id)

    async def keys(self) -> Iterable[str]:
        try:
            return await super().keys()
        except _DB_ERRORS as error:
            raise TrackerStoreUnavailable("could not list conversations") from error

    @_loud("save")
    async def save(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
            for event in new_events:
                data = event.as_dict()
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            session.commit()
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
        log_turn(tracker.sender_id, new_events)


def log_turn(sender_id: str, new_events: list[Event]) -> None:
    """One line per customer turn: who, where, what we understood, what we did, how fast."""
    users = [e for e in new_events if isinstance(e, UserUttered)]
    if not users:
        return
    user = users[-1]
    after = new_events[new_events.index(user) + 1:]
    actions = [e.action_name for e in after
               if isinstance(e, ActionExecuted) and e.action_name != "action_listen"]
    intent = user.intent or {}
    started = turn_started.get(None)
    if started is not None:
        latency_ms = (time.monotonic() - started) * 1000
    else:  # saved outside Agent.handle_message (HTTP API): from the message's timestamp
        latency_ms = (time.time() - user.timestamp) * 1000
    turn_logger.info(
        "turn conversation=%s channel=%s intent=%s confidence=%.2f actions=%s latency_ms=%.0f",
        redact(str(sender_id)), user.input_channel or "unknown", intent.get("name"),
        float(intent.get("confidence") or 0.0), ",".join(a for a in actions if a) or "-",
        latency_ms,
    )
