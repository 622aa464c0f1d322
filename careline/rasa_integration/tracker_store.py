"""Careline's tracker store: Rasa's SQL store, on the URL the environment names, made loud.

* ``CARELINE_TRACKER_STORE_URL`` (e.g. ``postgresql://…/careline_tracker``) or, unset,
  SQLite at ``CARELINE_TRACKER_DB`` (default: data dir/tracker.db).
* A database error raises :class:`TrackerStoreUnavailable`; with
  :mod:`careline.rasa_integration.guard` the customer is asked to try again shortly
  and nothing is run against an empty conversation.
* Save writes the new events first and publishes exactly those to the event broker
  afterwards (Rasa publishes first, then writes, and re-reads the whole tracker to
  find the new events), so the broker never carries a turn the database refused.
* PINs and one-time codes the customer typed are masked in what is written and
  published (:mod:`careline.identity.secret_answers`): the turn's actions saw them raw,
  nothing after the turn does.
* Every saved turn writes one ``careline.turns`` log line.
* Database work runs in a small thread pool, never on Rasa's event loop: Rasa's SQL
  store is synchronous inside ``async`` methods, so every round trip to PostgreSQL
  (pre-ping, query, commit) stalled every conversation of the replica.
* Save knows how many events the tracker was loaded with, instead of Rasa's extra
  COUNT query over the conversation's events on every save (it grew with the
  conversation). A tracker Rasa creates for a conversation the store has no events of
  starts at 0; trackers that were not loaded or created here fall back to Rasa's count.
  A save with nothing new (each new conversation's first, empty one) sends nothing.
* New events are written with one executemany insert (batched by psycopg2), not one
  ORM object per event and a unit-of-work flush.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Iterable, Optional, TypeVar, cast

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, EXTERNAL_MESSAGE_PREFIX
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, Restarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import SQLAlchemyError

from careline.identity.secret_answers import RasaEvent, masked_events
from careline.observability import metrics
from careline.observability.redact import redact
from careline.rasa_integration import patches
from careline.rasa_integration.config import tracker_store_url, with_sqlite_folder
from careline.rasa_integration.errors import TrackerStoreUnavailable
from careline.rasa_integration.guard import LoudTrackerStore, turn_started
from careline.settings import get_settings

logger = logging.getLogger(__name__)
turn_logger = logging.getLogger("careline.turns")

_DB_ERRORS = (SQLAlchemyError, OSError)
#: PostgreSQL connections of one replica's tracker store (and threads using them).
POOL_SIZE = 5
#: Set on a tracker this store loaded: how many of its events are in the database.
_STORED_EVENTS = "_careline_stored_events"

T = TypeVar("T")
#: A store method taking the conversation (its id or tracker) first.
StoreMethod = TypeVar("StoreMethod", bound=Callable[..., Awaitable[Any]])


def _loud(operation: str) -> Callable[[StoreMethod], StoreMethod]:
    """Turn a database error into TrackerStoreUnavailable with an error log."""

    def decorate(method: StoreMethod) -> StoreMethod:
        @functools.wraps(method)
        async def wrapper(self: CarelineTrackerStore, conversation_id: Any, *args: Any) -> Any:
            try:
                return await method(self, conversation_id, *args)
            except _DB_ERRORS as error:
                sender = getattr(conversation_id, "sender_id", conversation_id)
                logger.error("tracker store could not %s conversation %s: %s",
                             operation, redact(str(sender)), error)
                raise TrackerStoreUnavailable(f"could not {operation} the conversation") from error
        return cast(StoreMethod, wrapper)
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
        patches.install_all()  # under Rasa's own CLI: Rasa makes its Agent next
        url = with_sqlite_folder(tracker_store_url(get_settings()))
        super().__init__(domain=domain, host=url, event_broker=event_broker)
        if self.engine.dialect.name == "postgresql":
            # Rasa's engine has no pre-ping: after a PostgreSQL restart every pooled
            # connection would fail once. This one reconnects transparently.
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=10,
                connect_args={"connect_timeout": 5},
            )
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        # SQLite takes one writer at a time: one thread keeps its writes in order.
        workers = POOL_SIZE if self.engine.dialect.name == "postgresql" else 1
        self._executor = ThreadPoolExecutor(max_workers=workers,
                                            thread_name_prefix="tracker-store")

    async def _off_loop(self, work: Callable[[], T]) -> T:
        """Run blocking database work in the store's threads; the event loop serves others.

        A thread cannot be stopped: if the turn is cancelled meanwhile (the client went
        away), wait for the work to end before letting the cancellation through, so the
        conversation's lock is not freed while its events are still being written.
        """
        future = asyncio.get_running_loop().run_in_executor(self._executor, work)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            try:
                await future
            except Exception:  # the cancellation below is what the caller sees
                pass
            raise

    @_loud("load")
    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        return await self._off_loop(functools.partial(self._load, sender_id, False))

    @_loud("load")
    async def retrieve_full_tracker(self, conversation_id: str) -> Optional[DialogueStateTracker]:
        return await self._off_loop(functools.partial(self._load, conversation_id, True))

    def _load(self, sender_id: str, all_sessions: bool) -> Optional[DialogueStateTracker]:
        """Rasa's query (latest session, or all), reading only the events' JSON."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id,
                                     fetch_events_from_all_sessions=all_sessions)
            events = [json.loads(data) for (data,) in rows.with_entities(self.SQLEvent.data)]
        if not self.domain or not events:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, _STORED_EVENTS, len(events))
        return tracker

    async def keys(self) -> Iterable[str]:
        try:
            return await super().keys()
        except _DB_ERRORS as error:
            raise TrackerStoreUnavailable("could not list conversations") from error

    @_loud("save")
    async def save(self, tracker: DialogueStateTracker) -> None:
        if getattr(tracker, _STORED_EVENTS, None) == len(tracker.events):
            return  # nothing new (Rasa saves each new conversation's empty tracker): no round trip
        new_events, stored = await self._off_loop(functools.partial(self._write, tracker))
        if self.event_broker is not None:
            for data in stored:  # Rasa's _stream_new_events, with what was stored
                self.event_broker.publish({"sender_id": tracker.sender_id, **data})
        log_turn(tracker.sender_id, new_events)

    async def create_tracker(
        self, sender_id: str, append_action_listen: bool = True
    ) -> DialogueStateTracker:
        """Rasa's create_tracker, with the new tracker known to have no stored events.

        Rasa calls it only when retrieve (or retrieve_full_tracker) found no events: the
        latest-session query returns at least the latest session start (or, with none,
        every event), so it is empty only when the conversation has no events at all.
        The first save then needs no COUNT. Not in init_tracker: Rasa's
        deserialise_tracker also builds trackers with it and replays stored events.
        """
        tracker = self.init_tracker(sender_id)
        setattr(tracker, _STORED_EVENTS, 0)
        if append_action_listen:
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        await self.save(tracker)
        return tracker

    def _write(self, tracker: DialogueStateTracker) -> tuple[list[Event], list[RasaEvent]]:
        """Insert the events the database does not have yet, secrets masked; returns them,
        and what was stored of them."""
        with self.session_scope() as session:
            stored = getattr(tracker, _STORED_EVENTS, None)
            if stored is None or stored > len(tracker.events):
                new_events = list(self._additional_events(session, tracker))
            else:
                new_events = list(itertools.islice(tracker.events, stored, None))
            first_new = len(tracker.events) - len(new_events)
            data = masked_events([event.as_dict() for event in new_events],
                                 requested_slot=_requested_slot(tracker.events, first_new))
            if data:
                rows = [_event_row(tracker.sender_id, event) for event in data]
                session.execute(sa.insert(self.SQLEvent.__table__), rows)
            session.commit()
        setattr(tracker, _STORED_EVENTS, len(tracker.events))
        return new_events, data


def _requested_slot(events: Any, before: int) -> Optional[str]:
    """The slot the bot was asking for before event ``before`` (the last one it set)."""
    for event in reversed(list(itertools.islice(events, before))):
        if isinstance(event, SlotSet) and event.key == "requested_slot":
            return event.value
        if isinstance(event, Restarted):
            return None
    return None


def _event_row(sender_id: str, data: RasaEvent) -> dict[str, Any]:
    """The events table's columns for one event, as Rasa's SQL store fills them."""
    return {
        "sender_id": sender_id,
        "type_name": data.get("event"),
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


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
    channel, name = user.input_channel or "unknown", intent.get("name")
    confidence, done = float(intent.get("confidence") or 0.0), [a for a in actions if a]
    if not (user.text or "").startswith(EXTERNAL_MESSAGE_PREFIX):  # not a trigger_intent
        metrics.observe_turn(channel=channel, intent=name, seconds=latency_ms / 1000)
    # the fields again as ``turn`` for JSON logs; the correlation id comes with every line
    turn_logger.info(
        "turn conversation=%s channel=%s intent=%s confidence=%.2f actions=%s latency_ms=%.0f",
        redact(str(sender_id)), channel, name, confidence, ",".join(done) or "-", latency_ms,
        extra={"turn": {"conversation": redact(str(sender_id)), "channel": channel,
                        "intent": name, "confidence": round(confidence, 4), "actions": done,
                        "latency_ms": round(latency_ms)}},
    )
