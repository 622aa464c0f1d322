"""Careline's REST channel through the Agent hooks: a message without words is answered."""

from __future__ import annotations

import secrets

import pytest
import requests

from tests.e2e.stack import CarelineStack

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("text", ["", "   "])
def test_a_blank_message_gets_a_short_prompt(careline_stack: CarelineStack, text: str):
    """The MiniLM featurizer cannot embed an empty text; the customer is asked what they need."""
    sender = f"blank-{secrets.token_hex(4)}"
    reply = requests.post(f"{careline_stack.rasa_url}/webhooks/rest/webhook",
                          json={"sender": sender, "message": text},
                          headers=careline_stack.rest_headers, timeout=60)
    assert reply.status_code == 200
    assert any("came through empty" in m.get("text", "") for m in reply.json()), reply.json()
    events = careline_stack.tracker(f"rest:{sender}")["events"]
    [user] = [e for e in events if e["event"] == "user"]
    assert user["parse_data"]["intent"]["name"] == "blank_message"
