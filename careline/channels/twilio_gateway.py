"""The Twilio edge: the SMS and WhatsApp channels' work, in both stacks, off Rasa.

Twilio's webhooks and status callbacks land here, under ``careline run`` (straight on
``CARELINE_EDGE_PORT``) and under ``careline up`` (behind nginx's public port) alike.
A webhook is checked, claimed and acknowledged (twilio_turns.py), the customer looked
up and the route stored; the turn is then relayed to Rasa (turn_relay.py) and its
replies sent and recorded from here, and messages whose turn was cut off by a dying
edge are re-driven by whichever edge looks first (inbound_journal.py). Rasa hands
its messages outside a turn (desk replies) to ``/webhooks/{channel}/outbound``, so the
edge is the only process that sends a conversation's messages to Twilio. It never
imports Rasa: it stays small, and several can run behind nginx::

    python -m careline.channels.twilio_gateway --port 5006
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import Optional

from aiohttp import hdrs, web
from pydantic import ValidationError

from careline.bearer import bearer_matches
from careline.channels.phone_channel import PhoneChannel, phone_channels
from careline.channels.status_callbacks import StatusWriter, answer_status
from careline.channels.store import ChannelStore
from careline.channels.turn_relay import OutboundMessages, RasaRelay
from careline.channels.twilio_turns import WebhookRequest
from careline.channels.twilio_webhook import IDEMPOTENCY_HEADER, SIGNATURE_HEADER
from careline.observability.aiohttp_metrics import mount
from careline.observability.logs import configure_logging
from careline.settings import Settings, get_settings

WEBHOOK_PATH = "/webhooks/{channel:sms|whatsapp}/webhook"
STATUS_PATH = "/webhooks/{channel:sms|whatsapp}/status"
OUTBOUND_ROUTE = "/webhooks/{channel:sms|whatsapp}/outbound"
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
    channel: PhoneChannel = request.app[CHANNELS][request.match_info["channel"]]
    answer = await channel.turns.accept(WebhookRequest(
        path=request.path, query_string=request.query_string,
        content_type=request.headers.get(hdrs.CONTENT_TYPE, ""), body=await request.read(),
        signature=request.headers.get(SIGNATURE_HEADER),
        idempotency_token=request.headers.get(IDEMPOTENCY_HEADER)), request.app[RELAY])
    return web.Response(status=answer.status, text=answer.text,
                        content_type=answer.content_type, headers=answer.headers)


async def status(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    answer = await answer_status(
        channel=request.match_info["channel"], path=request.path,
        query_string=request.query_string, content_type=request.headers.get(hdrs.CONTENT_TYPE, ""),
        body=await request.read(), signature=request.headers.get(SIGNATURE_HEADER),
        public_base=settings.public_url,
        auth_token=settings.twilio_auth_token.get_secret_value(), writer=request.app[WRITER])
    return web.Response(status=answer.status, text=answer.text or None)


async def outbound(request: web.Request) -> web.Response:
    """Rasa's messages outside a turn (relayed_turns.EdgeOutput), to the conversation's
    stored route; refusals (no route, WhatsApp window closed) are recorded, not raised."""
    if not bearer_matches(request.headers.get("Authorization"),
                          request.app[SETTINGS].rasa_token.get_secret_value()):
        return web.json_response({"error": "outbound messages need the Rasa API token"},
                                 status=401)
    try:
        body = OutboundMessages.parse_raw(await request.read())
    except ValidationError as error:
        return web.json_response({"error": str(error)}, status=400)
    channel: PhoneChannel = request.app[CHANNELS][request.match_info["channel"]]
    output = channel.turns.output()
    for message in body.messages:
        await output.send_response(body.recipient_id, message)
    return web.json_response({"sent": len(body.messages)})


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_app(settings: Optional[Settings] = None, *, store: Optional[ChannelStore] = None,
              relay: Optional[RasaRelay] = None) -> web.Application:
    """``store`` defaults to the settings' database; ``relay`` to Rasa at CARELINE_RASA_URL."""
    settings = settings or get_settings()
    store = store or ChannelStore()
    app = web.Application()
    app[SETTINGS] = settings
    app[WRITER] = StatusWriter(store)
    app[CHANNELS] = phone_channels(settings, store)
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
    app.router.add_post(OUTBOUND_ROUTE, outbound)
    app.router.add_get("/health", health)
    mount(app, service="gateway")  # /metrics: turns, latency, refusals (observability)
    return app


def main() -> None:
    settings = get_settings()
    configure_logging("gateway")
    parser = argparse.ArgumentParser(prog="python -m careline.channels.twilio_gateway")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(build_app(settings), host=args.host, port=args.port,
                print=None, access_log=None)


if __name__ == "__main__":
    main()
