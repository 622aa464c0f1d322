"""A scripted week of conversations, published through Rasa's own SQL event broker.

The test knows the true counts (written next to each conversation below) and
checks that ingesting the stream and computing the report gives exactly them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

import pytest
from rasa.core.brokers.sql import SQLEventBroker

from careline.db.session import session_scope
from careline.insight.report import render_page
from careline.insight.service import InsightService
from careline.observability.redact import mask_phone
from careline.profile.models import Incident

MONDAY = datetime(2026, 6, 1, tzinfo=timezone.utc)


class Script:
    """Publishes conversations as Rasa would: session start, user, slots, actions, bot."""

    def __init__(self, broker: SQLEventBroker) -> None:
        self.broker = broker

    def publish(self, sender: str, at: datetime, event: str, **fields) -> None:
        self.broker.publish({"sender_id": sender, "event": event,
                             "timestamp": at.timestamp(), **fields})

    def conversation(self, sender: str, start: datetime, channel: str,
                     turns: list[tuple[str, str]], customer_id: Optional[int] = None,
                     handoff: Optional[tuple[str, int]] = None,
                     agent_reply_after: Optional[int] = None,
                     new_session: bool = True) -> None:
        if new_session:
            self.publish(sender, start, "action", name="action_session_start")
            self.publish(sender, start, "session_started")
        at = start
        for intent, text in turns:
            metadata = {"channel": channel, "customer_id": customer_id, "verified": False}
            self.publish(sender, at, "user", text=text, input_channel=channel,
                         parse_data={"intent": {"name": intent, "confidence": 0.9},
                                     "entities": []}, metadata=metadata)
            if customer_id is not None:
                self.publish(sender, at, "slot", name="customer_id", value=customer_id)
            self.publish(sender, at + timedelta(seconds=1), "bot", text="bot answer",
                         metadata={})
            at += timedelta(seconds=20)
        if handoff:
            reason, after = handoff
            moment = start + timedelta(seconds=after)
            self.publish(sender, moment, "slot", name="handoff_reason", value=reason)
            self.publish(sender, moment, "action", name="action_handoff_to_agent")
            if agent_reply_after is not None:
                self.publish(sender, moment + timedelta(seconds=agent_reply_after), "bot",
                             text="Hi, this is Alex from Careline", metadata={"source": "desk"})


@pytest.fixture()
def week(tmp_path: Path, engine, add_area, add_customer):
    add_area("M1")
    add_area("LS6")
    people = {
        "A": add_customer(area="M1", segment="vip"),
        "B": add_customer(area="M1", segment="postpaid"),
        "C": add_customer(area="LS6", segment="prepaid"),
        "D": add_customer(area="LS6", segment="postpaid"),
    }
    with session_scope(engine) as session:
        for n, day in enumerate((MONDAY - timedelta(days=10), MONDAY + timedelta(days=1))):
            session.add(Incident(reference=f"INC{n}", area_code="M1", title="no data",
                                 severity="major", status="resolved", started_at=day))
    events = tmp_path / "events.db"
    broker = SQLEventBroker(db=str(events))
    s = Script(broker)
    ids = {k: p.id for k, p in people.items()}
    day = lambda n, hour: MONDAY + timedelta(days=n, hours=hour)  # noqa: E731
    # Before the window: makes C's Wednesday contact a repeat.
    s.conversation("customer-C", day(-1, 12), "webchat", [("ask_roaming", "roaming to france?")],
                   ids["C"])
    # 1 Mon: A, sms, outage question, contained.
    s.conversation("customer-A", day(0, 9), "sms",
                   [("check_outage", "is the internet down in my area?")], ids["A"])
    # 2 Mon: B, whatsapp, bill, contained.
    s.conversation("customer-B", day(0, 10), "whatsapp",
                   [("ask_bill", "why is my bill so high")], ids["B"])
    # 3 Tue: A again (repeat), frustrated, handed off after 60 s, agent replies 120 s later.
    s.conversation("customer-A", day(1, 11), "sms",
                   [("check_outage", "still no data, this is ridiculous!!!"),
                    ("frustration", "this is unacceptable, I'm furious")], ids["A"],
                   handoff=("frustration", 60), agent_reply_after=120)
    # 4 Wed: C, web chat (repeat of the Sunday before), contained.
    s.conversation("customer-C", day(2, 12), "webchat",
                   [("ask_roaming", "how much is roaming in spain")], ids["C"])
    # 5 Thu: D, sms, asks for a person: handoff after 60 s, agent replies 540 s later.
    s.conversation("customer-D", day(3, 13), "sms",
                   [("ask_bill", "explain my bill"), ("request_human", "let me talk to a person")],
                   ids["D"], handoff=("requested", 60), agent_reply_after=540)
    # 6 Fri: an anonymous web visitor; greeting is not a driver; contained.
    s.conversation("web-xyz", day(4, 14), "webchat",
                   [("greet", "hi"), ("check_outage", "is there an outage")])
    # 7 Sat: B again (repeat), dispute handed off after 120 s, no agent reply yet.
    s.conversation("customer-B", day(5, 15), "whatsapp",
                   [("ask_bill", "my bill looks different, can you check")], ids["B"],
                   handoff=("dispute_over_threshold", 120))
    # 8 Sun: an outage notice (not a contact by itself), then A replies (repeat), contained.
    s.publish("customer-A", day(6, 16), "action", name="action_session_start")
    s.publish("customer-A", day(6, 16), "session_started")
    s.publish("customer-A", day(6, 16), "user", text=None, input_channel="sms",
              parse_data={"intent": {"name": "EXTERNAL_outage_notice"}}, metadata={})
    s.conversation("customer-A", day(6, 16) + timedelta(minutes=5), "sms",
                   [("check_outage", "is it really fixed?")], ids["A"], new_session=False)
    # After the window: not counted.
    s.conversation("customer-D", day(7, 9), "sms", [("ask_bill", "bill again")], ids["D"])
    broker.engine.dispose()
    return InsightService(engine=engine, events=str(events)), people


def test_the_report_matches_the_scripted_week(week):
    service, people = week
    assert service.ingest_pending() > 0
    assert service.ingest_pending() == 0  # nothing read twice
    report = service.report(since=MONDAY, until=MONDAY + timedelta(days=7))

    assert report.contacts == 8
    assert (report.contained, report.handed_off) == (5, 3)
    assert report.containment_rate == pytest.approx(5 / 8)
    assert dict(report.handoff_reasons) == {"frustration": 1, "requested": 1,
                                            "dispute_over_threshold": 1}
    assert report.drivers == (("check_outage", 4), ("ask_bill", 3), ("ask_roaming", 1))
    assert report.repeat_contacts == 4
    assert report.frustrated_contacts == 1
    assert report.median_seconds_to_handoff == 60
    assert report.median_seconds_to_agent_reply == (120 + 540) / 2
    assert [(a.area, a.contacts, a.top[0]) for a in report.areas] == [
        ("M1", 5, ("check_outage", 3)), ("LS6", 2, ("ask_roaming", 1))]
    assert {r.key: (r.contacts, r.contained) for r in report.by_channel} == {
        "sms": (4, 2), "whatsapp": (2, 1), "webchat": (2, 2)}
    assert {r.key: (r.contacts, r.handed_off) for r in report.by_segment} == {
        "vip": (3, 1), "postpaid": (3, 2), "prepaid": (1, 0), "unknown": (1, 0)}
    assert [(d.contacts, d.handed_off) for d in report.days] == [
        (2, 0), (1, 1), (1, 0), (1, 1), (1, 0), (1, 1), (1, 0)]
    assert report.days[1].mean_sentiment < report.days[0].mean_sentiment
    assert [(r.customer_id, r.outages, r.contacts) for r in report.at_risk] == [
        (people["A"].id, 2, 3)]


def test_the_html_report_has_charts_and_never_a_full_phone_number(week):
    service, people = week
    service.ingest_pending()
    page = render_page(service.report(since=MONDAY, until=MONDAY + timedelta(days=7)))
    assert page.count('src="data:image/png;base64,') == 6
    assert "Customers at risk" in page and "check outage" in page
    for person in people.values():
        assert person.msisdn not in page
        assert person.msisdn[3:] not in page
    masked = mask_phone(people["A"].msisdn)
    assert masked.startswith("+44•") and masked in page


def test_a_customer_is_named_only_by_the_slot_never_by_the_conversation_id_or_metadata(
        tmp_path, engine, add_area, add_customer):
    """Attack: a REST caller names its conversation ``customer-<id>`` or puts a customer id
    in the message metadata, to have its contacts counted against someone else."""
    add_area("M1")
    person = add_customer(area="M1", segment="business")
    broker = SQLEventBroker(db=str(tmp_path / "events.db"))
    script = Script(broker)
    script.conversation(f"customer-{person.id}", MONDAY, "rest", [("ask_bill", "bill please")])
    script.publish("conv-anyone", MONDAY, "user", text="hi", input_channel="rest",
                   parse_data={"intent": {"name": "ask_bill"}},
                   metadata={"customer_id": person.id, "verified": True})
    script.conversation("conv-real", MONDAY + timedelta(hours=2), "sms",
                        [("ask_bill", "bill please")], person.id)
    broker.engine.dispose()
    service = InsightService(engine=engine, events=str(tmp_path / "events.db"))
    service.ingest_pending()
    report = service.report(since=MONDAY, until=MONDAY + timedelta(days=1))
    assert report.contacts == 3
    assert sorted((r.key, r.contacts) for r in report.by_segment) == [
        ("business", 1), ("unknown", 2)]
