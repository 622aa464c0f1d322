"""Every write of ProfileService, on SQLite and PostgreSQL, each test rolled back."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from careline.profile.schemas import (
    ArrangementKind, ArrangementStatus, CaseKind, CaseStatus, Channel, CustomerNotFound,
    EligibilityReason, IdentityKind, InteractionOutcome, InvalidIdentity, InvalidRequest,
    PolicyViolation, RecommendationReason, ServiceKind,
)
from careline.profile.service import ProfileService
from careline.settings import Settings
from tests.careline.profile.bills import catalogue_price
from tests.conftest import SEEDED_AT


def test_change_plan_then_recommendation_never_offers_the_new_plan(service, demo):
    result = service.change_plan(customer_id=demo["Aisha"], plan_code="PAYG-15")
    assert (result.previous.code, result.new.code) == ("PAYG-5", "PAYG-15")
    profile = service.get_profile(customer_id=demo["Aisha"])
    assert profile.primary_line.plan.code == "PAYG-15"
    recommendation = service.recommend_plan(customer_id=demo["Aisha"], price_tolerance=D(50))
    assert recommendation.recommended is None or recommendation.recommended.code != "PAYG-15"


@pytest.mark.parametrize("code, error", [("PAYG-5", InvalidRequest), ("NOPE", InvalidRequest),
                                         ("CLASSIC-2", InvalidRequest),
                                         ("SIMO-10", PolicyViolation)])
def test_plan_changes_that_cannot_happen(service, demo, code, error):
    with pytest.raises(error):
        service.change_plan(customer_id=demo["Aisha"], plan_code=code)
    assert service.get_profile(customer_id=demo["Aisha"]).primary_line.plan.code == "PAYG-5"


def test_roaming_pass_buys_the_cheaper_option(service, demo, seeded_db, settings):
    start = SEEDED_AT.date() + timedelta(days=3)
    result = service.add_roaming_pass(customer_id=demo["Tom"], country="United States", days=10,
                                      starts_on=start)
    month = catalogue_price(seeded_db, code="ROAM-W1-MONTH")
    assert result.total_price == (month * (1 + settings.vat_rate)).quantize(D("0.01"))
    assert len(result.passes) == 1
    assert result.passes[0].add_on.code == "ROAM-W1-MONTH"
    assert result.passes[0].starts_on == start and result.passes[0].destination == "US"
    add_ons = service.get_profile(customer_id=demo["Tom"]).primary_line.add_ons
    assert [a.add_on.code for a in add_ons] == ["ROAM-W1-MONTH"]
    daily = service.add_roaming_pass(customer_id=demo["Tom"], country="FR", days=3)
    day = catalogue_price(seeded_db, code="ROAM-EU-DAY")
    assert daily.total_price == (day * (1 + settings.vat_rate)).quantize(D("0.01")) * 3
    assert len(daily.passes) == 3
    assert daily.passes[-1].ends_on - daily.passes[0].starts_on == timedelta(days=2)


def test_no_pass_is_sold_where_roaming_is_included(service, demo):
    with pytest.raises(PolicyViolation):
        service.add_roaming_pass(customer_id=demo["Priya"], country="Spain", days=5)


def test_payment_arrangement_within_policy(service, demo):
    arrangement = service.create_payment_arrangement(
        customer_id=demo["Gareth"], kind=ArrangementKind.INSTALMENTS, instalments=3)
    assert arrangement.status is ArrangementStatus.ACTIVE and arrangement.amount == D("60.00")
    assert [a for _, a in arrangement.schedule] == [D("20.00")] * 3
    assert service.balance(customer_id=demo["Gareth"]).arrangement.reference == \
        arrangement.reference
    again = service.arrangement_eligibility(customer_id=demo["Gareth"])
    assert again.reason is EligibilityReason.ARRANGEMENT_ACTIVE
    with pytest.raises(PolicyViolation):
        service.create_payment_arrangement(customer_id=demo["Gareth"],
                                           kind=ArrangementKind.DEFERRAL, deferral_days=10)


def test_an_arrangement_replaces_the_overdue_bills_in_the_balance(service, demo):
    before = service.balance(customer_id=demo["Gareth"])
    assert before.is_overdue
    arrangement = service.create_payment_arrangement(
        customer_id=demo["Gareth"], kind=ArrangementKind.INSTALMENTS, instalments=3)
    after = service.balance(customer_id=demo["Gareth"])
    assert not after.is_overdue and after.days_overdue == 0
    assert after.amount_due == before.amount_due == arrangement.amount
    assert [(i.due_on, i.amount) for i in after.schedule] == list(arrangement.schedule)
    assert {i.arrangement_reference for i in after.schedule} == {arrangement.reference}
    assert after.due_on == arrangement.schedule[0][0] > SEEDED_AT.date()


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "instalments", "instalments": 7}, "between 2 and 6"),
    ({"kind": "deferral", "deferral_days": 0}, "1 to 30 days"),
    ({"kind": "deferral", "deferral_days": 31}, "1 to 30 days"),
])
def test_arrangements_outside_the_settings_limits_are_refused(service, demo, kwargs, message):
    with pytest.raises(PolicyViolation) as error:
        service.create_payment_arrangement(customer_id=demo["Gareth"], **kwargs)
    assert message in error.value.reason
    assert service.balance(customer_id=demo["Gareth"]).arrangement is None


def test_policy_limits_come_from_settings(seeded_db, tmp_path, demo):
    strict = Settings(data_dir=tmp_path, arrangement_max_instalments=2,
                      arrangement_max_deferral_days=0, arrangement_min_instalment="40")
    with seeded_db.sessions() as sessions:
        service = ProfileService(sessions=sessions, settings=strict, clock=lambda: SEEDED_AT)
        eligibility = service.arrangement_eligibility(customer_id=demo["Gareth"])
        assert [(o.kind, o.instalments) for o in eligibility.options] == []
        assert eligibility.reason is EligibilityReason.AMOUNT_TOO_SMALL
        with pytest.raises(PolicyViolation):
            service.create_payment_arrangement(customer_id=demo["Gareth"],
                                               kind="deferral", deferral_days=5)


def test_unknown_arrangement_kind(service, demo):
    with pytest.raises(InvalidRequest):
        service.create_payment_arrangement(customer_id=demo["Gareth"], kind="barter")


def test_dispute_and_fault_open_cases(service, demo):
    bill = service.get_profile(customer_id=demo["Tom"]).latest_invoice
    dispute = service.open_dispute(customer_id=demo["Tom"], amount=D("97.20"),
                                   reason="I had a roaming pass", channel="whatsapp",
                                   invoice_number=bill.invoice_number)
    assert dispute.kind is CaseKind.DISPUTE and dispute.status is CaseStatus.OPEN
    assert dispute.reference.startswith("DSP-")
    fault = service.report_fault(customer_id=demo["Tom"], description="No 4G at home",
                                 service=ServiceKind.MOBILE_DATA, channel=Channel.SMS)
    open_cases = service.get_profile(customer_id=demo["Tom"]).open_cases
    assert {c.reference for c in open_cases} == {dispute.reference, fault.reference}


@pytest.mark.parametrize("kwargs", [
    {"amount": D("0"), "reason": "x"}, {"amount": D("-5"), "reason": "x"},
    {"amount": "lots", "reason": "x"}, {"amount": D("5"), "reason": "  "},
    {"amount": D("5"), "reason": "x", "invoice_number": "INV-NOT-MINE"},
])
def test_bad_disputes_are_refused(service, demo, kwargs):
    with pytest.raises(InvalidRequest):
        service.open_dispute(customer_id=demo["Tom"], **kwargs)
    assert service.get_profile(customer_id=demo["Tom"]).open_cases == ()


def test_writes_for_unknown_customers_raise_not_found(service):
    with pytest.raises(CustomerNotFound):
        service.report_fault(customer_id=987654, description="x")
    with pytest.raises(CustomerNotFound):
        service.change_plan(customer_id=987654, plan_code="UNL")


def test_outage_subscription_is_idempotent(service, demo):
    first = service.subscribe_outage_updates(customer_id=demo["Priya"], channel="whatsapp",
                                             incident_reference="INC-M1-0042")
    second = service.subscribe_outage_updates(customer_id=demo["Priya"], channel="sms",
                                              incident_reference="INC-M1-0042")
    assert first.created and not second.created and first.area_code == "M1"
    area = service.subscribe_outage_updates(customer_id=demo["Emma"], channel="sms")
    assert area.created and area.area_code == "BS1" and area.incident_reference is None
    with pytest.raises(InvalidRequest):
        service.subscribe_outage_updates(customer_id=demo["Priya"], channel="sms",
                                         incident_reference="INC-NOPE")


def test_opt_out_and_back_in(service, demo):
    result = service.set_channel_opt_out(channel="sms", address="07700 900105", opted_out=True)
    assert result.customer_id == demo["Emma"] and result.address == "+447700900105"
    identities = service.get_profile(customer_id=demo["Emma"]).customer.identities
    opted = {i.kind: i.opted_out for i in identities}
    assert opted[IdentityKind.MSISDN] and not opted[IdentityKind.WHATSAPP]
    service.set_channel_opt_out(channel="sms", address="+447700900105", opted_out=False)
    identities = service.get_profile(customer_id=demo["Emma"]).customer.identities
    assert not any(i.opted_out for i in identities)
    unknown = service.set_channel_opt_out(channel="sms", address="+447700900999",
                                          opted_out=True)
    assert unknown.customer_id is None
    with pytest.raises(InvalidIdentity):
        service.set_channel_opt_out(channel="sms", address="nonsense", opted_out=True)


def test_recorded_interaction_shows_in_recent_interactions(service, demo):
    ref = service.record_interaction(
        customer_id=demo["Priya"], channel="webchat", summary="Asked for the outage ETA",
        intent="ask_outage", outcome=InteractionOutcome.HANDED_OFF, satisfaction=2,
        conversation_id="conv-1", occurred_at=SEEDED_AT + timedelta(minutes=5))
    latest = service.recent_interactions(customer_id=demo["Priya"], limit=1)[0]
    assert latest.interaction_id == ref.interaction_id
    assert latest.channel is Channel.WEBCHAT and latest.handed_off and latest.satisfaction == 2
    anonymous = service.record_interaction(customer_id=None, channel="sms",
                                           summary="Unknown number asked for opening hours")
    assert anonymous.customer_id is None


@pytest.mark.parametrize("kwargs", [{"satisfaction": 6}, {"summary": ""},
                                    {"case_reference": "FLT-NOPE"}])
def test_bad_interactions_are_refused(service, demo, kwargs):
    values = {"customer_id": demo["Olivia"], "channel": "sms", "summary": "x", **kwargs}
    with pytest.raises(InvalidRequest):
        service.record_interaction(**values)


def test_interaction_links_to_an_open_case(service, demo):
    service.record_interaction(customer_id=demo["Olivia"], channel="voice",
                               summary="Called about the fault", case_reference="FLT-DEMO0107",
                               occurred_at=SEEDED_AT + timedelta(minutes=1))
    latest = service.recent_interactions(customer_id=demo["Olivia"], limit=1)[0]
    assert latest.case_reference == "FLT-DEMO0107" and latest.channel is Channel.VOICE


def test_reason_codes_read_well(service, demo):
    assert service.recommend_plan(customer_id=demo["Priya"]).reason in set(RecommendationReason)
