"""``careline chat``: an interactive terminal conversation with the running bot."""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Iterator


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chat = subparsers.add_parser("chat", help="chat with the running bot in the terminal")
    chat.add_argument("--url", help="Rasa server URL (default: CARELINE_RASA_URL)")
    chat.add_argument("--sender", help="conversation id (default: a new one)")
    chat.add_argument("--phone", help="chat as the customer with this phone number, over "
                      "signed WhatsApp webhooks (the number is the proof, as on a real phone)")
    chat.add_argument("--sms", action="store_true",
                      help="with --phone: over SMS instead (weaker: you sign in first)")
    chat.set_defaults(handler=_chat)


def _chat(args: argparse.Namespace) -> int:
    """The REST channel is anonymous; ``--phone`` is the customer only because the phone
    simulator signs its webhooks with the Twilio auth token, as Twilio would."""
    from careline.channels.rest import rest_token
    from careline.chat.client import RestChatClient
    from careline.rasa_client import RasaError
    from careline.settings import get_settings

    if args.phone:
        return _chat_by_phone(args)
    settings = get_settings()
    url = args.url or settings.rasa_url
    token = rest_token(settings)
    if token is None:
        print("the REST channel is off: set CARELINE_REST_TOKEN", file=sys.stderr)
        return 1
    sender = args.sender or f"terminal-{uuid.uuid4().hex[:8]}"
    client = RestChatClient(url, sender, token=token)
    print(f"Chatting with Careline at {url} as {sender}. Type /quit or press Ctrl-D to stop.")
    try:
        for text in _lines():
            try:
                replies = [message.render() for message in client.send(text)]
            except RasaError as error:
                print(f"! could not reach Careline at {url}: {error}", file=sys.stderr)
                return 1
            _show(replies)
    finally:
        client.close()
    return 0


def _chat_by_phone(args: argparse.Namespace) -> int:
    import asyncio

    import aiohttp

    from careline.channels.phone_simulator import NoStandin, Phone, PhoneMessage
    from careline.settings import get_settings

    channel = "sms" if args.sms else "whatsapp"
    try:
        phone = Phone(settings=get_settings(), channel=channel, number=args.phone,
                      server_url=args.url)
    except NoStandin as error:  # replies would reach a real phone: refused before sending
        print(f"error: {error}", file=sys.stderr)
        return 2

    async def say(text: str) -> list[str]:
        known = {m["sid"] for m in await phone.received()}
        result = await phone.send(PhoneMessage(text=text))
        if result.status >= 300:
            raise RuntimeError(f"Careline refused the webhook ({result.status}): check "
                               "TWILIO_AUTH_TOKEN and CARELINE_PUBLIC_URL")
        return [m["body"] for m in await phone.wait_for_replies(known=known, timeout=30)]

    print(f"Chatting with Careline as {args.phone} on {channel}. "
          "Type /quit or press Ctrl-D to stop.")
    for text in _lines():
        try:
            replies = asyncio.run(say(text))
        except (aiohttp.ClientError, RuntimeError) as error:
            print(f"! {error}", file=sys.stderr)
            return 1
        _show(replies)
    return 0


def _lines() -> Iterator[str]:
    for line in sys.stdin if not sys.stdin.isatty() else _prompt():
        text = line.strip()
        if text in {"/quit", "/exit"}:
            return
        if text:
            yield text


def _show(replies: list[str]) -> None:
    for reply in replies:
        print(f"Careline: {reply}")
    if not replies:
        print("Careline: (no reply)")


def _prompt() -> Iterator[str]:
    while True:
        try:
            yield input("You: ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
