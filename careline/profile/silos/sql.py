"""The SQL implementation of every silo, over Careline's own tables.

Each class is bound to one session (the service opens one per call) and maps
ORM rows to schemas here, so no row escapes the silo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Optional

from sqlalchemy.orm import Session

from careline.profile import models
from careline.profile.pins import pin_matches
from careline.profile.repositories import billing, catalogue, crm, engagement, network
from careline.profile.repositories import subscriptions
from careline.profile.schemas import (
    ActiveAddOn, AddOnInfo, AddOnKind, ArrangementInfo, ArrangementKind, ArrangementStatus,
    BillCategory, CaseKind, CaseRef, CaseStatus, Channel, ContactPreferences, CustomerInfo,
    CustomerRef, Identity, IdentityKind, IncidentSeverity, IncidentStatus, InteractionInfo,
    InteractionOutcome, InvoiceInfo, InvoiceLine, InvoiceStatus, LineInfo, OutageInfo,
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
        row = crm.get_customer(session=self.session, customer_id=customer_id,
                               with_identities=True)
        if row is None:
            return None
        area = network.get_area(session=self.session, code=row.area_code)
        return CustomerInfo(
            customer_id=row.id, account_number=row.account_number, first_name=row.first_name,
            full_name=f"{row.first_name} {row.last_name}", segment=Segment(row.segment),
            customer_since=row.customer_since,
            identities=tuple(Identity(IdentityKind(i.kind), i.value, i.opted_out)
                             for i in row.identities),
            address=ServiceAddress(row.address_line1, row.town, row.postcode, row.area_code,
                                   area.name if area else row.area_code),
            preferences=ContactPreferences(
                Channel(row.preferred_channel) if row.preferred_channel else None,
                row.marketing_opt_in, row.outage_notifications),
            has_pin=row.pin_hash is not None,
        )

    def verify_pin(self, *, customer_id: int, pin: str) -> bool:
        row = crm.get_customer(session=self.session, customer_id=customer_id)
        return pin_matches(pin, row.pin_hash if row else None)


def customer_ref(row: models.Customer, kind: IdentityKind, value: str) -> CustomerRef:
    return CustomerRef(customer_id=row.id, account_number=row.account_number,
                       first_name=row.first_name, full_name=f"{row.first_name} {row.last_name}",
                       segment=Segment(row.segment), matched_by=kind, identity=value)


@dataclass(frozen=True)
class SqlBills:
    session: Session
    today: date

    def bills(self, *, account_number: str, limit: int) -> tuple[InvoiceInfo, ...]:
        rows = billing.latest_invoices_by_account_number(
            session=self.session, account_number=account_number, limit=limit)
        return tuple(invoice_info(row, self.today, currency) for row, currency in rows)


def invoice_info(row: models.Invoice, today: date, currency: str) -> InvoiceInfo:
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
        lines=tuple(InvoiceLine(BillCategory(line.category), line.description, line.amount)
                    for line in row.lines),
        currency=currency)


@dataclass(frozen=True)
class SqlBillingAccounts:
    session: Session

    def account(self, *, customer_id: int) -> Optional[AccountState]:
        row = billing.get_account(session=self.session, customer_id=customer_id)
        if row is None:
            return None
        payment = billing.last_payment(session=self.session, account_id=row.id)
        return AccountState(
            payment_type=PaymentType(row.payment_type), autopay=row.autopay,
            prepaid_credit=row.prepaid_credit,
            last_payment=(PaymentInfo(payment.paid_on, payment.amount, payment.method)
                          if payment else None),
            arrangements=tuple(arrangement_info(a) for a in
                               billing.arrangements(session=self.session, account_id=row.id)),
            currency=row.currency)


def arrangement_info(row: models.Arrangement) -> ArrangementInfo:
    return ArrangementInfo(reference=row.reference, kind=ArrangementKind(row.kind),
                           status=ArrangementStatus(row.status), amount=row.amount,
                           schedule=tuple((i.due_on, i.amount) for i in row.instalments),
                           created_on=row.created_on)


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


def plan_info(row: models.Plan) -> PlanInfo:
    return PlanInfo(code=row.code, name=row.name, payment_type=PaymentType(row.payment_type),
                    monthly_price=row.monthly_price, data_gb=row.data_gb, minutes=row.minutes,
                    texts=row.texts, contract_months=row.contract_months,
                    roaming_included=row.roaming_included, available=row.available)


def add_on_info(row: models.AddOn) -> AddOnInfo:
    return AddOnInfo(code=row.code, name=row.name, kind=AddOnKind(row.kind), price=row.price,
                     validity_days=row.validity_days, zone=row.zone, data_gb=row.data_gb)


@dataclass(frozen=True)
class SqlUsage:
    session: Session

    def lines(self, *, customer_id: int, today: date, history: int) -> tuple[LineInfo, ...]:
        result = []
        for line in subscriptions.lines_for_customer(session=self.session,
                                                     customer_id=customer_id):
            cycles = [usage_cycle(row) for row in subscriptions.usage_cycles(
                session=self.session, line_id=line.id, limit=history + 1)]
            usage = (UsageSummary(current=cycles[0], data_allowance_gb=line.plan.data_gb,
                                  history=tuple(cycles[1:])) if cycles else None)
            add_ons = tuple(
                ActiveAddOn(add_on_info(row.add_on), row.starts_on, row.ends_on, row.destination)
                for row in subscriptions.active_add_ons(session=self.session, line_id=line.id,
                                                        on=today))
            result.append(LineInfo(msisdn=line.msisdn, plan=plan_info(line.plan),
                                   started_on=line.started_on,
                                   contract_ends_on=line.contract_ends_on, add_ons=add_ons,
                                   usage=usage))
        return tuple(result)


def usage_cycle(row: models.UsageCycleRow) -> UsageCycle:
    return UsageCycle(row.cycle_start, row.cycle_end, row.data_gb, row.minutes, row.texts,
                      row.roaming_data_gb)


@dataclass(frozen=True)
class SqlNetwork:
    session: Session

    def outages(self, *, area_code: str, include_resolved: bool) -> tuple[OutageInfo, ...]:
        rows = network.incidents_for_area(session=self.session, area_code=area_code,
                                          include_resolved=include_resolved)
        return tuple(outage_info(row) for row in rows)


def outage_info(row: models.Incident) -> OutageInfo:
    return OutageInfo(
        reference=row.reference, title=row.title, area_code=row.area_code,
        area_name=row.area.name, services=tuple(sorted(
            (ServiceKind(s.service) for s in row.services), key=lambda s: s.value)),
        status=IncidentStatus(row.status), severity=IncidentSeverity(row.severity),
        started_at=row.started_at, eta=row.eta, resolved_at=row.resolved_at,
        updates=tuple(OutageUpdate(u.at, IncidentStatus(u.status), u.message)
                      for u in row.updates))


@dataclass(frozen=True)
class SqlEngagement:
    session: Session

    def interactions(self, *, customer_id: int, limit: int,
                     channel: Optional[Channel] = None) -> tuple[InteractionInfo, ...]:
        rows = engagement.recent_interactions(session=self.session, customer_id=customer_id,
                                              limit=limit,
                                              channel=channel.value if channel else None)
        return tuple(interaction_info(row, reference) for row, reference in rows)

    def open_cases(self, *, customer_id: int) -> tuple[CaseRef, ...]:
        return tuple(case_ref(row) for row in
                     engagement.open_cases(session=self.session, customer_id=customer_id))


def interaction_info(row: models.Interaction, case_reference: Optional[str]) -> InteractionInfo:
    return InteractionInfo(
        interaction_id=row.id, channel=Channel(row.channel), occurred_at=row.occurred_at,
        intent=row.intent, summary=row.summary, outcome=InteractionOutcome(row.outcome),
        handed_off=row.handed_off, satisfaction=row.satisfaction,
        case_reference=case_reference)


def case_ref(row: models.Case) -> CaseRef:
    return CaseRef(reference=row.reference, kind=CaseKind(row.kind),
                   status=CaseStatus(row.status), opened_at=row.opened_at, summary=row.summary)
