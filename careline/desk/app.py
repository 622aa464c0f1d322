"""Build and run the desk's aiohttp application."""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import timedelta
from pathlib import Path
from typing import Optional

from aiohttp import web
from sqlalchemy.engine import Engine

from careline import clock
from careline.db.session import get_engine, run_blocking
from careline.desk import handoff_api, review_views, satisfaction, views
from careline.desk.agents import AgentService
from careline.desk.api_auth import desk_api_token
from careline.desk.callbacks import CallbackMessage
from careline.desk.canned import load_responses
from careline.desk.client_address import trusted_networks
from careline.desk.database_away import database_away_is_503
from careline.desk.early_lines import EarlyLines
from careline.desk.events import BrokerMessage, EventSource, PikaEventSource, SqlEventSource
from careline.desk.follow_up import FollowUpService
from careline.desk.login_throttle import LoginThrottle
from careline.desk.review import ReviewService
from careline.desk.satisfaction import RatingAnswer
from careline.desk.service import DeskService
from careline.insight.folding import folding_in_background
from careline.insight.service import InsightService, events_location
from careline.insight.views import INSIGHT
from careline.observability.aiohttp_metrics import mount
from careline.observability.logs import configure_logging
from careline.poison.ledger import PoisonLedger
from careline.rasa_client import RasaClient, RasaError
from careline.rasa_integration.config import tracker_store_url
from careline.settings import PROJECT_ROOT, Settings

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
CONSUMER = web.AppKey("consumer", asyncio.Task)
SWEEPER = web.AppKey("rating_sweeper", asyncio.Task)
RATING_SWEEP_SECONDS = 15.0


def default_event_source(settings: Settings, desk: DeskService) -> EventSource:
    """RabbitMQ when a broker URL is configured (production), else the SQL broker's table.

    The same choice Rasa's broker makes (careline.rasa_integration), so both ends agree.
    """
    from careline.rasa_integration.config import event_broker_url, events_db_url

    amqp_url = event_broker_url(settings)
    if amqp_url is not None:
        return PikaEventSource(amqp_url, queue=settings.desk_event_queue,
                               max_tries=settings.poison_max_tries)
    url = events_db_url(settings)
    name = url[-64:]
    return SqlEventSource(
        url,
        load_cursor=lambda: run_blocking(functools.partial(desk.cursor, name=name)),
        save_cursor=lambda position: run_blocking(functools.partial(
            desk.save_cursor, name=name, position=position)),
        ledger=PoisonLedger(get_engine(settings.resolved_database_url)),
        max_tries=settings.poison_max_tries,
    )


def build_app(settings: Settings, *, engine: Optional[Engine] = None,
              rasa: Optional[RasaClient] = None,
              event_source: Optional[EventSource] = None,
              insight: Optional[InsightService] = None) -> web.Application:
    engine = engine or get_engine(settings.resolved_database_url)
    desk = DeskService(engine)
    follow_up = FollowUpService(engine)
    app = web.Application(middlewares=[database_away_is_503])
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
    app.cleanup_ctx.append(folding_in_background(INSIGHT,
                                                 interval=settings.insight_fold_seconds))
    app[review_views.REVIEW] = ReviewService(tracker_url=tracker_store_url(settings),
                                             root=PROJECT_ROOT)
    views.routes(app)
    review_views.routes(app)
    handoff_api.routes(app)
    mount(app, service="desk")
    app.router.add_static("/static", STATIC_DIR)
    source = event_source or default_event_source(settings, desk)

    rasa_client = app[views.RASA]

    early = app[views.EARLY] = EarlyLines()

    async def handle(message: BrokerMessage) -> None:
        recorded = await handoff_api.record_line(desk, message)
        if recorded is None and message.speaker == "bot":
            early.hold(message, now=clock.now())  # its ticket may be a moment behind
        elif recorded is not None and message.speaker == "customer":
            step = await run_blocking(functools.partial(
                follow_up.callback_step, conversation_id=message.conversation_id,
                text=message.raw_text))
            if step is not None:
                await say_for_the_desk(desk, rasa_client, message.conversation_id, step)
        elif recorded is None and message.speaker == "customer":
            answer = await run_blocking(functools.partial(
                follow_up.answer_rating, conversation_id=message.conversation_id,
                text=message.raw_text, at=message.at, intent=message.intent,
                entities=message.entities))
            if answer is not None:
                await hand_back_after_rating(follow_up, rasa_client, answer)
            else:
                early.hold(message, now=clock.now())

    async def hand_back_unrated_forever() -> None:
        wait = timedelta(minutes=settings.desk_rating_wait_minutes)
        while True:
            waiting = await run_blocking(functools.partial(
                follow_up.unanswered_ratings, asked_before=clock.now() - wait))
            for ticket_id, conversation_id in waiting:
                try:
                    await rasa_client.hand_back(conversation_id=conversation_id)
                except RasaError as failure:
                    logger.warning("ticket %s: hand-back after the rating wait failed: %s",
                                   ticket_id, failure)
                    continue
                await run_blocking(functools.partial(follow_up.handed_back, ticket_id=ticket_id))
            await asyncio.sleep(RATING_SWEEP_SECONDS)

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
        app[SWEEPER] = asyncio.create_task(hand_back_unrated_forever())

    async def stop(app: web.Application) -> None:
        app[CONSUMER].cancel()
        app[SWEEPER].cancel()
        app[review_views.REVIEW].close()
        await rasa_client.close()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return app


async def say_for_the_desk(desk: DeskService, rasa: RasaClient, conversation_id: str,
                           step: CallbackMessage) -> None:
    """Send the call-back offer or confirmation; a failure shows on the line for the agent."""
    error = None
    try:
        await rasa.send_agent_message(conversation_id=conversation_id, text=step.text,
                                      agent=None, choices=step.choices)
    except RasaError as failure:
        error = str(failure)
    if error:
        await run_blocking(functools.partial(desk.finish_reply, message_id=step.message_id,
                                             error=error))


async def hand_back_after_rating(follow_up: FollowUpService, rasa: RasaClient,
                                 answer: RatingAnswer) -> None:
    """A score is thanked; any other message goes to the bot as Rasa understood it."""
    try:
        await rasa.hand_back(conversation_id=answer.conversation_id,
                             text=satisfaction.THANKS if answer.score is not None else None)
    except RasaError as failure:  # the sweeper hands it back after the wait
        logger.warning("ticket %s: hand-back after the rating failed: %s",
                       answer.ticket_id, failure)
        return
    await run_blocking(functools.partial(follow_up.handed_back, ticket_id=answer.ticket_id))
    if answer.score is None and answer.intent and answer.intent != "nlu_fallback":
        try:
            await rasa.trigger_intent(conversation_id=answer.conversation_id,
                                      intent=answer.intent, entities=dict(answer.entities))
        except RasaError as failure:
            logger.warning("ticket %s: the bot could not answer the message after the "
                           "rating question: %s", answer.ticket_id, failure)


def run_desk(settings: Settings, *, port: Optional[int] = None) -> None:
    configure_logging("desk", settings)
    web.run_app(build_app(settings), host=settings.bind_host, port=port or settings.desk_port,
                print=None, shutdown_timeout=3)
