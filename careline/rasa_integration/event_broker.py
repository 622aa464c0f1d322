"""Careline's event broker: RabbitMQ when CARELINE_EVENT_BROKER_URL is set, else SQL.

The embedded default is Rasa's SQL broker on ``CARELINE_EVENTS_DB`` (data
dir/events.db), which the desk and insight read locally. Rasa publishes every event
with a commit from the event loop; on Rasa's own engine each is a fresh connection
and an fsync, which was about half of the loop's time under load
(docs/channels.md). :class:`EmbeddedEventBroker` keeps one pooled connection in
WAL mode with ``synchronous=NORMAL``: a commit survives a crash of the process,
and only an operating-system crash or power cut can lose the last few events
(the tracker store keeps every event regardless). In production Rasa's Pika
broker publishes persistent messages to a durable queue (``CARELINE_EVENT_QUEUE``)
behind a fanout exchange. When RabbitMQ is unreachable Pika keeps the unpublished
events in the process's memory and republishes them on reconnect, logging an error
for each failed publish; the tracker store (written before publishing) stays the
record of truth. See docs/production.md, "Fault behaviour". :class:`QuietPikaEventBroker`
is Rasa's Pika broker without a deep copy of every event for a debug line that is off.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

import structlog
from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.pika import RABBITMQ_EXCHANGE, PikaEventBroker, structlogger
from rasa.core.brokers.sql import SQLEventBroker
from rasa.shared.core.events import remove_parse_data
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from careline.rasa_integration.config import event_broker_url, events_db_url, with_sqlite_folder
from careline.settings import get_settings

logger = logging.getLogger(__name__)


class CarelineEventBroker(EventBroker):
    """What endpoints.yml names; :meth:`from_endpoint_config` builds the real broker."""

    @classmethod
    async def from_endpoint_config(  # type: ignore[override]  # builds another broker class
        cls, broker_config: Any, event_loop: Optional[asyncio.AbstractEventLoop] = None
    ) -> EventBroker:
        settings = get_settings()
        url = event_broker_url(settings)
        if url is None:
            database = make_url(with_sqlite_folder(events_db_url(settings))).database
            return EmbeddedEventBroker(database)
        host, credentials = _split_credentials(url)
        broker = QuietPikaEventBroker(
            host, queues=[settings.event_queue],
            connection_attempts=3, retry_delay_in_seconds=1, event_loop=event_loop,
            **credentials,
        )
        await broker.connect()
        return broker


class QuietPikaEventBroker(PikaEventBroker):
    """Rasa's Pika broker; the event's reduced copy is made only for a log line that is on.

    Rasa deep-copies every event (``remove_parse_data``) before publishing, for a debug
    line that is off in production: about 5% of the process's interpreter time.
    """

    async def _publish(
        self, event: dict[str, Any], headers: Optional[dict[str, str]] = None
    ) -> None:
        if self._exchange is None:
            return
        try:
            await self._exchange.publish(self._message(event, headers), "")
            if _debug_logged():
                structlogger.debug(
                    "pika.events.publish",
                    event_info="Logging a reduced version of the Pika event",
                    rabbitmq_exchange=RABBITMQ_EXCHANGE, host=self.host,
                    rasa_event=remove_parse_data(event),
                )
        except Exception:
            structlogger.error(
                "pika.events.publish.failed",
                event_info="Logging a reduced version of the failed Pika event",
                host=self.host, rasa_event=remove_parse_data(event),
            )
            if self.should_keep_unpublished_messages:
                self._unpublished_events.append(event)
            if self.raise_on_failure:
                self.close()  # type: ignore[unused-coroutine]  # as Rasa: never awaited
                raise


#: What a structlog logger filtering out debug lines has for ``debug``: a do-nothing.
_DEBUG_DROPPED = structlog.make_filtering_bound_logger(logging.INFO).debug


def _debug_logged() -> bool:
    """Whether structlog, as configured now, could print a debug line.

    Rasa configures a level-filtering logger whose ``debug`` does nothing below its level;
    any other configuration (or none, which prints everything) counts as on.
    """
    return structlog.get_config()["wrapper_class"].debug is not _DEBUG_DROPPED


class EmbeddedEventBroker(SQLEventBroker):
    """Rasa's SQL broker on one SQLite file, with cheap commits (see the module doc)."""

    def __init__(self, database: str) -> None:
        # Not SQLEventBroker.__init__: it would build an engine of its own first. The events
        # table is Rasa's, so Rasa's table definition creates it, as Rasa's broker does.
        self.engine = create_engine(
            f"sqlite:///{database}", poolclass=QueuePool, pool_size=2, max_overflow=4,
            connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(self.engine, "connect", _cheap_commits)
        self.Base.metadata.create_all(self.engine)
        self.sessionmaker = sessionmaker(bind=self.engine)


def _cheap_commits(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _split_credentials(url: str) -> tuple[str, dict[str, Any]]:
    """Pika wants user, password and port apart from the URL (and Rasa logs the URL)."""
    parts = urlsplit(url)
    host = parts._replace(netloc=f"{parts.hostname}:{parts.port or 5672}").geturl()
    return host, {"username": unquote(parts.username or "guest"),
                  "password": unquote(parts.password or "guest"), "port": parts.port or 5672}
