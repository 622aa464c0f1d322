"""Who takes a new ticket: the least-loaded available agent with the skills it needs.

A ticket needs ``vip`` for a VIP customer, ``billing`` when it is about money (a
disputed charge, or the customer asked about their bill or balance) and ``network``
when it is about service (the customer reported a problem, or an outage is active
where they live). An agent qualifies when they are available (not away, signed in)
and have every skill the ticket needs; among them the one holding the fewest open
tickets takes it, so nobody drowns while a colleague waits. A ticket nobody
qualifies for stays in the queue for anyone to claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Optional

from careline.handoff.reasons import HandoffReason
from careline.handoff.schemas import ContextPackage


class Presence(str, Enum):
    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"


SKILLS = ("billing", "network", "vip")
_BILLING_INTENTS = frozenset({"ask_balance", "ask_due_date", "ask_bill_increase", "ask_how_to_pay",
                              "request_payment_arrangement", "dispute_charge"})
_NETWORK_INTENTS = frozenset({"check_outage", "outage_update", "subscribe_outage_updates"})


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    skills: frozenset[str]
    open_tickets: int


def parse_skills(text: str) -> frozenset[str]:
    """``"billing, vip"`` → skills; an unknown skill is refused (a typo routes nothing)."""
    skills = frozenset(part.strip().lower() for part in text.split(",") if part.strip())
    unknown = sorted(skills - set(SKILLS))
    if unknown:
        raise ValueError(f"unknown skill(s) {unknown}; known: {list(SKILLS)}")
    return skills


def needed_skills(package: ContextPackage) -> frozenset[str]:
    needs: set[str] = set()
    customer = package.customer
    if customer is not None and customer.segment == "vip":
        needs.add("vip")
    intents = {turn.intent for turn in package.understanding if turn.intent}
    if package.reason is HandoffReason.DISPUTE_OVER_THRESHOLD or intents & _BILLING_INTENTS:
        needs.add("billing")
    if intents & _NETWORK_INTENTS or (customer is not None and customer.active_outages):
        needs.add("network")
    return frozenset(needs)


def choose_agent(needs: frozenset[str], candidates: Iterable[Candidate]) -> Optional[int]:
    """The least-loaded qualified agent (lowest id on a tie, so the choice is stable)."""
    qualified = [c for c in candidates if needs <= c.skills]
    if not qualified:
        return None
    return min(qualified, key=lambda c: (c.open_tickets, c.agent_id)).agent_id
