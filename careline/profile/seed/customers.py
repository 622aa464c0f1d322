"""Rows for one customer across every silo, shared by demo and synthetic seeding."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Optional, Sequence

from careline.profile import models
from careline.profile.enums import BillCategory
from careline.profile.seed.builder import DatasetBuilder, month_end, month_start
from careline.profile.seed.reference import PLAN_BY_CODE

OVERAGE_PER_GB = Decimal("2.50")
ROAMING_PER_GB = Decimal("6.00")
PAYMENT_TERMS = timedelta(days=14)
#: A paid bill is paid this long after it is issued, or today if that is sooner.
PAID_AFTER = timedelta(days=10)


@dataclass(frozen=True)
class CycleUsage:
    """Usage of one cycle; ``months_back`` 0 is the cycle in progress."""

    months_back: int
    data_gb: Decimal
    minutes: int
    texts: int
    roaming_gb: Decimal = Decimal("0")
    roaming_country: Optional[str] = None
    #: False when the plan includes roaming where the customer went (no charge).
    roaming_charged: bool = True
    one_offs: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class CustomerSpec:
    first_name: str
    last_name: str
    segment: str
    account_number: str
    customer_since: date
    address_line1: str
    town: str
    postcode: str
    area_code: str
    identities: tuple[tuple[str, str], ...]
    msisdn: str
    plan_code: str
    usage: tuple[CycleUsage, ...]
    pin_hash: Optional[str] = None
    preferred_channel: Optional[str] = None
    marketing_opt_in: bool = False
    autopay: bool = False
    prepaid_credit: Optional[Decimal] = None
    unpaid_months_back: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class SeededCustomer:
    customer_id: int
    account_id: int
    line_id: int


def add_customer(builder: DatasetBuilder, spec: CustomerSpec, *, today: date,
                 now: datetime) -> SeededCustomer:
    """The customer, identities, account, line, usage cycles, bills and payments."""
    customer_id = builder.add(
        models.Customer, account_number=spec.account_number, first_name=spec.first_name,
        last_name=spec.last_name, segment=spec.segment, customer_since=spec.customer_since,
        pin_hash=spec.pin_hash, address_line1=spec.address_line1, town=spec.town,
        postcode=spec.postcode, area_code=spec.area_code,
        preferred_channel=spec.preferred_channel, marketing_opt_in=spec.marketing_opt_in,
        outage_notifications=True, created_at=now)
    for kind, value in spec.identities:
        builder.add(models.CustomerIdentity, customer_id=customer_id, kind=kind, value=value,
                    opted_out=False, opted_out_at=None)
    plan = PLAN_BY_CODE[spec.plan_code]
    prepaid = plan[2] == "prepaid"
    account_id = builder.add(models.BillingAccount, customer_id=customer_id,
                             payment_type=plan[2], currency="GBP", autopay=spec.autopay,
                             prepaid_credit=spec.prepaid_credit if prepaid else None)
    started = max(spec.customer_since, today - timedelta(days=700))
    line_id = builder.add(
        models.Line, customer_id=customer_id, msisdn=spec.msisdn,
        plan_id=builder.plan_ids[spec.plan_code], started_on=started,
        contract_ends_on=(started + timedelta(days=30 * plan[7])) if plan[7] else None)
    for cycle in spec.usage:
        start = month_start(today, cycle.months_back)
        builder.add(models.UsageCycleRow, line_id=line_id, cycle_start=start,
                    cycle_end=month_end(start), data_gb=cycle.data_gb, minutes=cycle.minutes,
                    texts=cycle.texts, roaming_data_gb=cycle.roaming_gb)
        if cycle.months_back == 0:
            continue
        if prepaid:
            builder.add(models.Payment, account_id=account_id, paid_on=start + timedelta(days=2),
                        amount=plan[3], method="top_up")
            continue
        _add_bill(builder, spec, account_id, cycle, start, today=today)
    return SeededCustomer(customer_id, account_id, line_id)


def _add_bill(builder: DatasetBuilder, spec: CustomerSpec, account_id: int, cycle: CycleUsage,
              start: date, *, today: date) -> None:
    plan = PLAN_BY_CODE[spec.plan_code]
    lines: list[tuple[BillCategory, str, Decimal]] = [
        (BillCategory.PLAN, f"{plan[1]} monthly charge", plan[3])]
    allowance = plan[4]
    if allowance is not None and cycle.data_gb > allowance:
        over = (cycle.data_gb - allowance).quantize(Decimal("0.1"))
        lines.append((BillCategory.OVERAGE, f"Data beyond your allowance ({over} GB)",
                      over * OVERAGE_PER_GB))
    if cycle.roaming_gb > 0 and cycle.roaming_charged:
        where = cycle.roaming_country or "abroad"
        lines.append((BillCategory.ROAMING, f"Data roaming in {where} "
                      f"({cycle.roaming_gb.quantize(Decimal('0.1'))} GB)",
                      cycle.roaming_gb * ROAMING_PER_GB))
    lines.extend((BillCategory.ONE_OFF, text, amount) for text, amount in cycle.one_offs)
    issued = month_end(start) + timedelta(days=1)
    paid = cycle.months_back not in spec.unpaid_months_back
    total = builder.add_invoice(
        account_id=account_id, number=f"INV-{spec.account_number[2:]}-{start:%y%m}",
        period=(start, month_end(start)), issued_on=issued, due_on=issued + PAYMENT_TERMS,
        paid=paid, lines=lines)
    if paid:  # never in the future: on the 1st, today's bill is paid today
        builder.add(models.Payment, account_id=account_id, paid_on=min(issued + PAID_AFTER, today),
                    amount=total, method="direct_debit" if spec.autopay else "card")


def add_interaction(builder: DatasetBuilder, *, customer_id: int, channel: str,
                    occurred_at: datetime, intent: str, summary: str, outcome: str,
                    satisfaction: Optional[int] = None, case_id: Optional[int] = None) -> int:
    return builder.add(models.Interaction, customer_id=customer_id, channel=channel,
                       occurred_at=occurred_at, intent=intent, summary=summary, outcome=outcome,
                       handed_off=outcome == "handed_off", satisfaction=satisfaction,
                       conversation_id=None, case_id=case_id)


def add_incident(builder: DatasetBuilder, *, reference: str, area_code: str, title: str,
                 severity: str, status: str, started_at: datetime, eta: Optional[datetime],
                 services: Sequence[str], updates: Sequence[tuple[datetime, str, str]]) -> int:
    resolved_at = updates[-1][0] if status == "resolved" and updates else None
    incident_id = builder.add(models.Incident, reference=reference, area_code=area_code,
                              title=title, severity=severity, status=status,
                              started_at=started_at, eta=eta, resolved_at=resolved_at)
    for service in services:
        builder.add(models.IncidentService, incident_id=incident_id, service=service)
    for when, update_status, message in updates:
        builder.add(models.IncidentUpdate, incident_id=incident_id, at=when,
                    status=update_status, message=message)
    return incident_id
