from __future__ import annotations

from datetime import datetime, timedelta, timezone

from careline.channels.conversation_key import customer_sender_id
from careline.proactive.planner import PlanContext, plan_notices
from careline.proactive.policy import ContactPolicy
from careline.proactive.schemas import (DeliveryMode, IncidentUpdate, Recipient, Suppression)

NOON = datetime(2026, 6, 1, 11, 0, tzinfo=timezone.utc)  # 12:00 in London (BST)


def update(action: str = "open", **fields) -> IncidentUpdate:
    values = dict(incident_id="INC42", version=1, action=action, areas=("M1",),
                  summary="no mobile data", detail="A fibre cut near the M1 mast.",
                  eta=NOON + timedelta(hours=3), occurred_at=NOON)
    values.update(fields)
    return IncidentUpdate(**values)


def person(customer_id: int, **fields) -> Recipient:
    values = dict(customer_id=customer_id, segment="postpaid", area="M1",
                  preferred_channel="sms", msisdn=f"+44770090{customer_id:04d}", whatsapp=None,
                  timezone="Europe/London", opted_in=True)
    values.update(fields)
    return Recipient(**values)


def context(**fields) -> PlanContext:
    values = dict(now=NOON, policy=ContactPolicy(), recent_counts={})
    values.update(fields)
    return PlanContext(**values)


def test_vip_and_business_come_first_then_postpaid_then_prepaid():
    people = [person(1, segment="prepaid"), person(2, segment="postpaid"),
              person(3, segment="vip"), person(4, segment="business"), person(5, segment="vip")]
    plan = plan_notices(update(), people, context())
    assert [n.customer_id for n in plan.notices] == [3, 5, 4, 2, 1]


def test_vip_notice_carries_detail_and_eta_others_a_short_notice():
    plan = plan_notices(update(), [person(1, segment="vip"), person(2)], context())
    vip, regular = plan.notices
    assert "fibre cut" in vip.text and "Expected fix: 15:00" in vip.text
    assert "fibre cut" not in regular.text and "15:00" in regular.text
    assert all(len(n.text) <= 306 for n in plan.notices)


def test_consent_and_opt_outs_decide_who_is_skipped():
    people = [person(1, opted_in=False),
              person(2, opted_out_channels=frozenset({"sms"})),
              person(3, preferred_channel="whatsapp", whatsapp="+447700900003",
                     opted_out_channels=frozenset({"whatsapp"})),
              person(4, msisdn=None)]
    plan = plan_notices(update(), people, context())
    assert [(n.customer_id, n.mode) for n in plan.notices] == [(3, DeliveryMode.SMS)]
    assert {(s.customer_id, s.reason) for s in plan.skipped} == {
        (1, Suppression.NOT_OPTED_IN), (2, Suppression.OPTED_OUT), (4, Suppression.NO_CHANNEL)}


def test_whatsapp_uses_a_template_outside_the_24_hour_window():
    recent = person(1, preferred_channel="whatsapp", whatsapp="+447700900001",
                    last_whatsapp_inbound=NOON - timedelta(hours=2))
    stale = person(2, preferred_channel="whatsapp", whatsapp="+447700900002",
                   last_whatsapp_inbound=NOON - timedelta(hours=30))
    plan = plan_notices(update(), [recent, stale], context())
    session, template = plan.notices
    assert session.mode is DeliveryMode.WHATSAPP_SESSION and session.template is None
    assert template.mode is DeliveryMode.WHATSAPP_TEMPLATE
    assert dict(template.template_variables)["1"] == "M1"


def test_web_chat_only_when_connected_else_sms():
    connected = person(1, preferred_channel="webchat", webchat_conversation="web-abc")
    away = person(2, preferred_channel="webchat")
    plan = plan_notices(update(), [connected, away], context())
    assert [(n.mode, n.conversation_id) for n in plan.notices] == [
        (DeliveryMode.WEBCHAT, "web-abc"), (DeliveryMode.SMS, customer_sender_id(2))]


def test_quiet_hours_hold_back_ordinary_notices_but_not_service_critical_ones():
    night = datetime(2026, 6, 1, 22, 30, tzinfo=timezone.utc)  # 23:30 in London
    ordinary = plan_notices(update(occurred_at=night), [person(1)], context(now=night))
    assert [s.reason for s in ordinary.skipped] == [Suppression.QUIET_HOURS]
    critical = plan_notices(update(service_critical=True, occurred_at=night), [person(1)],
                            context(now=night))
    assert len(critical.notices) == 1
    # 23:30 UTC is still only 18:30 in New York: not quiet there.
    abroad = plan_notices(update(occurred_at=night), [person(2, timezone="America/New_York")],
                          context(now=night))
    assert len(abroad.notices) == 1


def test_rate_limit_skips_a_busy_customer_but_a_fix_still_reaches_the_told():
    busy = {1: 3, 2: 3}
    plan = plan_notices(update(), [person(1), person(2), person(3)],
                        context(recent_counts=busy))
    assert [n.customer_id for n in plan.notices] == [3]
    assert {s.customer_id for s in plan.skipped if s.reason is Suppression.RATE_LIMITED} == {1, 2}
    fixed = plan_notices(update("resolve", version=2), [person(1), person(2)],
                         context(recent_counts=busy, told_about_incident=frozenset({1})))
    assert [n.customer_id for n in fixed.notices] == [1]
    assert "is fixed" in fixed.notices[0].text
    assert [(s.customer_id, s.reason) for s in fixed.skipped] == [(2, Suppression.NOT_TOLD)]
