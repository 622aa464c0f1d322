"""The relay's contracts: a relayed turn's messages are collected as Rasa's own channel
would send them, the edge relays what it proved (never the metadata), and the edge's
process never imports Rasa."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from typing import Any

from aiohttp import web

from careline.channels.conversation_key import customer_sender_id
from careline.channels.relayed_turns import TurnCollector
from careline.channels.turn_relay import RasaRelay, TurnAnswer
from careline.channels.twilio_turns import PhoneTurn
from careline.identity.channel_trust import Proof
from careline.settings import PROJECT_ROOT


async def test_collected_messages_keep_each_text_whole_under_the_channels_name() -> None:
    collector = TurnCollector("whatsapp")
    text = "Your bill is £42.10.\n\nReply 1 to pay, 2 for a plan."
    await collector.send_text_message(customer_sender_id(7), text)
    await collector.send_text_with_buttons(customer_sender_id(7), "Pick one", [
        {"title": "Pay", "payload": "/pay"}])
    assert collector.name() == "whatsapp"  # so `channel: whatsapp` responses are chosen
    answer = TurnAnswer.parse_obj({"messages": collector.messages})
    assert [m["text"] for m in answer.messages] == [text, "Pick one"]
    assert answer.messages[1]["buttons"] == [{"title": "Pay", "payload": "/pay"}]


class _Output:
    """What a turn's output receives from the relay."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent.append((recipient_id, message))


async def _relayed(turn: PhoneTurn, answer: list[dict[str, Any]]) -> dict[str, Any]:
    """What the edge posts to Rasa's ``/turn`` for ``turn``, Rasa answering ``answer``."""
    posted: list[dict[str, Any]] = []

    async def on_turn(request: web.Request) -> web.Response:
        assert request.headers["Authorization"] == "Bearer t"
        posted.append(await request.json())
        return web.json_response({"messages": answer})

    app = web.Application()
    app.router.add_post(f"/webhooks/{turn.input_channel}/turn", on_turn)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    await web.TCPSite(runner, "127.0.0.1", port).start()
    relay = RasaRelay(rasa_url=f"http://127.0.0.1:{port}", token="t", timeout_seconds=10)
    try:
        await relay(turn)
    finally:
        await relay.close()
        await runner.cleanup()
    [body] = posted
    return body


def _turn(output: _Output, **metadata: Any) -> PhoneTurn:
    return PhoneTurn(text="hi", output_channel=output, sender_id="conv-1",  # type: ignore[arg-type]
                     input_channel="whatsapp", message_id="SM1", metadata=metadata,
                     customer_id=7, proved_by=Proof.WHATSAPP_NUMBER)


async def test_the_edge_relays_its_proof_not_the_metadata_and_sends_the_answer() -> None:
    output = _Output()
    body = await _relayed(_turn(output, customer_id=9, verified=True), [
        {"recipient_id": "conv-1", "text": "Hello Priya"}, {"text": "Anything else?"}])
    assert (body["customer_id"], body["proved_by"]) == (7, "whatsapp_number")
    assert body["metadata"] == {"customer_id": 9, "verified": True}  # shown, not believed
    assert output.sent == [("conv-1", {"text": "Hello Priya"}),
                           ("conv-1", {"text": "Anything else?"})]


def test_the_edge_process_never_imports_rasa() -> None:
    """The edge stays small (issue: its memory and CPU per message): its module and all
    it imports load without Rasa, Sanic or TensorFlow."""
    code = ("import json, sys; import careline.channels.twilio_gateway; "
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT,
                                       check=True, capture_output=True, text=True).stdout)
    assert "careline" in loaded
    assert not {"rasa", "sanic", "tensorflow"} & set(loaded)
