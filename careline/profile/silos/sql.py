"""The SQL implementation of every silo, over Careline's own tables.

Each class is bound to one session (the service opens one per call) and maps
rows to schemas here, so no row escapes the silo. Reads get plain rows from a
few joined Core queries (see ``careline.profile.repositories``): one lookup is a
fixed handful of statements whatever the customer's history; the mappers for
plans, add-ons and cases also take the ORM objects the write commands hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Callable, Hashable, Iterable, Optional, Sequence

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from careline.profile import models
from careline.profile.pins import pin_matches
from careline.profile.repositories import billing, catalogue, crm, engagement, network
from careline.profile.repositories import subscriptions, unified
from careline.profile.schemas import (
    ActiveAddOn, AddOnInfo, AddOnKind, ArrangementInfo, ArrangementKind, ArrangementStatus,
    BillCategory, CaseKind, CaseRef, CaseStatus, Channel, ContactPreferences, CustomerInfo,
    CustomerRef, Identity, IdentityKind, IncidentSeverity, IncidentStatus, InteractionInfo,
    InteractionOutcome, InvoiceInfo, InvoiceLine, InvoiceStatus, LineInfo, NetworkAreaInfo,
    OutageInfo,
    OutageUpdate, PaymentInfo, PaymentType, PlanInfo, Segment, ServiceAddress, ServiceKind,
    UsageCycle, UsageSummary,
)
from careline.profile.silos.protocols import AccountState, Destination

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class SqlCrm:
    session: Session

    def find_by_identity(self, *, kind: IdentityKind, value: str) -> Optional[CustomerRef]:
        row = crm.get_customer_by_identity(session=self.session, kind=kind.value, value=value)
        return customer_ref(row, kind, value) if row else None

    def find_by_account(self, *, account_number: str) -> Optional[CustomerRef]:
        row = crm.get_customer_by_account(session=self.session,
                                          account_number=account_number.strip().upper())
        return (customer_ref(row, IdentityKind.ACCOUNT_NUMBER, row.account_number)
                if row else None)

    def customer(self, *, customer_id: int) -> Optional[CustomerInfo]:
        rows = crm.customer_profile_rows(session=self.session, customer_id=customer_id)
        return customer_info(rows) if rows else None

    def verify_pin(self, *, customer_id: int, pin: str) -> bool:
        row = crm.get_customer(session=self.session, customer_id=customer_id)
        return pin_matches(pin, row.pin_hash if row else None)


def customer_info(rows: Sequence[Row]) -> CustomerInfo:
    """The customer from its rows (one per identity)."""
    row = rows[0]
    return CustomerInfo(
        customer_id=row.id, account_number=row.account_number, first_name=row.first_name,
        full_name=f"{row.first_name} {row.last_name}", segment=Segment(row.segment),
        customer_since=row.customer_since,
        identities=tuple(Identity(IdentityKind(r.identity_kind), r.identity_value,
                                  r.identity_opted_out)
                         for r in rows if r.identity_kind is not None),
        address=ServiceAddress(row.address_line1, row.town, row.postcode, row.area_code,
                               row.area_name or row.area_code),
        preferences=ContactPreferences(
            Channel(row.preferred_channel) if row.preferred_channel else None,
            row.marketing_opt_in, row.outage_notifications),
        has_pin=row.pin_hash is not None,
    )


def customer_ref(row: Row, kind: IdentityKind, value: str) -> CustomerRef:
    return CustomerRef(customer_id=row.id, account_number=row.account_number,
                       first_name=row.first_name, full_name=f"{row.first_name} {row.last_name}",
                       segment=Segment(row.segment), matched_by=kind, identity=value)


@dataclass(frozen=True)
class SqlBills:
    session: Session
    today: date

    def bills(self, *, account_number: str, limit: int) -> tuple[InvoiceInfo, ...]:
        return invoices(billing.latest_invoices_with_lines(
            session=self.session, account_number=account_number, limit=limit), self.today)


def invoices(rows: Sequence[Row], today: date) -> tuple[InvoiceInfo, ...]:
    """Invoices from their rows (one per invoice line), in the rows' order."""
    return tuple(invoice_info(group[0], today, group)
                 for group in grouped(rows, key=lambda row: row.id))


def invoice_info(row: Row, today: date, lines: Sequence[Row]) -> InvoiceInfo:
    outstanding = max(row.total - row.amount_paid, ZERO)
    if outstanding <= 0:
        status = InvoiceStatus.PAID
    elif row.due_on < today:
        status = InvoiceStatus.OVERDUE
    else:
        status = InvoiceStatus.ISSUED
    return InvoiceInfo(
        invoice_number=row.invoice_number, period_start=row.period_start,
        period_end=row.period_end, issued_on=row.issued_on, due_on=row.due_on, total=row.total,
        outstanding=outstanding, status=status,
        lines=tuple(InvoiceLine(BillCategory(line.line_category), line.line_description,
                                line.line_amount)
                    for line in lines if line.line_category is not None),
        currency=row.currency)


@dataclass(frozen=True)
class SqlBillingAccounts:
    session: Session

    def account(self, *, customer_id: int) -> Optional[AccountState]:
        rows = billing.account_state_rows(session=self.session, customer_id=customer_id)
        return account_state(rows) if rows else None


def account_state(rows: Sequence[Row]) -> AccountState:
    """The account from its rows (one per arrangement instalment)."""
    row = rows[0]
    with_arrangement = [r for r in rows if r.arrangement_id is not None]
    return AccountState(
        payment_type=PaymentType(row.payment_type), autopay=row.autopay,
        prepaid_credit=row.prepaid_credit,
        last_payment=(PaymentInfo(row.payment_paid_on, row.payment_amount, row.payment_method)
                      if row.payment_paid_on is not None else None),
        arrangements=tuple(arrangement_from_rows(group) for group in
                           grouped(with_arrangement, key=lambda r: r.arrangement_id)),
        currency=row.currency)


def arrangement_info(row: models.Arrangement) -> ArrangementInfo:
    return ArrangementInfo(reference=row.reference, kind=ArrangementKind(row.kind),
                           status=ArrangementStatus(row.status), amount=row.amount,
                           schedule=tuple((i.due_on, i.amount) for i in row.instalments),
                           created_on=row.created_on)


def arrangement_from_rows(rows: Sequence[Row]) -> ArrangementInfo:
    """One arrangement from its joined rows (one per instalment, or one without any)."""
    row = rows[0]
    return ArrangementInfo(reference=row.arrangement_reference,
                           kind=ArrangementKind(row.arrangement_kind),
                           status=ArrangementStatus(row.arrangement_status),
                           amount=row.arrangement_amount,
                           schedule=tuple((r.instalment_due_on, r.instalment_amount)
                                          for r in rows if r.instalment_due_on is not None),
                           created_on=row.arrangement_created_on)


@dataclass(frozen=True)
class SqlCatalogue:
    session: Session

    def plans(self, *, payment_type: Optional[PaymentType] = None) -> tuple[PlanInfo, ...]:
        rows = catalogue.list_plans(session=self.session,
                                    payment_type=payment_type.value if payment_type else None)
        return tuple(plan_info(row) for row in rows)

    def destination(self, *, country: str) -> Optional[Destination]:
        row = catalogue.find_destination(session=self.session, country=country)
        return Destination(row.country_code, row.country_name, row.zone) if row else None

    def roaming_passes(self, *, zone: str) -> tuple[AddOnInfo, ...]:
        return tuple(add_on_info(row)
                     for row in catalogue.roaming_add_ons(session=self.session, zone=zone))


def plan_info(row: Any, prefix: str = "") -> PlanInfo:
    """From a plan row, or from a joined row whose plan columns are named ``prefix + name``."""
    c = _Prefixed(row, prefix)
    return PlanInfo(code=c.code, name=c.name, payment_type=PaymentType(c.payment_type),
                    monthly_price=c.monthly_price, data_gb=c.data_gb, minutes=c.minutes,
                    texts=c.texts, contract_months=c.contract_months,
                    roaming_included=c.roaming_included, available=c.available)


def add_on_info(row: Any, prefix: str = "") -> AddOnInfo:
    """From an add-on row, or a joined row whose add-on columns are ``prefix + name``."""
    c = _Prefixed(row, prefix)
    return AddOnInfo(code=c.code, name=c.name, kind=AddOnKind(c.kind), price=c.price,
                     validity_days=c.validity_days, zone=c.zone, data_gb=c.data_gb)


@dataclass(frozen=True)
class _Prefixed:
    """Reads ``name`` as ``row.<prefix><name>``: joined rows label other tables' columns."""

    row: Any
    prefix: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, self.prefix + name)


def grouped(rows: Iterable[Row], key: Callable[[Row], Hashable]) -> list[list[Row]]:
    """Consecutive rows with the same key, in order: joined one-to-many rows per parent."""
    groups: list[list[Row]] = []
    for row in rows:
        if groups and key(groups[-1][0]) == key(row):
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


@dataclass(frozen=True)
class SqlUsage:
    session: Session

    def lines(self, *, customer_id: int, today: date, history: int) -> tuple[LineInfo, ...]:
        return lines(subscriptions.active_add_ons(session=self.session,
                                                  customer_id=customer_id, on=today),
                     subscriptions.lines_with_usage(session=self.session,
                                                    customer_id=customer_id,
                                                    cycles=history + 1))


def lines(add_on_rows: Iterable[Row], line_rows: Sequence[Row]) -> tuple[LineInfo, ...]:
    """Lines from their rows (one per usage cycle) and the rows of their active add-ons."""
    add_ons: dict[int, list[ActiveAddOn]] = {}
    for row in add_on_rows:
        add_ons.setdefault(row.line_id, []).append(ActiveAddOn(
            add_on_info(row, prefix="add_on_"), row.starts_on, row.ends_on, row.destination))
    return tuple(line_info(group, tuple(add_ons.get(group[0].id, ())))
                 for group in grouped(line_rows, key=lambda row: row.id))


def line_info(rows: Sequence[Row], add_ons: tuple[ActiveAddOn, ...]) -> LineInfo:
    """One line from its rows (one per usage cycle, newest first)."""
    line = rows[0]
    plan = plan_info(line, prefix="plan_")
    cycles = [usage_cycle(row) for row in rows if row.cycle_cycle_start is not None]
    usage = (UsageSummary(current=cycles[0], data_allowance_gb=plan.data_gb,
                          history=tuple(cycles[1:])) if cycles else None)
    return LineInfo(msisdn=line.msisdn, plan=plan, started_on=line.started_on,
                    contract_ends_on=line.contract_ends_on, add_ons=add_ons, usage=usage)


def usage_cycle(row: Row) -> UsageCycle:
    return UsageCycle(row.cycle_cycle_start, row.cycle_cycle_end, row.cycle_data_gb,
                      row.cycle_minutes, row.cycle_texts, row.cycle_roaming_data_gb)


@dataclass(frozen=True)
class SqlNetwork:
    session: Session

    def areas(self) -> tuple[NetworkAreaInfo, ...]:
        return tuple(NetworkAreaInfo(row.code, row.name, row.region)
                     for row in network.list_areas(session=self.session))

    def outages(self, *, area_code: str, include_resolved: bool) -> tuple[OutageInfo, ...]:
        rows = network.incidents_for_area(session=self.session, area_code=area_code,
                                          include_resolved=include_resolved)
        return outages(rows, network.incident_services(
            session=self.session, incident_ids=sorted({row.id for row in rows})))


def outages(rows: Sequence[Row], service_rows: Iterable[Row]) -> tuple[OutageInfo, ...]:
    """Incidents from their rows (one per update) and ``(incident_id, service)`` rows."""
    services: dict[int, list[ServiceKind]] = {}
    for row in service_rows:
        services.setdefault(row.incident_id, []).append(ServiceKind(row.service))
    return tuple(outage_info(group, services.get(group[0].id, ()))
                 for group in grouped(rows, key=lambda row: row.id))


def outage_info(rows: Sequence[Row], services: Iterable[ServiceKind]) -> OutageInfo:
    """One incident from its rows (one per update, oldest first)."""
    row = rows[0]
    return OutageInfo(
        reference=row.reference, title=row.title, area_code=row.area_code,
        area_name=row.area_name, services=tuple(sorted(services, key=lambda s: s.value)),
        status=IncidentStatus(row.status), severity=IncidentSeverity(row.severity),
        started_at=row.started_at, eta=row.eta, resolved_at=row.resolved_at,
        updates=tuple(OutageUpdate(r.update_at, IncidentStatus(r.update_status),
                                   r.update_message)
                      for r in rows if r.update_at is not None))


@dataclass(frozen=True)
class SqlEngagement:
    session: Session

    def interactions(self, *, customer_id: int, limit: int,
                     channel: Optional[Channel] = None) -> tuple[InteractionInfo, ...]:
        rows = engagement.recent_interactions(session=self.session, customer_id=customer_id,
                                              limit=limit,
                                              channel=channel.value if channel else None)
        return tuple(interaction_info(row) for row in rows)

    def open_cases(self, *, customer_id: int) -> tuple[CaseRef, ...]:
        return tuple(case_ref(row) for row in
                     engagement.open_cases(session=self.session, customer_id=customer_id))


def interaction_info(row: Row) -> InteractionInfo:
    return InteractionInfo(
        interaction_id=row.id, channel=Channel(row.channel), occurred_at=row.occurred_at,
        intent=row.intent, summary=row.summary, outcome=InteractionOutcome(row.outcome),
        handed_off=row.handed_off, satisfaction=row.satisfaction,
        case_reference=row.case_reference)


def case_ref(row: Any) -> CaseRef:
    """From a case row or ORM object (same attribute names)."""
    return CaseRef(reference=row.reference, kind=CaseKind(row.kind),
                   status=CaseStatus(row.status), opened_at=row.opened_at, summary=row.summary)


@dataclass(frozen=True)
class ProfileParts:
    """Every silo's part of one customer's unified profile, as schemas."""

    customer: CustomerInfo
    bills: tuple[InvoiceInfo, ...]
    account: Optional[AccountState]
    lines: tuple[LineInfo, ...]
    outages: tuple[OutageInfo, ...]
    interactions: tuple[InteractionInfo, ...]
    open_cases: tuple[CaseRef, ...]


@dataclass(frozen=True)
class SqlProfile:
    """Every silo of one customer read in one statement (``repositories.unified``), mapped
    by the same functions as the per-silo reads above, so both give the same schemas."""

    session: Session
    today: date

    def parts(self, *, customer_id: int, bills: int, history: int, interactions: int,
              with_bills: bool) -> Optional[ProfileParts]:
        """None for an unknown customer; ``bills`` empty unless ``with_bills``."""
        rows = unified.profile_rows(session=self.session, customer_id=customer_id,
                                    today=self.today, bills=bills, cycles=history + 1,
                                    interactions=interactions, with_bills=with_bills)
        if rows is None:
            return None
        return ProfileParts(
            customer=customer_info(rows.customer), bills=invoices(rows.bills, self.today),
            account=account_state(rows.account) if rows.account else None,
            lines=lines(rows.add_ons, rows.lines),
            outages=outages(rows.outages, rows.services),
            interactions=tuple(interaction_info(row) for row in rows.interactions),
            open_cases=tuple(case_ref(row) for row in rows.open_cases))
