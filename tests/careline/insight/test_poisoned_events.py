"""Crafted events at ingest: each is rejected with a log line, the rest of its batch is
folded, and the report still renders (real events through Rasa's SQL broker)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rasa.core.brokers.sql import SQLEventBroker

from careline.insight.report import render_page
from careline.insight.service import InsightService
from careline.insight.validation import customer_id, rejection
from careline.poison.ledger import PoisonLedger

MONDAY = datetime(2026, 6, 1, 9, tzinfo=timezone.utc)
AT = MONDAY.timestamp()


def user(intent: str = "ask_bill", **fields) -> dict:
    return {"event": "user", "timestamp": AT, "text": "what do I owe",
            "parse_data": {"intent": {"name": intent}}, "input_channel": "sms", **fields}


@pytest.mark.parametrize("sender, data, reason", [
    ("c", ["event", "user"], "not a JSON object"),
    ("", user(), "bad sender id"),
    ("c" * 300, user(), "bad sender id"),
    ("c", {**user(), "timestamp": 1e300}, "bad timestamp"),
    ("c", {**user(), "timestamp": "yesterday"}, "bad timestamp"),
    ("c", user("<script>alert(1)</script>"), "bad intent name"),
    ("c", user("x" * 65), "bad intent name"),
    ("c", user(metadata={"channel": "<script>"}), "unknown channel"),
    ("c", user(input_channel="w" * 40), "unknown channel"),
    ("c", user(metadata=["channel"]), "bad metadata"),
    ("c", {"event": "slot", "timestamp": AT, "name": "customer_id", "value": 10 ** 30},
     "bad customer id"),
    ("c", {"event": "slot", "timestamp": AT, "name": "customer_id", "value": "7; drop"},
     "bad customer id"),
    ("c", {"event": "slot", "timestamp": AT, "name": "handoff_reason", "value": "<b>x</b>"},
     "unknown handoff reason"),
])
def test_each_crafted_event_is_rejected_with_its_reason(sender, data, reason):
    assert rejection(sender, data) == reason


def test_what_careline_itself_publishes_passes():
    assert rejection("conv-1a2b", user(metadata={"channel": "whatsapp"})) is None
    assert rejection("conv-1a2b", {"event": "slot", "timestamp": AT, "name": "customer_id",
                                   "value": 42}) is None
    assert rejection("conv-1a2b", {"event": "restart"}) is None  # not folded, not refused
    assert (customer_id("42"), customer_id(True), customer_id(0)) == (42, None, None)


def test_a_poisoned_batch_is_folded_around_its_bad_events_and_the_report_renders(
        tmp_path: Path, engine, caplog):
    """Attack: messages crafted to break or distort the contact-centre report (a huge
    customer id, a timestamp past any calendar, a script tag as the intent and as the
    channel, a 300-character intent) sit in the stream between real conversations."""
    broker = SQLEventBroker(db=str(tmp_path / "events.db"))

    def publish(sender: str, data: dict) -> None:
        broker.publish({"sender_id": sender, **data})

    publish("conv-before", user("ask_bill"))
    publish("conv-evil", {"event": "session_started", "timestamp": AT})
    publish("conv-evil", {"event": "slot", "timestamp": AT, "name": "customer_id",
                          "value": 99999999999999999999})
    publish("conv-evil", {**user(), "timestamp": 1e300})
    publish("conv-evil", user("<script>alert('x')</script>"))
    publish("conv-evil", user("a" * 300))
    publish("conv-evil", user(metadata={"channel": "<img src=x onerror=alert(1)>"}))
    publish("conv-after", {**user("check_outage"), "timestamp": AT + 60})
    broker.engine.dispose()

    service = InsightService(engine=engine, events=str(tmp_path / "events.db"))
    with caplog.at_level(logging.WARNING, logger="careline.insight.ingest"):
        assert service.ingest_pending() == 8
    assert caplog.text.count("rejected") == 5
    report = service.report(since=MONDAY - timedelta(hours=1), until=MONDAY + timedelta(days=1))
    assert report.contacts == 2
    assert dict(report.drivers) == {"ask_bill": 1, "check_outage": 1}
    assert [(row.key, row.contacts) for row in report.by_channel] == [("sms", 2)]
    page = render_page(report)
    assert "<script>" not in page and "onerror" not in page
    assert service.ingest_pending() == 0  # the bad events are behind the read position


def test_an_event_the_checks_pass_that_still_breaks_its_batch_is_skipped_alone(
        tmp_path: Path, engine, caplog):
    """A replayed ``session_started`` (a broker redelivering after a crash) names a contact
    that already exists: the database refuses the row. That one event is skipped with a log
    line; the batch's other events are folded and later reports are not stuck behind it."""
    broker = SQLEventBroker(db=str(tmp_path / "events.db"))
    for at in (AT, AT + 3600, AT):
        broker.publish({"sender_id": "conv-replayed", "event": "session_started",
                        "timestamp": at})
    broker.publish({"sender_id": "conv-replayed", **{**user("check_outage"),
                                                     "timestamp": AT + 3700}})
    broker.publish({"sender_id": "conv-other", **user("ask_bill")})
    broker.engine.dispose()

    service = InsightService(engine=engine, events=str(tmp_path / "events.db"))
    with caplog.at_level(logging.WARNING, logger="careline.insight.service"):
        assert service.ingest_pending() == 5
    assert "an event could not be folded; skipped" in caplog.text
    [parked] = PoisonLedger(engine).parked()  # counted, and listed by careline parked
    assert (parked.consumer, parked.key) == ("insight", "events row 3")
    report = service.report(since=MONDAY - timedelta(hours=1), until=MONDAY + timedelta(days=1))
    assert dict(report.drivers) == {"ask_bill": 1, "check_outage": 1}
    assert service.ingest_pending() == 0


def test_a_queue_batch_with_such_an_event_is_folded_around_it(engine, caplog):
    """The same replay arriving from RabbitMQ (``InsightService.ingest``): the batch is not
    refused whole, or the queue would redeliver it, and all behind it, for ever."""
    from careline.insight.stream import RawEvent

    events = [RawEvent(0, "conv-replayed", {"event": "session_started", "timestamp": at})
              for at in (AT, AT + 3600, AT)]
    events += [RawEvent(0, "conv-replayed", {**user("check_outage"), "timestamp": AT + 3700}),
               RawEvent(0, "conv-other", user("ask_bill"))]
    service = InsightService(engine=engine)
    with caplog.at_level(logging.WARNING, logger="careline.insight.service"):
        folded = service.ingest(events)
    assert folded.applied == 4
    assert [index for index, _ in folded.failed] == [2]  # for its consumer to retry or park
    assert "an event could not be folded; handed back to the consumer" in caplog.text
    report = service.report(since=MONDAY - timedelta(hours=1), until=MONDAY + timedelta(days=1))
    assert dict(report.drivers) == {"ask_bill": 1, "check_outage": 1}
