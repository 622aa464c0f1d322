"""``careline sms`` and ``careline whatsapp``: be a customer's phone against a running Careline."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for channel, label in (("sms", "SMS"), ("whatsapp", "WhatsApp")):
        command = subparsers.add_parser(
            channel, help=f"send a signed {label} webhook as a customer and print the replies")
        command.add_argument("--from", dest="number", required=True,
                             help="the customer's number, e.g. +447700900123")
        command.add_argument("--message-sid", help="Twilio MessageSid (default: a new one); "
                             "repeat one to see a duplicate processed once")
        command.add_argument("--media", action="append", default=[], metavar="URL",
                             help="attach a media URL (repeatable)")
        command.add_argument("--location", metavar="LAT,LON", help="share a location")
        command.add_argument("--url", help="where to post (default: CARELINE_PUBLIC_URL, as Twilio)")
        command.add_argument("--timeout", type=float, default=30.0,
                             help="seconds to wait for the first reply")
        command.add_argument("text", nargs="*", help="the message text")
        command.set_defaults(handler=_send, channel=channel)


def _send(args: argparse.Namespace) -> int:
    import asyncio
    import mimetypes
    import sys

    import aiohttp
    from twilio.base.exceptions import TwilioException

    from careline.channels.phone_simulator import NoStandin, Phone, PhoneMessage
    from careline.settings import get_settings

    location = None
    if args.location:
        try:
            latitude, longitude = (float(part) for part in args.location.split(","))
        except ValueError:
            print("--location takes LAT,LON, e.g. 51.5,-0.12", file=sys.stderr)
            return 2
        location = (latitude, longitude)
    media = tuple((url, mimetypes.guess_type(url)[0] or "image/jpeg") for url in args.media)
    message = PhoneMessage(text=" ".join(args.text), message_sid=args.message_sid,
                           media=media, location=location)
    try:
        phone = Phone(settings=get_settings(), channel=args.channel, number=args.number,
                      server_url=args.url)
    except NoStandin as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    async def run() -> int:
        known = {m["sid"] for m in await phone.received()}
        result = await phone.send(message)
        if result.status == 403:
            print("Careline refused the webhook (403): check TWILIO_AUTH_TOKEN and "
                  "CARELINE_PUBLIC_URL", file=sys.stderr)
            return 1
        if result.status >= 300:
            print(f"Careline answered {result.status}", file=sys.stderr)
            return 1
        if result.duplicate:
            print(f"(MessageSid {result.message_sid} was already processed; no new reply)")
            return 0
        replies = await phone.wait_for_replies(known=known, timeout=args.timeout)
        for reply in replies:
            print(f"Careline: {reply['body']}")
        if not replies:
            print(f"(no reply within {args.timeout:.0f}s)", file=sys.stderr)
            return 1
        return 0

    try:
        return asyncio.run(run())
    except aiohttp.ClientError as error:
        print(f"could not reach Careline or the Twilio stand-in: {error}", file=sys.stderr)
        return 1
    except TwilioException as error:
        print(f"the Twilio stand-in refused the request ({error}): check "
              "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN", file=sys.stderr)
        return 1
