"""``careline chat``: an interactive terminal conversation with the running bot."""

from __future__ import annotations

import argparse
import sys
import uuid


def register(subparsers: argparse._SubParsersAction) -> None:
    chat = subparsers.add_parser("chat", help="chat with the running bot in the terminal")
    chat.add_argument("--url", help="Rasa server URL (default: CARELINE_RASA_URL)")
    chat.add_argument("--sender", help="conversation id (default: a new one)")
    chat.add_argument("--phone", help="chat as the customer with this phone number")
    chat.set_defaults(handler=_chat)


def _chat(args: argparse.Namespace) -> int:
    import requests

    from careline.chat.client import RestChatClient
    from careline.settings import get_settings

    url = args.url or get_settings().rasa_url
    sender = args.sender or f"terminal-{uuid.uuid4().hex[:8]}"
    client = RestChatClient(url, sender)
    metadata = {"channel": "terminal", "phone": args.phone} if args.phone else None
    print(f"Chatting with Careline at {url} as {sender}. Type /quit or press Ctrl-D to stop.")
    for line in sys.stdin if not sys.stdin.isatty() else _prompt():
        text = line.strip()
        if not text:
            continue
        if text in {"/quit", "/exit"}:
            break
        try:
            replies = client.send(text, metadata)
        except requests.RequestException as error:
            print(f"! could not reach Careline at {url}: {error}", file=sys.stderr)
            return 1
        for message in replies:
            print(f"Careline: {message.render()}")
        if not replies:
            print("Careline: (no reply)")
    return 0


def _prompt():  # type: ignore[no-untyped-def]
    while True:
        try:
            yield input("You: ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
