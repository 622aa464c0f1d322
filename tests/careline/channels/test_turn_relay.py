"""The relay's two small contracts: only the Rasa API token opens the ``/turn`` route, and
a relayed turn's messages are collected as the channel itself would send them."""

from __future__ import annotations

import pytest

from careline.channels.turn_relay import TurnAnswer, TurnCollector, authorised


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
    await collector.send_text_message("customer-7", text)
    await collector.send_text_with_buttons("customer-7", "Pick one", [
        {"title": "Pay", "payload": "/pay"}])
    assert collector.name() == "whatsapp"  # so `channel: whatsapp` responses are chosen
    answer = TurnAnswer.parse_obj({"messages": collector.messages})
    assert [m["text"] for m in answer.messages] == [text, "Pick one"]
    assert answer.messages[1]["buttons"] == [{"title": "Pay", "payload": "/pay"}]
