"""Build and run the desk's aiohttp application."""

from __future__ import annotations

import asyncio
import functools
import logging
from pathlib import Path
from typing import Optional

from aiohttp import web
from sqlalchemy.engine import Engine

from careline.db.session import get_engine, run_blocking
from careline.desk import views
from careline.desk.agents import AgentService
from careline.desk.api_auth import desk_api_token
from careline.desk.canned import load_responses
from careline.desk.client_address import trusted_networks
from careline.desk.events import BrokerMessage, EventSource, PikaEventSource, SqlEventSource
from careline.desk.login_throttle import LoginThrottle
from careline.desk.rasa_client import RasaClient
from careline.desk.service import DeskService
from careline.insight.service import InsightService, events_location
from careline.insight.views import INSIGHT
from careline.settings import Settings

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
CONSUMER = web.AppKey("consumer", asyncio.Task)


def default_event_source(settings: Settings, desk: DeskService) -> EventSource:
    """RabbitMQ when a broker URL is configured (production), else the SQL broker's table.

    The same choice Rasa's broker makes (careline.rasa_stores), so both ends agree.
    """
    from careline.rasa_stores.config import event_broker_url, events_db_url

    amqp_url = event_broker_url(settings)
    if amqp_url is not None:
        return PikaEventSource(amqp_url, queue=settings.desk_event_queue)
    url = events_db_url(settings)
    name = url[-64:]
    return SqlEventSource(
        url,
        load_cursor=lambda: run_blocking(functools.partial(desk.cursor, name=name)),
        save_cursor=lambda position: run_blocking(functools.partial(
            desk.save_cursor, name=name, position=position)),
    )


def build_app(settings: Settings, *, engine: Optional[Engine] = None,
              rasa: Optional[RasaClient] = None,
              event_source: Optional[EventSource] = None,
              insight: Optional[InsightService] = None) -> web.Application:
    engine = engine or get_engine(settings.resolved_database_url)
    desk = DeskService(engine)
    app = web.Application()
    app[views.DESK] = desk
    app[views.AGENTS] = AgentService(engine)
    app[views.RASA] = rasa or RasaClient.from_settings(settings)
    app[views.API_TOKEN] = desk_api_token(settings)
    app[views.SECURE_COOKIES] = settings.profile.value == "production"
    app[views.THROTTLE] = LoginThrottle()
    app[views.TRUSTED_PROXIES] = trusted_networks(settings.desk_trusted_proxies)
    app[views.CANNED] = load_responses(settings.desk_canned_responses)
    app[views.REGION] = settings.default_region
    app[INSIGHT] = insight or InsightService(engine=engine, events=events_location(settings))
    views.routes(app)
    app.router.add_static("/static", STATIC_DIR)
    source = event_source or default_event_source(settings, desk)

    async def handle(message: BrokerMessage) -> None:
        await run_blocking(functools.partial(
            desk.record_event, conversation_id=message.conversation_id,
            speaker=message.speaker, text=message.text, at=message.at,
            source_key=message.source_key, media=message.media, location=message.location))

    async def consume_forever() -> None:
        while True:
            try:
                await source.run(handle)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("event source failed; reconnecting in 2s")
                await asyncio.sleep(2)

    async def start(app: web.Application) -> None:
        app[CONSUMER] = asyncio.create_task(consume_forever())

    async def stop(app: web.Application) -> None:
        app[CONSUMER].cancel()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return app


def run_desk(settings: Settings, *, port: Optional[int] = None) -> None:
    logging.basicConfig(level=settings.log_level)
    web.run_app(build_app(settings), host=settings.bind_host, port=port or settings.desk_port,
                print=None, shutdown_timeout=3)
