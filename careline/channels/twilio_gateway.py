"""The Twilio gateway: the SMS and WhatsApp channels' work, off the Rasa processes.

Under ``careline up`` nginx sends Twilio's webhooks and status callbacks here.
A webhook is checked, claimed and acknowledged as the Rasa channel would
(twilio_turns.py), the customer looked up and the route stored; the turn is then
relayed to a Rasa replica (turn_relay.py) and its replies sent and recorded from
here, and messages whose turn was cut off by a dying gateway are re-driven by
whichever gateway looks first (inbound_journal.py). A replica's event loop is left the model and the actions: measured on one
replica, a Twilio message cost it 34–49 ms of CPU against 25–33 ms over REST
(docs/production.md). Status callbacks (two per reply) are recorded here too::

    python -m careline.channels.twilio_gateway --port 8078 --credentials credentials.yml

The channels' credentials (``from_number``, ``max_body_chars``, …) are read from
the same credentials.yml as Rasa's, so both send alike.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
from typing import Any, Optional

import yaml
from aiohttp import web

from careline.channels.status_callbacks import StatusWriter, answer_status
from careline.channels.store import ChannelStore
from careline.channels.turn_relay import RasaRelay
from careline.channels.twilio_channel import SmsChannel, TwilioChannel, WhatsAppChannel
from careline.channels.twilio_turns import WebhookRequest
from careline.channels.twilio_webhook import IDEMPOTENCY_HEADER, SIGNATURE_HEADER
from careline.observability.aiohttp_metrics import mount
from careline.observability.logs import configure_logging
from careline.settings import Settings, get_settings

WEBHOOK_PATH = "/webhooks/{channel:sms|whatsapp}/webhook"
STATUS_PATH = "/webhooks/{channel:sms|whatsapp}/status"
#: A relayed turn may wait for its conversation's lock, then run actions bounded by
#: their own timeout; nginx gives a replica 120 s and may retry once on another.
RELAY_TIMEOUT_SECONDS = 150.0
#: On shutdown, turns already acknowledged to Twilio get this long to answer.
DRAIN_SECONDS = 20.0

SETTINGS = web.AppKey("settings", Settings)
WRITER = web.AppKey("writer", StatusWriter)
CHANNELS = web.AppKey("channels", dict)
RELAY = web.AppKey("relay", RasaRelay)
RECOVERY = web.AppKey("recovery", list)


async def webhook(request: web.Request) -> web.Response:
    channel: TwilioChannel = request.app[CHANNELS][request.match_info["channel"]]
    answer = await channel.turns.accept(WebhookRequest(
        path=request.path, query_string=request.query_string,
        content_type=request.content_type, body=await request.read(),
        signature=request.headers.get(SIGNATURE_HEADER),
        idempotency_token=request.headers.get(IDEMPOTENCY_HEADER)), request.app[RELAY])
    return web.Response(status=answer.status, text=answer.text,
                        content_type=answer.content_type, headers=answer.headers)


async def status(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    answer = await answer_status(
        channel=request.match_info["channel"], path=request.path,
        query_string=request.query_string, content_type=request.content_type,
        body=await request.read(), signature=request.headers.get(SIGNATURE_HEADER),
        public_base=settings.public_url,
        auth_token=settings.twilio_auth_token.get_secret_value(), writer=request.app[WRITER])
    return web.Response(status=answer.status, text=answer.text or None)


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def channels_from(credentials: dict[str, Any], settings: Settings,
                  store: ChannelStore) -> dict[str, TwilioChannel]:
    """The SMS and WhatsApp channels as credentials.yml configures them for Rasa."""
    return {cls.kind: cls.configured(credentials.get(f"{cls.__module__}.{cls.__name__}"),
                                     settings=settings, store=store)
            for cls in (SmsChannel, WhatsAppChannel)}


def build_app(settings: Optional[Settings] = None, *, store: Optional[ChannelStore] = None,
              credentials: Optional[dict[str, Any]] = None,
              relay: Optional[RasaRelay] = None) -> web.Application:
    """``store`` defaults to the settings' database; ``relay`` to Rasa at CARELINE_RASA_URL."""
    settings = settings or get_settings()
    store = store or ChannelStore()
    app = web.Application()
    app[SETTINGS] = settings
    app[WRITER] = StatusWriter(store)
    app[CHANNELS] = channels_from(credentials or {}, settings, store)
    app[RELAY] = relay or RasaRelay(rasa_url=settings.rasa_url,
                                    token=settings.rasa_token.get_secret_value(),
                                    timeout_seconds=RELAY_TIMEOUT_SECONDS)

    async def start_recovery(app: web.Application) -> None:
        app[RECOVERY] = [asyncio.create_task(channel.turns.recover(app[RELAY]))
                         for channel in app[CHANNELS].values()]

    async def stop_recovery(app: web.Application) -> None:
        for task in app.get(RECOVERY, []):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def drain_turns(app: web.Application) -> None:
        for channel in app[CHANNELS].values():
            await channel.turns.drain(DRAIN_SECONDS)

    async def close(app: web.Application) -> None:
        await app[RELAY].close()
        for channel in app[CHANNELS].values():
            await channel.sender.close()
        await app[WRITER].close()

    app.on_startup.append(start_recovery)
    app.on_shutdown.append(stop_recovery)
    app.on_shutdown.append(drain_turns)
    app.on_cleanup.append(close)
    app.router.add_post(WEBHOOK_PATH, webhook)
    app.router.add_post(STATUS_PATH, status)
    app.router.add_get("/health", health)
    mount(app, service="gateway")  # /metrics: turns, latency, refusals (observability)
    return app


def main() -> None:
    settings = get_settings()
    configure_logging("gateway")
    parser = argparse.ArgumentParser(prog="python -m careline.channels.twilio_gateway")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--credentials", type=Path, default=Path("credentials.yml"),
                        help="Rasa's credentials.yml, for the channels' own keys")
    args = parser.parse_args()
    credentials = yaml.safe_load(args.credentials.read_text()) or {}
    web.run_app(build_app(settings, credentials=credentials), host=args.host, port=args.port,
                print=None, access_log=None)


if __name__ == "__main__":
    main()
