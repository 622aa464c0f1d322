"""The store's writes: each validates, changes rows through repositories, returns a schema.

Called by :class:`~careline.profile.service.ProfileService` inside one
committed session; a raised error rolls the whole change back.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Optional

from sqlalchemy.orm import Session

from careline.profile import models, policy
from careline.profile.enums import CaseKind, CaseStatus
from careline.profile.repositories import billing, catalogue, crm, engagement, network
from careline.profile.repositories import subscriptions
from careline.profile.schemas import (
    ActiveAddOn, ArrangementEligibility, ArrangementInfo, ArrangementKind, CaseRef, Channel,
    CustomerNotFound, InteractionOutcome, InteractionRef, InvalidRequest,
    OutageSubscription, PlanChangeResult, PolicyViolation, RoamingPassResult, RoamingQuote,
    ServiceKind,
)
from careline.profile.silos.sql import add_on_info, arrangement_info, case_ref, plan_info

MAX_TEXT = 2000


def _customer(session: Session, customer_id: int) -> models.Customer:
    row = crm.get_customer(session=session, customer_id=customer_id)
    if row is None:
        raise CustomerNotFound(customer_id)
    return row


def _primary_line(session: Session, customer_id: int) -> models.Line:
    lines = subscriptions.lines_for_customer(session=session, customer_id=customer_id)
    if not lines:
        raise InvalidRequest("the customer has no mobile line")
    return lines[0]


def _reference(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4).upper()}"


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(f"the {what} is empty")
    if len(value) > MAX_TEXT:
        raise InvalidRequest(f"the {what} is longer than {MAX_TEXT} characters")
    return value.strip()


def change_plan(*, session: Session, customer_id: int, plan_code: str,
                today: date) -> PlanChangeResult:
    _customer(session, customer_id)
    line = _primary_line(session, customer_id)
    plan = catalogue.get_plan_by_code(session=session, code=plan_code)
    if plan is None or not plan.available:
        raise InvalidRequest(f"there is no plan {plan_code!r} on sale")
    if plan.id == line.plan_id:
        raise InvalidRequest(f"the customer is already on {plan.name}")
    if plan.payment_type != line.plan.payment_type:
        raise PolicyViolation("moving between prepaid and postpaid needs an agent")
    previous = plan_info(line.plan)
    ends = today + timedelta(days=30 * plan.contract_months) if plan.contract_months else None
    subscriptions.set_line_plan(session=session, line=line, plan=plan, contract_ends_on=ends)
    return PlanChangeResult(customer_id, line.msisdn, previous, plan_info(plan), today)


def add_roaming_passes(*, session: Session, customer_id: int, quote: RoamingQuote,
                       starts_on: date) -> RoamingPassResult:
    if quote.included_in_plan:
        raise PolicyViolation(f"roaming in {quote.country_name} is already included in the plan")
    best = quote.best
    if best is None:
        raise InvalidRequest(f"no roaming pass is sold for {quote.country_name}")
    line = _primary_line(session, customer_id)
    add_on = next(a for a in catalogue.roaming_add_ons(session=session, zone=quote.zone)
                  if a.code == best.add_on.code)
    bought = []
    for index in range(best.passes):
        start = starts_on + timedelta(days=index * add_on.validity_days)
        row = subscriptions.add_line_add_on(
            session=session, line=line, add_on=add_on, starts_on=start,
            ends_on=start + timedelta(days=add_on.validity_days - 1),
            destination=quote.country_code)
        bought.append(ActiveAddOn(add_on_info(add_on), row.starts_on, row.ends_on,
                                  row.destination))
    return RoamingPassResult(customer_id, line.msisdn, tuple(bought), best.total_price,
                             quote.country_code, vat_included=quote.vat_included)


def create_arrangement(*, session: Session, eligibility: ArrangementEligibility,
                       kind: ArrangementKind, instalments: int, deferral_days: int,
                       today: date) -> ArrangementInfo:
    problem = policy.check_arrangement_request(eligibility=eligibility, kind=kind,
                                               instalments=instalments,
                                               deferral_days=deferral_days)
    if problem:
        raise PolicyViolation(problem)
    account = billing.get_account(session=session, customer_id=eligibility.customer_id)
    if account is None:
        raise InvalidRequest("the customer has no billing account")
    amount = eligibility.amount_due
    schedule = (policy.instalment_schedule(amount, instalments, today)
                if kind is ArrangementKind.INSTALMENTS
                else [(today + timedelta(days=deferral_days), amount)])
    row = billing.add_arrangement(session=session, account_id=account.id,
                                  reference=_reference("PA"), kind=kind.value, amount=amount,
                                  created_on=today, schedule=schedule)
    return arrangement_info(row)


def open_dispute(*, session: Session, customer_id: int, amount: Decimal, reason: str,
                 invoice_number: Optional[str], channel: Channel, now: datetime) -> CaseRef:
    _customer(session, customer_id)
    try:
        value = Decimal(amount).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidRequest(f"{amount!r} is not an amount of money") from None
    if value <= 0:
        raise InvalidRequest("a disputed amount must be more than zero")
    case = models.Case(reference=_reference("DSP"), customer_id=customer_id,
                       kind=CaseKind.DISPUTE.value, status=CaseStatus.OPEN.value,
                       summary=_text(reason, "reason"), channel=channel.value, amount=value,
                       invoice_number=invoice_number, opened_at=now)
    return case_ref(engagement.add_case(session=session, case=case))


def report_fault(*, session: Session, customer_id: int, description: str,
                 service: Optional[ServiceKind], channel: Channel, now: datetime) -> CaseRef:
    _customer(session, customer_id)
    case = models.Case(reference=_reference("FLT"), customer_id=customer_id,
                       kind=CaseKind.FAULT.value, status=CaseStatus.OPEN.value,
                       summary=_text(description, "description"), channel=channel.value,
                       service=ServiceKind(service).value if service else None, opened_at=now)
    return case_ref(engagement.add_case(session=session, case=case))


def subscribe_outage_updates(*, session: Session, customer_id: int, channel: Channel,
                             incident_reference: Optional[str],
                             now: datetime) -> OutageSubscription:
    customer = _customer(session, customer_id)
    incident = None
    if incident_reference is not None:
        incident = network.get_incident(session=session, reference=incident_reference)
        if incident is None:
            raise InvalidRequest(f"there is no incident {incident_reference!r}")
    area_code = incident.area_code if incident else customer.area_code
    incident_id = incident.id if incident else None
    existing = network.find_outage_subscription(session=session, customer_id=customer_id,
                                                area_code=area_code, incident_id=incident_id)
    if existing is None:
        network.add_outage_subscription(session=session, customer_id=customer_id,
                                        area_code=area_code, incident_id=incident_id,
                                        channel=channel.value, at=now)
    elif existing.channel != channel.value:
        existing.channel = channel.value
    return OutageSubscription(customer_id, incident_reference, area_code, channel,
                              created=existing is None)


def record_interaction(*, session: Session, customer_id: Optional[int], channel: Channel,
                       summary: str, intent: Optional[str], outcome: InteractionOutcome,
                       handed_off: bool, satisfaction: Optional[int],
                       conversation_id: Optional[str], occurred_at: datetime,
                       case_reference: Optional[str]) -> InteractionRef:
    if customer_id is not None:
        _customer(session, customer_id)
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise InvalidRequest("satisfaction is a score from 1 to 5")
    if occurred_at.tzinfo is None:
        raise InvalidRequest("occurred_at must be timezone-aware")
    case_id = None
    if case_reference is not None:
        case = next((c for c in engagement.open_cases(session=session,
                                                      customer_id=customer_id or -1)
                     if c.reference == case_reference), None)
        if case is None:
            raise InvalidRequest(f"there is no open case {case_reference!r} for the customer")
        case_id = case.id
    row = engagement.add_interaction(session=session, interaction=models.Interaction(
        customer_id=customer_id, channel=channel.value, occurred_at=occurred_at,
        intent=(intent or None) and intent[:64], summary=_text(summary, "summary"),
        outcome=outcome.value, handed_off=handed_off or outcome is InteractionOutcome.HANDED_OFF,
        satisfaction=satisfaction, conversation_id=conversation_id, case_id=case_id))
    return InteractionRef(row.id, customer_id, row.occurred_at)
