"""The relay's two small contracts: only the Rasa API token opens the ``/turn`` route, and
a relayed turn's messages are collected as the channel itself would send them."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from aiohttp import web
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from careline.channels.conversation_key import customer_sender_id
from careline.channels.proven_turn import run_proven
from careline.channels.turn_relay import RasaRelay, TurnAnswer, TurnCollector, authorised
from careline.identity.channel_trust import Proof


@pytest.mark.parametrize("header, token, allowed", [
    ("Bearer s3cret", "s3cret", True),
    ("Bearer s3cret", "other", False),
    ("s3cret", "s3cret", False),
    (None, "s3cret", False),
    ("Bearer ", "", False),  # no token configured: the relay is closed
])
def test_only_the_api_token_opens_the_turn_route(header: str | None, token: str,
                                                 allowed: bool) -> None:
    assert authorised(header, token) is allowed


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


async def _relayed(message: UserMessage, *, proven: UserMessage, customer_id: int | None,
                   proved_by: Proof) -> dict[str, Any]:
    """What the gateway posts to a replica's ``/turn`` for ``message``, run while the
    channel's proof for ``proven`` is set."""
    posted: list[dict[str, Any]] = []

    async def turn(request: web.Request) -> web.Response:
        posted.append(await request.json())
        return web.json_response({"messages": []})

    app = web.Application()
    app.router.add_post("/webhooks/whatsapp/turn", turn)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    await web.TCPSite(runner, "127.0.0.1", port).start()
    relay = RasaRelay(rasa_url=f"http://127.0.0.1:{port}", token="t", timeout_seconds=10)

    async def run(_: UserMessage) -> None:
        await relay(message)

    try:
        await run_proven(run, proven, customer_id=customer_id, proved_by=proved_by)
    finally:
        await relay.close()
        await runner.cleanup()
    [body] = posted
    return body


def _message(sender_id: str, **metadata: Any) -> UserMessage:
    return UserMessage("hi", CollectingOutputChannel(), sender_id, input_channel="whatsapp",
                       message_id="SM1", metadata=metadata)


async def test_the_gateway_relays_its_proof_not_the_metadata() -> None:
    message = _message("conv-1", customer_id=9, verified=True)
    body = await _relayed(message, proven=message, customer_id=7,
                          proved_by=Proof.WHATSAPP_NUMBER)
    assert (body["customer_id"], body["proved_by"]) == (7, "whatsapp_number")


async def test_a_proof_for_another_conversation_is_relayed_as_nothing_proven() -> None:
    body = await _relayed(_message("conv-2"), proven=_message("conv-1"), customer_id=7,
                          proved_by=Proof.WHATSAPP_NUMBER)
    assert (body["customer_id"], body["proved_by"]) == (None, "nothing")
