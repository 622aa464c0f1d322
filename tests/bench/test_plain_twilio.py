"""The load bench's plain bot answers SMS through Rasa's own Twilio channel: its real,
synchronous twilio client must reach the stand-in, not Twilio's cloud."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bench._targets import PLAIN_TWILIO_SHIM
from tests.conftest import RunningStandin

#: Rasa's channel as the plain bot runs it: one message per paragraph, sent synchronously.
SEND = """
import asyncio
from rasa.core.channels.twilio import TwilioOutput
out = TwilioOutput("ACtest", "test", "+15005550006")
asyncio.run(out.send_text_message("+447700900123", "Hello!\\n\\nHow can I help?"))
"""


async def _run_rasa_send(env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SEND, env=env, cwd=Path(__file__).resolve().parents[2])
    assert await asyncio.wait_for(process.wait(), 120) == 0


async def test_rasas_twilio_channel_sends_to_the_standin(standin: RunningStandin):
    env = {**os.environ, "PYTHONPATH": str(PLAIN_TWILIO_SHIM),
           "PLAIN_TWILIO_API_BASE_URL": standin.url}
    await _run_rasa_send(env)
    assert standin.texts_to("+447700900123") == ["Hello!", "How can I help?"]
    assert {m.from_ for m in standin.state.messages} == {"+15005550006"}
