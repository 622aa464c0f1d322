"""Rasa's messages outside a turn (desk replies) go through the Twilio edge: Rasa's output
(relayed_turns.EdgeOutput) posts them to the edge, which sends them to the conversation's
stored route through the one sender, as a turn's replies. Real edge app, stand-in, database."""

from __future__ import annotations

from datetime import timedelta
from typing import AsyncIterator

import pytest
from aiohttp import web

from careline import clock
from careline.channels.conversation_key import customer_sender_id
from careline.channels.relayed_turns import EdgeOutput
from careline.channels.store import ChannelStore
from careline.channels.twilio_gateway import build_app
from careline.settings import Settings
from tests.conftest import RunningStandin

NUMBER = "+447700900123"
TOKEN = "rasa-api-token"


@pytest.fixture()
async def edge_url(standin: RunningStandin, store: ChannelStore) -> AsyncIterator[str]:
    settings = Settings(twilio_api_base_url=standin.url, public_url="http://127.0.0.1:9",
                        rasa_token=TOKEN)
    runner = web.AppRunner(build_app(settings, store=store))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    await runner.cleanup()


async def test_a_desk_reply_with_buttons_is_sent_numbered_to_the_stored_route(
        edge_url: str, store: ChannelStore, standin: RunningStandin) -> None:
    store.remember_route(sender_id=customer_sender_id(9), channel="sms", address=NUMBER)
    output = EdgeOutput(kind="sms", edge_url=edge_url, token=TOKEN)
    await output.send_response(customer_sender_id(9), {
        "text": "Shall I book the engineer?", "recipient_id": customer_sender_id(9),
        "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]})
    [sent] = standin.texts_to(NUMBER)
    assert sent.startswith("Shall I book the engineer?")
    assert "1" in sent and "Yes" in sent and "No" in sent
    [delivery] = store.deliveries()
    assert (delivery.sender_id, delivery.status) == (customer_sender_id(9), "queued")
    # a digit answers the numbered choice: the offer was stored with the route
    assert store.route(sender_id=customer_sender_id(9), channel="sms").offered_choices


async def test_whatsapp_outside_the_24_hour_window_is_refused_and_recorded(
        edge_url: str, store: ChannelStore, standin: RunningStandin) -> None:
    store.remember_route(sender_id=customer_sender_id(5), channel="whatsapp", address=NUMBER,
                         at=clock.now() - timedelta(hours=25))
    output = EdgeOutput(kind="whatsapp", edge_url=edge_url, token=TOKEN)
    await output.send_text_message(customer_sender_id(5), "Your engineer comes at 9.")
    assert standin.texts_to(NUMBER) == []
    [refused] = store.deliveries()
    assert refused.status == "refused" and "24-hour window" in (refused.error_message or "")


async def test_the_edge_refuses_outbound_messages_without_the_rasa_token(
        edge_url: str, store: ChannelStore, standin: RunningStandin) -> None:
    store.remember_route(sender_id=customer_sender_id(9), channel="sms", address=NUMBER)
    output = EdgeOutput(kind="sms", edge_url=edge_url, token="not-the-token")
    with pytest.raises(RuntimeError, match="401"):
        await output.send_text_message(customer_sender_id(9), "Hello from nobody")
    assert standin.texts_to(NUMBER) == [] and store.deliveries() == []
