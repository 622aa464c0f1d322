"""``python -m careline.twilio_standin [--port N]``: run the stand-in (``make run`` does)."""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from careline.observability.redact import install_log_redaction
from careline.settings import get_settings
from careline.twilio_standin.app import build_app
from careline.twilio_standin.state import StandinState


def main() -> None:
    install_log_redaction()
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m careline.twilio_standin")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=settings.twilio_standin_port)
    args = parser.parse_args()
    logging.basicConfig(level=settings.log_level)
    state = StandinState(account_sid=settings.twilio_account_sid,
                         auth_token=settings.twilio_auth_token.get_secret_value())
    web.run_app(build_app(state), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
