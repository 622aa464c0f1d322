"""The delivery receipts service: Twilio's status callbacks, off the Rasa processes.

Every SMS or WhatsApp reply brings two status callbacks (sent, delivered). In the Rasa
process each costs a signature check and a database write on the event loop that also
runs the models; behind `careline up`'s nginx they come here instead. The answers are
the Rasa route's (status_callbacks.py)::

    python -m careline.channels.receipts --port 8078
"""

from __future__ import annotations

import argparse
import logging
from typing import Optional

from aiohttp import web

from careline.channels.status_callbacks import StatusWriter, answer_status
from careline.channels.twilio_webhook import SIGNATURE_HEADER
from careline.settings import Settings, get_settings

STATUS_PATH = "/webhooks/{channel:sms|whatsapp}/status"
SETTINGS = web.AppKey("settings", Settings)
WRITER = web.AppKey("writer", StatusWriter)


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


def build_app(settings: Optional[Settings] = None,
              writer: Optional[StatusWriter] = None) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings or get_settings()
    app[WRITER] = writer or StatusWriter()

    async def close_writer(app: web.Application) -> None:
        await app[WRITER].close()

    app.on_cleanup.append(close_writer)
    app.router.add_post(STATUS_PATH, status)
    app.router.add_get("/health", health)
    return app


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m careline.channels.receipts")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(build_app(settings), host=args.host, port=args.port, print=None,
                access_log=None)


if __name__ == "__main__":
    main()
