"""Rasa's turn line and turn metrics (careline.rasa_integration.tracker_store.log_turn): a
customer's turn counts once by channel, a fallback as a fallback, and an intent the desk
or the incidents API triggered is logged but not counted as a customer's turn."""

from __future__ import annotations

import json
import logging

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from careline.observability import correlation
from careline.observability.logs import JsonFormatter
from careline.observability.metrics import registry_for
from careline.rasa_integration.tracker_store import log_turn
from tests.masking import holds_secret


def _count(name: str, channel: str) -> float:
    return registry_for("rasa").get_sample_value(name, {"channel": channel}) or 0.0


async def test_a_customer_turn_counts_and_logs_its_summary_under_the_turn_id(
        caplog: pytest.LogCaptureFixture) -> None:
    turns, fallbacks = (_count("careline_turns_total", "whatsapp"),
                        _count("careline_nlu_fallbacks_total", "whatsapp"))
    correlation.use("SMturnmetrics01")
    events = [UserUttered("my pin is 2468", {"name": "nlu_fallback", "confidence": 0.31},
                          input_channel="whatsapp"),
              ActionExecuted("action_default_fallback"), BotUttered("Sorry?"),
              ActionExecuted("action_listen")]
    with caplog.at_level(logging.INFO, logger="careline.turns"):
        log_turn("+447700900321", events)
    assert _count("careline_turns_total", "whatsapp") == turns + 1
    assert _count("careline_nlu_fallbacks_total", "whatsapp") == fallbacks + 1
    [record] = [r for r in caplog.records if r.name == "careline.turns"]
    line = json.loads(JsonFormatter("rasa").format(record))
    assert line["correlation_id"] == "SMturnmetrics01"
    assert line["turn"]["intent"] == "nlu_fallback" and line["turn"]["channel"] == "whatsapp"
    assert line["turn"]["actions"] == ["action_default_fallback"]
    assert line["turn"]["conversation"] == "+44••••••••21"
    assert not holds_secret(json.dumps(line), "2468") and "7700900321" not in json.dumps(line)


def test_a_triggered_intent_is_logged_but_not_counted_as_a_customer_turn(
        caplog: pytest.LogCaptureFixture) -> None:
    turns = _count("careline_turns_total", "webchat")
    events = [UserUttered.create_external("EXTERNAL_outage_notice", input_channel="webchat"),
              ActionExecuted("utter_outage_notice"), ActionExecuted("action_listen")]
    with caplog.at_level(logging.INFO, logger="careline.turns"):
        log_turn("c-notice", events)
    assert _count("careline_turns_total", "webchat") == turns
    assert any(r.name == "careline.turns" for r in caplog.records)
