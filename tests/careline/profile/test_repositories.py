"""Repository queries on rows built in the test, in a rolled-back transaction, on both backends."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from careline.profile import models
from careline.profile.repositories import billing, crm, engagement, network

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_session(request):
    return request.getfixturevalue("session" if request.param == "sqlite" else "pg_session")


def make_customer(session, account="CL1", msisdn="+447700900150"):
    session.add(models.NetworkArea(code="T1", name="Testville", region="Test")) \
        if session.get(models.NetworkArea, "T1") is None else None
    customer = models.Customer(
        account_number=account, first_name="Ada", last_name="Lovelace", segment="postpaid",
        customer_since=date(2020, 1, 1), address_line1="1 Test Street", town="Testville",
        postcode="T1 1AA", area_code="T1", marketing_opt_in=False, outage_notifications=True,
        created_at=NOW)
    customer.identities = [models.CustomerIdentity(kind="msisdn", value=msisdn, opted_out=False)]
    session.add(customer)
    session.flush()
    return customer


def test_identity_lookup_is_exact_on_normalised_values(db_session):
    customer = make_customer(db_session)
    found = crm.get_customer_by_identity(session=db_session, kind="msisdn", value="+447700900150")
    assert found.id == customer.id
    assert crm.get_customer_by_identity(session=db_session, kind="whatsapp",
                                        value="+447700900150") is None
    assert crm.get_customer_by_account(session=db_session, account_number="CL1").id == customer.id


def test_a_committed_row_is_rolled_back_after_the_test(db_session):
    make_customer(db_session, account="CL-ROLLBACK")
    db_session.commit()
    assert crm.count_customers(session=db_session) >= 1


def test_previous_test_left_nothing_behind(db_session):
    assert crm.get_customer_by_account(session=db_session, account_number="CL-ROLLBACK") is None


def test_latest_invoices_with_lines_by_account_number(db_session):
    customer = make_customer(db_session)
    account = models.BillingAccount(customer_id=customer.id, payment_type="postpaid",
                                    currency="GBP", autopay=False)
    db_session.add(account)
    db_session.flush()
    for month, paid in ((1, True), (2, False), (3, False)):
        start = date(2026, month, 1)
        invoice = models.Invoice(account_id=account.id, invoice_number=f"I-{month}",
                                 period_start=start, period_end=start + timedelta(days=27),
                                 issued_on=start + timedelta(days=28),
                                 due_on=start + timedelta(days=42), total=D("24.00"),
                                 amount_paid=D("24.00") if paid else D("4.00"))
        invoice.lines = [models.InvoiceLineRow(category="plan", description="Plan",
                                               amount=D("20.00")),
                         models.InvoiceLineRow(category="tax", description="VAT",
                                               amount=D("4.00"))] if month != 2 else []
        db_session.add(invoice)
    db_session.flush()
    rows = billing.latest_invoices_with_lines(session=db_session, account_number="CL1", limit=2)
    assert [(r.invoice_number, r.currency, r.line_category) for r in rows] == [
        ("I-3", "GBP", "plan"), ("I-3", "GBP", "tax"), ("I-2", "GBP", None)]
    assert rows[0].total - rows[0].amount_paid == D("20.00")


def test_incidents_for_area_hide_resolved_unless_asked(db_session):
    make_customer(db_session)
    for reference, status, hours in (("I-OLD", "resolved", 48), ("I-NEW", "fixing", 2)):
        db_session.add(models.Incident(reference=reference, area_code="T1", title=reference,
                                       severity="minor", status=status,
                                       started_at=NOW - timedelta(hours=hours)))
    db_session.flush()
    assert [i.reference for i in network.incidents_for_area(
        session=db_session, area_code="T1", include_resolved=False)] == ["I-NEW"]
    assert [i.reference for i in network.incidents_for_area(
        session=db_session, area_code="T1", include_resolved=True)] == ["I-NEW", "I-OLD"]
    started = network.get_incident(session=db_session, reference="I-NEW").started_at
    assert started == NOW - timedelta(hours=2) and started.tzinfo is not None


def test_recent_interactions_newest_first_with_case_reference(db_session):
    customer = make_customer(db_session)
    case = engagement.add_case(session=db_session, case=models.Case(
        reference="C-1", customer_id=customer.id, kind="fault", status="open", summary="x",
        channel="sms", opened_at=NOW))
    for minutes, channel in ((10, "sms"), (5, "whatsapp"), (1, "webchat")):
        engagement.add_interaction(session=db_session, interaction=models.Interaction(
            customer_id=customer.id, channel=channel, occurred_at=NOW + timedelta(minutes=minutes),
            summary=channel, outcome="resolved", handed_off=False,
            case_id=case.id if channel == "sms" else None))
    rows = engagement.recent_interactions(session=db_session, customer_id=customer.id, limit=2)
    assert [(row.channel, row.case_reference) for row in rows] == [("sms", "C-1"),
                                                                    ("whatsapp", None)]
    assert db_session.execute(select(func.count(models.Interaction.id))).scalar() >= 3
