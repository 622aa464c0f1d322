"""Every read query of ProfileService on the seeded database, on SQLite and PostgreSQL."""

from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from careline.db.base import Base
from careline.profile.schemas import (
    ArrangementKind, BillCategory, Channel, CustomerNotFound, EligibilityReason, IdentityKind,
    IncidentStatus, InvalidIdentity, InvalidRequest, InvoiceStatus, PaymentType,
    RecommendationReason, Segment, ServiceKind,
)
from tests.careline.profile.bills import catalogue_price, unpaid_bills
from tests.conftest import SEEDED_AT


@pytest.mark.parametrize("channel, address, first_name, kind", [
    ("sms", "07700 900101", "Priya", IdentityKind.MSISDN),
    ("sms", "+44 7700 900101", "Priya", IdentityKind.MSISDN),
    ("whatsapp", "whatsapp:+447700900112", "Tom", IdentityKind.WHATSAPP),
    ("whatsapp", "whatsapp:+447700900104", "Gareth", IdentityKind.MSISDN),
    ("webchat", "noah.w", "Noah", IdentityKind.WEB_ACCOUNT),
    ("webchat", "NOAH.WILLIAMS@example.com", "Noah", IdentityKind.EMAIL),
    ("rest", "cl10000105", "Emma", IdentityKind.ACCOUNT_NUMBER),
    (Channel.TERMINAL, "0044 7700 900107", "Olivia", IdentityKind.MSISDN),
])
def test_find_customer_by_any_channel_identity(service, channel, address, first_name, kind):
    ref = service.find_customer(channel=channel, address=address)
    assert ref.first_name == first_name
    assert ref.matched_by is kind


def test_unknown_identities_are_not_found_rather_than_errors(service):
    assert service.find_customer(channel="sms", address="+447700900999") is None
    assert service.find_customer(channel="webchat", address="nobody") is None
    assert service.find_customer(channel="sms", address="07700900106") is None  # web-only
    assert service.find_customer_by_account(account_number="CL00000000") is None
    assert service.find_customer_by_account(account_number="  ") is None


def test_malformed_numbers_raise_invalid_identity_with_a_reason(service):
    with pytest.raises(InvalidIdentity) as error:
        service.find_customer(channel="sms", address="+44 12")
    assert "too short" in error.value.reason
    with pytest.raises(InvalidIdentity):
        service.find_customer(channel="whatsapp", address="whatsapp:hello")


def test_vip_and_account_lookup(service):
    ref = service.find_customer_by_account(account_number="CL10000101")
    assert ref.is_vip and ref.segment is Segment.VIP and ref.full_name == "Priya Shah"


def test_unified_profile_joins_every_silo(service, demo):
    profile = service.get_profile(customer_id=demo["Priya"])
    assert profile.customer.address.area_code == "M1"
    assert profile.customer.address.area_name == "Manchester city centre"
    kinds = {i.kind for i in profile.customer.identities}
    assert kinds == {IdentityKind.MSISDN, IdentityKind.WHATSAPP, IdentityKind.WEB_ACCOUNT,
                     IdentityKind.EMAIL}
    assert profile.customer.has_pin
    assert profile.primary_line.plan.code == "UNL-MAX"
    assert profile.primary_line.usage.current.data_gb == D("38.5")
    assert len(profile.primary_line.usage.history) == 3
    assert profile.balance.amount_due == 0 and profile.balance.autopay
    assert profile.latest_invoice.status is InvoiceStatus.PAID
    assert [o.reference for o in profile.outages] == ["INC-M1-0042"]
    assert profile.recent_interactions[0].channel is Channel.WHATSAPP
    assert profile.open_cases == ()


def test_the_crm_record_alone_is_the_profiles_customer(service, demo):
    customer = service.get_customer(customer_id=demo["Priya"])
    assert customer == service.get_profile(customer_id=demo["Priya"]).customer
    assert customer.has_pin and customer.account_number.startswith("CL")


def test_unknown_customer_ids_raise_not_found(service):
    for call in (service.get_customer, service.get_profile, service.balance, service.explain_bill,
                 service.outages_for_customer, service.recommend_plan,
                 service.arrangement_eligibility, service.recent_interactions):
        with pytest.raises(CustomerNotFound):
            call(customer_id=987654)
    assert service.verify_pin(customer_id=987654, pin="1234") is False


def test_overdue_balance(service, demo, seeded_db):
    """Gareth's two unpaid bills: overdue is what fell due before today, read from the rows."""
    balance = service.balance(customer_id=demo["Gareth"])
    today = SEEDED_AT.date()
    unpaid = unpaid_bills(seeded_db, account_number="CL10000104")
    overdue = [(due_on, owed) for due_on, owed in unpaid if due_on < today]
    assert len(unpaid) == 2 and overdue
    assert balance.amount_due == sum(owed for _, owed in unpaid) == D("60.00")
    assert balance.overdue_amount == sum(owed for _, owed in overdue)
    assert balance.is_overdue
    assert balance.due_on == min(due_on for due_on, _ in unpaid)
    assert balance.days_overdue == (today - min(due_on for due_on, _ in overdue)).days > 0
    assert not balance.autopay and balance.last_payment.method == "card"
    assert balance.last_payment.paid_on <= today


def test_each_unpaid_bill_is_due_on_its_own_date(service, demo, seeded_db):
    """Not the sum on the earliest date: each bill's amount on its due date, from the rows."""
    balance = service.balance(customer_id=demo["Gareth"])
    today = SEEDED_AT.date()
    assert [(i.due_on, i.amount, i.overdue) for i in balance.schedule] == [
        (due_on, owed, due_on < today)
        for due_on, owed in unpaid_bills(seeded_db, account_number="CL10000104")]
    assert all(i.invoice_number and not i.arrangement_reference for i in balance.schedule)


def test_prepaid_balance_is_credit(service, demo):
    balance = service.balance(customer_id=demo["Aisha"])
    assert balance.payment_type is PaymentType.PREPAID
    assert balance.prepaid_credit == D("3.20") and balance.amount_due == 0
    assert service.explain_bill(customer_id=demo["Aisha"]) is None


def test_explain_bill_finds_the_roaming_shock(service, demo):
    explanation = service.explain_bill(customer_id=demo["Tom"])
    assert explanation.main_driver.category is BillCategory.ROAMING
    roaming = next(c for c in explanation.changes if c.category is BillCategory.ROAMING)
    assert (roaming.previous, roaming.current) == (D("0.00"), D("97.20"))
    assert "United States" in roaming.lines[0].description
    assert explanation.total_difference == D("116.64")
    assert explanation.current.issued_on > explanation.previous.issued_on


def test_outages_with_status_and_eta(service, demo):
    (outage,) = service.outages_for_customer(customer_id=demo["Priya"])
    assert outage.status is IncidentStatus.FIXING and outage.is_active
    assert outage.services == (ServiceKind.MOBILE_DATA,)
    assert outage.eta > SEEDED_AT and outage.eta.tzinfo is not None
    assert [u.status for u in outage.updates] == [IncidentStatus.INVESTIGATING,
                                                  IncidentStatus.IDENTIFIED,
                                                  IncidentStatus.FIXING]
    everything = service.outages_for_customer(customer_id=demo["Priya"], include_resolved=True)
    assert {o.reference for o in everything} >= {"INC-M1-0042", "INC-M1-0031"}
    assert service.outages_for_customer(customer_id=demo["Emma"]) == () or all(
        o.area_code == "BS1" for o in service.outages_for_customer(customer_id=demo["Emma"]))


def test_list_plans_only_on_sale_cheapest_first(service):
    plans = service.list_plans()
    assert "CLASSIC-2" not in [p.code for p in plans]
    assert [p.monthly_price for p in plans] == sorted(p.monthly_price for p in plans)
    prepaid = service.list_plans(payment_type=PaymentType.PREPAID)
    assert {p.payment_type for p in prepaid} == {PaymentType.PREPAID}


def test_recommendations_from_actual_usage(service, demo):
    aisha = service.recommend_plan(customer_id=demo["Aisha"])
    assert aisha.reason is RecommendationReason.NEEDS_MORE_DATA
    assert aisha.recommended.code == "PAYG-15" and aisha.price_tolerance == D("5.00")
    strict = service.recommend_plan(customer_id=demo["Aisha"], price_tolerance=D("4"))
    assert strict.recommended is None
    emma = service.recommend_plan(customer_id=demo["Emma"])
    assert emma.reason is RecommendationReason.SAVE_MONEY and emma.monthly_difference < 0
    assert emma.recommended.code != emma.current.code
    with pytest.raises(InvalidRequest):
        service.recommend_plan(customer_id=demo["Emma"], price_tolerance=D("-1"))


def test_roaming_quote_daily_against_monthly_with_the_vat_the_bill_adds(service, demo,
                                                                        seeded_db, settings):
    """Tom is postpaid: his bill adds VAT to the catalogue's pass prices, so the quote does."""
    day, month = (catalogue_price(seeded_db, code=code) for code in ("ROAM-W1-DAY",
                                                                      "ROAM-W1-MONTH"))
    with_vat = [(net * (1 + settings.vat_rate)).quantize(D("0.01")) for net in (day, month)]
    quote = service.roaming_quote(customer_id=demo["Tom"], country="United States", days=10)
    assert quote.country_code == "US" and not quote.included_in_plan and quote.vat_included
    assert quote.daily.total_price == with_vat[0] * 10 and quote.monthly.total_price == with_vat[1]
    assert quote.daily.total_price > day * 10 and quote.monthly.total_price > month
    assert quote.best is quote.monthly
    assert quote.saving == with_vat[0] * 10 - with_vat[1]
    short = service.roaming_quote(customer_id=demo["Tom"], country="us", days=3)
    assert short.best is short.daily
    included = service.roaming_quote(customer_id=demo["Priya"], country="Spain", days=10)
    assert included.included_in_plan and included.best is None


def test_a_prepaid_quote_is_the_catalogue_price(service, demo, seeded_db):
    """Aisha pays from credit, with no bill to add VAT: her passes cost what the row says."""
    quote = service.roaming_quote(customer_id=demo["Aisha"], country="France", days=3)
    assert not quote.vat_included
    assert quote.daily.total_price == catalogue_price(seeded_db, code="ROAM-EU-DAY") * 3


@pytest.mark.parametrize("country", ["US", "USA", "the US", "U.S.A.", "the usa", "America",
                                     "the States", "united states of america", "United States"])
def test_a_country_is_understood_by_any_common_name_or_code(service, demo, country):
    quote = service.roaming_quote(customer_id=demo["Tom"], country=country, days=5)
    assert (quote.country_code, quote.country_name) == ("US", "United States")


@pytest.mark.parametrize("country, days", [("Atlantis", 5), ("ES", 0), ("ES", 400)])
def test_bad_roaming_requests(service, demo, country, days):
    with pytest.raises(InvalidRequest):
        service.roaming_quote(customer_id=demo["Tom"], country=country, days=days)


def test_arrangement_eligibility_by_policy(service, demo):
    gareth = service.arrangement_eligibility(customer_id=demo["Gareth"])
    assert gareth.eligible and gareth.amount_due == D("60.00")
    assert max(o.instalments for o in gareth.options
               if o.kind is ArrangementKind.INSTALMENTS) == 6
    assert service.arrangement_eligibility(customer_id=demo["Emma"]).reason is \
        EligibilityReason.NOTHING_DUE
    assert service.arrangement_eligibility(customer_id=demo["Aisha"]).reason is \
        EligibilityReason.PREPAID


def test_recent_interactions_on_every_channel(service, demo):
    history = service.recent_interactions(customer_id=demo["Olivia"], limit=5)
    assert [i.channel for i in history] == [Channel.WEBCHAT, Channel.SMS, Channel.WHATSAPP]
    assert history[0].handed_off and history[0].case_reference == "FLT-DEMO0107"
    assert [i.occurred_at for i in history] == sorted((i.occurred_at for i in history),
                                                      reverse=True)
    assert len(service.recent_interactions(customer_id=demo["Olivia"], limit=1)) == 1
    only_sms = service.recent_interactions(customer_id=demo["Olivia"], channel="sms")
    assert [i.channel for i in only_sms] == [Channel.SMS]


def test_verify_pin(service, demo):
    assert service.verify_pin(customer_id=demo["Gareth"], pin="9753")
    assert not service.verify_pin(customer_id=demo["Gareth"], pin="9754")
    assert not service.verify_pin(customer_id=demo["Gareth"], pin="")


def test_read_paths_write_nothing(seeded_db, service, demo):
    def counts():
        with seeded_db.engine.connect() as connection:
            return {t.name: connection.execute(select(func.count()).select_from(t)).scalar()
                    for t in Base.metadata.sorted_tables if t.name.split("_")[0] in
                    {"crm", "bil", "cat", "sub", "net", "eng"}}

    before = counts()
    for customer_id in demo.values():
        service.get_profile(customer_id=customer_id)
        service.explain_bill(customer_id=customer_id)
        service.recommend_plan(customer_id=customer_id)
        service.arrangement_eligibility(customer_id=customer_id)
        service.roaming_quote(customer_id=customer_id, country="FR", days=4)
        service.find_customer(channel="sms", address="+447700900199")
    assert counts() == before
