"""Rewrite the transcripts in docs/conversations.md from a real run.

    .venv/bin/python -m tests.conversations.transcripts

starts the whole stack on free ports in a temporary directory (as the tests do), plays
every script in ``scripts/`` that has a ``transcript`` line (the issue's stories), and
replaces what lies between the two markers in docs/conversations.md. A conversation that
does not go as its script expects stops the run and the document is left as it was.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Iterable

from tests.conversations.play import Transcript, play
from tests.conversations.script import load_all

DOC = Path(__file__).resolve().parents[2] / "docs" / "conversations.md"
BEGIN = ("<!-- transcripts:begin (written by `python -m tests.conversations.transcripts` "
         "from a real run; do not edit by hand) -->")
END = "<!-- transcripts:end -->"
CHANNEL_NAMES = {"sms": "SMS", "whatsapp": "WhatsApp", "webchat": "web chat"}


def section(transcripts: Iterable[Transcript]) -> str:
    """The markdown between the markers: per story, the issue's words, then what is said."""
    parts = [BEGIN, ""]
    for transcript in transcripts:
        conversation = transcript.conversation
        parts += [f"#### {conversation.title}", "",
                  f"The issue: {conversation.transcript}. "
                  f"Script `{conversation.id}` ({CHANNEL_NAMES[conversation.channel]}).", ""]
        parts += [f"    {line}" for line in transcript.text(mask_codes=True).splitlines()]
        parts.append("")
    parts.append(END)
    return "\n".join(parts)


def rewrite(document: str, generated: str) -> str:
    start, end = document.index(BEGIN), document.index(END) + len(END)
    return document[:start] + generated + document[end:]


async def _play_all(stack) -> list[Transcript]:  # type: ignore[no-untyped-def]
    return [await play(stack, c) for c in load_all() if c.transcript]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    from careline.runtime.launch import prepare_and_start
    from careline.settings import reset_settings
    from tests.e2e.stack import CONVERSATION_SECRET, CarelineStack, stack_settings

    os.environ[CONVERSATION_SECRET] = secrets.token_urlsafe(24)
    reset_settings()
    with tempfile.TemporaryDirectory(prefix="careline-transcripts-") as base:
        settings = stack_settings(Path(base))
        supervisor, _ = prepare_and_start(timeout=600, settings=settings)
        try:
            stack = CarelineStack(settings=settings,
                                  token=settings.rasa_token.get_secret_value())
            transcripts = asyncio.run(_play_all(stack))
        finally:
            supervisor.stop()
    args.doc.write_text(rewrite(args.doc.read_text(encoding="utf-8"), section(transcripts)),
                        encoding="utf-8")
    print(f"{len(transcripts)} transcripts written to {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
