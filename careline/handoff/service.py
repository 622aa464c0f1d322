"""Hand a conversation off: decide, build the context package, write it to the outbox.

The one cross-feature flow of the handoff: it reads the profile store (for
the snapshot) and the desk's queue load (for an honest expected wait), and
writes only to the outbox. Sync, for ``run_blocking`` in the action server.
The desk is passed in as a :class:`DeskQueue` (careline/desk/handoff_flow.py
wires the real one): the desk imports the handoff, never the other way round.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from careline import clock
from careline.db.session import get_engine
from careline.handoff.outbox import OutboxService
from careline.handoff.package import HandoffRequest, build_context_package
from careline.handoff.policy import HandoffPolicy, get_policy
from careline.handoff.schemas import ContextPackage, CustomerSnapshot
from careline.handoff.sentiment import score_conversation
from careline.handoff.service_hours import expected_wait_minutes, window_at
from careline.handoff.snapshot import snapshot_profile
from careline.handoff.transcript import RasaEvent, consecutive_fallbacks, read_conversation
from careline.handoff.triggers import TriggerDecision, decide
from careline.observability.metrics import HANDOFFS
from careline.settings import get_settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConversationFacts:
    """What the action reads from the tracker."""

    conversation_id: str
    channel: str
    sender: Optional[str]
    customer_id: Optional[int]
    verified: bool
    slot_reason: Optional[str]
    latest_intent: Optional[str]
    events: tuple[RasaEvent, ...]


class QueueLoad(Protocol):
    @property
    def waiting(self) -> int:
        """Customers waiting for an agent now."""

    @property
    def agents(self) -> int:
        """Agents signed in now."""


class DeskQueue(Protocol):
    def load(self) -> QueueLoad:
        """How busy the desk is now; raises SQLAlchemyError when it cannot tell."""


@dataclass(frozen=True)
class HandoffOutcome:
    """``package`` is None when no enabled trigger applies (the policy switched it off)."""

    package: Optional[ContextPackage]
    customers_ahead: int = 0


class HandoffService:
    def __init__(self, engine: Optional[Engine] = None,
                 policy: Optional[HandoffPolicy] = None, *, desk: DeskQueue) -> None:
        # explicit URL: get_engine() without one caches the first test's database
        self._engine = engine or get_engine(get_settings().resolved_database_url)
        self._policy = policy
        self._desk = desk

    @property
    def policy(self) -> HandoffPolicy:
        return self._policy or get_policy()

    def hand_off(self, facts: ConversationFacts, *, now: Optional[datetime] = None) -> HandoffOutcome:
        """Build and durably store the handoff; raises if the outbox cannot be written."""
        now = now or clock.now()
        policy = self.policy
        customer, note = self._snapshot(facts)
        record = read_conversation(facts.events)
        mood = score_conversation(list(record.customer_messages))
        decision = decide(policy, slot_reason=facts.slot_reason,
                          latest_intent=facts.latest_intent,
                          consecutive_fallbacks=consecutive_fallbacks(facts.events),
                          sentiment=mood.score, segment=customer.segment if customer else None)
        if decision is None:
            return HandoffOutcome(package=None)
        ahead, agents = self._queue_load()
        window = window_at(policy.service_hours, now)
        wait = expected_wait_minutes(policy.service_hours, customers_ahead=ahead,
                                     agents=agents) if window.open_now else None
        package = build_context_package(HandoffRequest(
            conversation_id=facts.conversation_id, channel=facts.channel, sender=facts.sender,
            events=facts.events, decision=decision, customer=customer, profile_note=note,
            window=window, expected_wait_minutes=wait, now=now), policy)
        _, created = OutboxService(self._engine).enqueue(package=package, now=now)
        if created:
            HANDOFFS.labels(package.reason.value).inc()
            self._record_interaction(facts, decision, package)
        return HandoffOutcome(package=package, customers_ahead=ahead)

    def _snapshot(self, facts: ConversationFacts) -> tuple[Optional[CustomerSnapshot], Optional[str]]:
        if facts.customer_id is None:
            return None, "customer not identified on this channel"
        from careline.profile.service import ProfileService

        try:
            profile = ProfileService(self._engine).get_profile(customer_id=facts.customer_id)
        except Exception as error:  # a silo down must not stop the handoff
            logger.warning("profile unavailable for handoff: %s", error)
            return None, f"profile store unavailable ({error.__class__.__name__})"
        return snapshot_profile(profile, verified=facts.verified), None

    def _queue_load(self) -> tuple[int, int]:
        try:
            load = self._desk.load()
        except SQLAlchemyError as error:
            logger.warning("desk queue unknown: %s", error)
            return 0, 1
        return load.waiting, load.agents

    def _record_interaction(self, facts: ConversationFacts, decision: TriggerDecision,
                            package: ContextPackage) -> None:
        """Note the handoff in the customer's history; best effort, the handoff is stored."""
        if facts.customer_id is None:
            return
        from careline.profile.enums import InteractionOutcome
        from careline.profile.service import ProfileService

        try:
            ProfileService(self._engine).record_interaction(
                customer_id=facts.customer_id, channel=facts.channel,
                summary=f"Handed to an agent: {decision.detail}", intent=facts.latest_intent,
                outcome=InteractionOutcome.HANDED_OFF, handed_off=True,
                conversation_id=facts.conversation_id, occurred_at=package.created_at)
        except Exception as error:
            logger.warning("could not record the handoff interaction: %s", error)
