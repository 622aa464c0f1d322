"""What is due when: each bill on its own date, arrangements instead of the bills they cover."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from typing import Optional

from careline.profile.balance import balance_of
from careline.profile.schemas import (
    ArrangementInfo, ArrangementKind, ArrangementStatus, BalanceInfo, ContactPreferences,
    CustomerInfo, InvoiceInfo, InvoiceStatus, PaymentType, Segment, ServiceAddress,
)
from careline.profile.silos.protocols import AccountState

TODAY = date(2026, 12, 6)
CUSTOMER = CustomerInfo(
    customer_id=1, account_number="CL00000001", first_name="Gareth", full_name="Gareth Jones",
    segment=Segment.POSTPAID, customer_since=date(2018, 9, 3), identities=(),
    address=ServiceAddress("3 Bute Terrace", "Cardiff", "CF10 2FE", "CF10", "Cardiff centre"),
    preferences=ContactPreferences(None, False, True), has_pin=True)


def bill(number: str, issued_on: date, total: str, paid: str = "0") -> InvoiceInfo:
    due_on = issued_on + timedelta(days=14)
    outstanding = D(total) - D(paid)
    return InvoiceInfo(invoice_number=number, period_start=issued_on - timedelta(days=30),
                       period_end=issued_on - timedelta(days=1), issued_on=issued_on,
                       due_on=due_on, total=D(total), outstanding=outstanding,
                       status=(InvoiceStatus.PAID if outstanding <= 0 else
                               InvoiceStatus.OVERDUE if due_on < TODAY else InvoiceStatus.ISSUED),
                       lines=())


def arrangement(created_on: date, *instalments: tuple[date, str]) -> ArrangementInfo:
    return ArrangementInfo(reference="PA-1", kind=ArrangementKind.INSTALMENTS,
                           status=ArrangementStatus.ACTIVE,
                           amount=sum((D(a) for _, a in instalments), D("0")),
                           schedule=tuple((due, D(a)) for due, a in instalments),
                           created_on=created_on)


def balance(bills: list[InvoiceInfo], agreed: Optional[ArrangementInfo] = None,
            today: date = TODAY) -> BalanceInfo:
    account = AccountState(payment_type=PaymentType.POSTPAID, autopay=False,
                           prepaid_credit=None, last_payment=None,
                           arrangements=(agreed,) if agreed else (), currency="GBP")
    return balance_of(customer=CUSTOMER, account=account, bills=sorted(
        bills, key=lambda b: b.issued_on, reverse=True), today=today)


NOVEMBER = bill("INV-11", date(2026, 11, 1), "24.00")  # due 15 November: past
DECEMBER = bill("INV-12", date(2026, 12, 1), "36.00")  # due 15 December: to come


def test_each_bill_is_due_on_its_own_date_and_only_the_past_one_is_overdue():
    owed = balance([NOVEMBER, DECEMBER])
    assert [(i.amount, i.due_on, i.overdue, i.invoice_number) for i in owed.schedule] == [
        (D("24.00"), date(2026, 11, 15), True, "INV-11"),
        (D("36.00"), date(2026, 12, 15), False, "INV-12")]
    assert owed.amount_due == D("60.00") and owed.overdue_amount == D("24.00")
    assert owed.due_on == date(2026, 11, 15) and owed.days_overdue == 21


def test_a_bill_due_today_is_not_overdue_yet():
    owed = balance([DECEMBER], today=date(2026, 12, 15))
    assert not owed.is_overdue and owed.days_overdue == 0
    assert owed.schedule[0].overdue is False


def test_an_arrangement_replaces_the_bills_it_covers():
    agreed = arrangement(TODAY, (date(2026, 12, 13), "20.00"), (date(2027, 1, 12), "20.00"),
                         (date(2027, 2, 11), "20.00"))
    owed = balance([NOVEMBER, DECEMBER], agreed)
    assert not owed.is_overdue and owed.amount_due == D("60.00")
    assert [(i.due_on, i.amount, i.arrangement_reference) for i in owed.schedule] == [
        (date(2026, 12, 13), D("20.00"), "PA-1"), (date(2027, 1, 12), D("20.00"), "PA-1"),
        (date(2027, 2, 11), D("20.00"), "PA-1")]
    assert owed.due_on == date(2026, 12, 13) and owed.arrangement == agreed


def test_payments_clear_the_earliest_instalments_and_a_missed_one_is_overdue():
    agreed = arrangement(date(2026, 11, 20), (date(2026, 11, 27), "30.00"),
                         (date(2026, 12, 27), "30.00"))
    paid_one = [bill("INV-11", date(2026, 11, 1), "24.00", paid="24.00"),
                bill("INV-10", date(2026, 10, 1), "36.00", paid="6.00")]
    owed = balance(paid_one, agreed)
    assert [(i.due_on, i.amount, i.overdue) for i in owed.schedule] == [
        (date(2026, 12, 27), D("30.00"), False)]
    missed = balance([NOVEMBER, bill("INV-10", date(2026, 10, 1), "36.00")], agreed)
    assert missed.overdue_amount == D("30.00") and missed.days_overdue == 9
    assert [i.overdue for i in missed.schedule] == [True, False]


def test_a_bill_issued_after_the_arrangement_falls_due_on_its_own_date():
    agreed = arrangement(date(2026, 11, 20), (date(2026, 11, 27), "12.00"),
                         (date(2026, 12, 27), "12.00"))
    owed = balance([NOVEMBER, DECEMBER], agreed, today=date(2026, 12, 2))
    assert [(i.due_on, i.amount, i.invoice_number, i.arrangement_reference)
            for i in owed.schedule] == [
        (date(2026, 11, 27), D("12.00"), None, "PA-1"),
        (date(2026, 12, 15), D("36.00"), "INV-12", None),
        (date(2026, 12, 27), D("12.00"), None, "PA-1")]
    assert owed.overdue_amount == D("12.00")


def test_nothing_unpaid_means_nothing_scheduled():
    owed = balance([bill("INV-11", date(2026, 11, 1), "24.00", paid="24.00")])
    assert owed.schedule == () and owed.due_on is None and owed.amount_due == 0
