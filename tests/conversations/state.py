"""Each conversation's own start and what it leaves behind, on the stack's real stores.

A conversation starts fresh: its Rasa conversation restarted (slots, forms and a pause for
an agent gone), the customer's one-time codes and failed checks cleared (a lockout from one
conversation must not decide the next), opt-outs undone, and, when the script asks,
payment arrangements made by earlier conversations removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

import requests
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from careline import clock
from careline.db.session import get_engine, session_scope
from careline.handoff.models import OutboxEntry
from careline.handoff.schemas import ContextPackage
from careline.identity.models import FailedCheck, OneTimeCode
from careline.profile import models
from tests.e2e.stack import CarelineStack

#: bulk statements: nothing loaded in the session to keep in step
QUIET = {"synchronize_session": False}


@dataclass(frozen=True)
class Party:
    """Who talks: a customer's row (None for a stranger or visitor) and their numbers."""

    customer_id: Optional[int]
    account: Optional[str]
    pin: Optional[str]
    number: Optional[str]


def restart_conversation(stack: CarelineStack, conversation_id: str) -> None:
    reply = requests.post(f"{stack.rasa_url}/conversations/{conversation_id}/tracker/events",
                          params={"token": stack.token}, json=[{"event": "restart"}],
                          timeout=30)
    reply.raise_for_status()


def start_new_session(stack: CarelineStack, conversation_id: str) -> None:
    """What Rasa does when a conversation has been quiet past the session expiry time."""
    reply = requests.post(f"{stack.rasa_url}/conversations/{conversation_id}/execute",
                          params={"token": stack.token},
                          json={"name": "action_session_start"}, timeout=60)
    reply.raise_for_status()


def reset_party(stack: CarelineStack, party: Party, fresh: tuple[str, ...]) -> None:
    engine = get_engine(stack.database_url)
    with session_scope(engine) as session:
        if party.customer_id is not None:
            session.execute(delete(FailedCheck).where(
                FailedCheck.customer_id == party.customer_id), execution_options=QUIET)
            session.execute(update(models.CustomerIdentity).where(
                models.CustomerIdentity.customer_id == party.customer_id).values(
                opted_out=False, opted_out_at=None), execution_options=QUIET)
        session.execute(delete(OneTimeCode).where(or_(
            OneTimeCode.customer_id == (party.customer_id or -1),
            OneTimeCode.sent_to == (party.number or ""))), execution_options=QUIET)
        if "cases" in fresh and party.customer_id is not None:
            _drop_new_cases(session, party.customer_id)
        if "notices" in fresh and party.customer_id is not None:
            from careline.proactive.models import Notification
            session.execute(delete(Notification).where(
                Notification.customer_id == party.customer_id), execution_options=QUIET)
        if "arrangements" in fresh and party.customer_id is not None:
            accounts = select(models.BillingAccount.id).where(
                models.BillingAccount.customer_id == party.customer_id)
            arrangements = select(models.Arrangement.id).where(
                models.Arrangement.account_id.in_(accounts))
            session.execute(delete(models.ArrangementInstalment).where(
                models.ArrangementInstalment.arrangement_id.in_(arrangements)),
                execution_options=QUIET)
            session.execute(delete(models.Arrangement).where(
                models.Arrangement.account_id.in_(accounts)), execution_options=QUIET)


def _drop_new_cases(session: Session, customer_id: int) -> None:
    """Cases opened since the customer was seeded (earlier conversations opened them)."""
    seeded = select(models.Customer.created_at).where(
        models.Customer.id == customer_id).scalar_subquery()
    case = models.Case
    ids = session.execute(select(case.id).where(
        case.customer_id == customer_id, case.opened_at > seeded)).scalars().all()
    session.execute(update(models.Interaction).where(models.Interaction.case_id.in_(ids))
                    .values(case_id=None), execution_options=QUIET)
    session.execute(delete(case).where(case.id.in_(ids)), execution_options=QUIET)


def resolved_notice(stack: CarelineStack, party: Party) -> None:
    """A "fixed" notice about the latest resolved incident in the customer's area, sent an
    hour ago, as the proactive planner records one."""
    from careline.proactive.models import Notification

    incident, customer = models.Incident, models.Customer
    with session_scope(get_engine(stack.database_url)) as session:
        reference, segment = session.execute(
            select(incident.reference, customer.segment)
            .join(customer, customer.area_code == incident.area_code)
            .where(customer.id == party.customer_id, incident.status == "resolved")
            .order_by(incident.resolved_at.desc()).limit(1)).one()
        sent = clock.now() - timedelta(hours=1)
        session.add(Notification(incident_id=reference, version=2, action="resolve",
                                 customer_id=party.customer_id, segment=segment,
                                 status="sent", tracker="none", created_at=sent, sent_at=sent))


def last_handoff_id(stack: CarelineStack) -> int:
    with session_scope(get_engine(stack.database_url)) as session:
        return session.execute(select(func.coalesce(func.max(OutboxEntry.id), 0))).scalar_one()


def handoffs_since(stack: CarelineStack, after_id: int,
                   conversation_id: str) -> list[ContextPackage]:
    with session_scope(get_engine(stack.database_url)) as session:
        payloads = session.execute(select(OutboxEntry.payload).where(
            OutboxEntry.id > after_id, OutboxEntry.conversation_id == conversation_id)
            .order_by(OutboxEntry.id)).scalars().all()
    return [ContextPackage.parse_raw(payload) for payload in payloads]


def future_money_dates(stack: CarelineStack, today: date) -> list[str]:
    """Payments dated after today, and bills issued after today (the seed must have none)."""
    with session_scope(get_engine(stack.database_url)) as session:
        payments = session.execute(select(models.Payment.id, models.Payment.paid_on).where(
            models.Payment.paid_on > today)).all()
        bills = session.execute(select(models.Invoice.id, models.Invoice.issued_on).where(
            models.Invoice.issued_on > today)).all()
    return [f"payment {i} on {d}" for i, d in payments] + [f"bill {i} on {d}" for i, d in bills]
