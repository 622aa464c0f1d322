"""Assemble the context package from a tracker's events, the profile and the policy."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Optional

from careline.handoff.policy import HandoffPolicy
from careline.handoff.priority import ContactLoad, compute_priority
from careline.handoff.intent_labels import intent_label
from careline.handoff.reasons import INTENT_REASONS, REASON_LABELS
from careline.handoff.schemas import (
    ContextPackage, ConversationRef, CustomerSnapshot, Sentiment, ServiceInfo,
)
from careline.handoff.sentiment import score_conversation
from careline.handoff.service_hours import ServiceWindow
from careline.handoff.transcript import (
    ConversationRecord, RasaEvent, latest_user_event, read_conversation,
)
from careline.handoff.triggers import TriggerDecision
from careline.handoff.vulnerability import detect_any

#: Small talk and the handoff triggers themselves say nothing about what the customer needs.
_NOT_TOPICS = frozenset({"greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge",
                         "out_of_scope", "inform", "verify_identity", *INTENT_REASONS})
_HANDOFF_NAMESPACE = uuid.UUID("0f6b8a52-6c3e-4c36-9a55-2d8c0c6a1e07")


@dataclass(frozen=True)
class HandoffRequest:
    """Everything the action knows when it hands off; the package is built from it."""

    conversation_id: str
    channel: str
    sender: Optional[str]
    events: tuple[RasaEvent, ...]
    decision: TriggerDecision
    customer: Optional[CustomerSnapshot]
    profile_note: Optional[str]
    window: ServiceWindow
    expected_wait_minutes: Optional[int]
    now: datetime


def idempotency_key(conversation_id: str, events: Iterable[RasaEvent]) -> str:
    """Same conversation and same triggering message, same key, however often it is retried."""
    latest = latest_user_event(events) or {}
    marker = latest.get("message_id") or str(latest.get("timestamp", "start"))
    digest = hashlib.sha256(f"{conversation_id}\0{marker}".encode()).hexdigest()
    return f"handoff-{digest[:32]}"


def build_context_package(request: HandoffRequest, policy: HandoffPolicy) -> ContextPackage:
    record = read_conversation(request.events)
    mood = score_conversation(list(record.customer_messages))
    sentiment = Sentiment(score=mood.score, label=mood.label, cues=mood.cues)
    segment = request.customer.segment if request.customer else None
    days = policy.priority.recent_contact_days
    history = ContactLoad.of(request.customer, now=request.now, days=days)
    priority = compute_priority(weights=policy.priority, segment=segment,
                                sentiment=mood.score, reason=request.decision.reason,
                                history=history)
    key = idempotency_key(request.conversation_id, request.events)
    return ContextPackage(
        handoff_id=uuid.uuid5(_HANDOFF_NAMESPACE, key),
        idempotency_key=key,
        created_at=request.now,
        conversation=ConversationRef(conversation_id=request.conversation_id,
                                     channel=request.channel, sender=request.sender,
                                     started_at=record.started_at),
        customer=request.customer,
        profile_note=request.profile_note,
        reason=request.decision.reason,
        reason_detail=request.decision.detail,
        sentiment=sentiment,
        summary=summarise(request, record, sentiment, history=history, days=days),
        priority=priority,
        service=ServiceInfo(
            open_now=request.window.open_now,
            follow_up="live" if request.window.open_now else "ticket_or_callback",
            expected_wait_minutes=request.expected_wait_minutes,
            next_opening=request.window.next_opening,
        ),
        transcript=record.transcript,
        understanding=record.understanding,
    )


def summarise(request: HandoffRequest, record: ConversationRecord, sentiment: Sentiment, *,
              history: ContactLoad, days: int) -> str:
    """One paragraph that lets an agent start without scrolling the transcript; a customer
    chasing us again is said outright, so the agent opens with that, not with questions."""
    customer = request.customer
    if customer:
        verified = "verified" if customer.verified else "not verified"
        who = (f"{customer.full_name} ({customer.segment}, account {customer.account_number}, "
               f"{verified})")
    else:
        who = "An unidentified customer"
    reason, detail = REASON_LABELS[request.decision.reason], request.decision.detail
    because = reason if detail in ("", reason) else f"{reason} ({detail})"
    sentences = [f"{who} on {request.channel} was handed over because {because}."]
    intents = Counter(t.intent for t in record.understanding
                      if t.intent and t.intent not in _NOT_TOPICS)
    if intents:
        topics = "; ".join(intent_label(name) for name, _ in intents.most_common(4))
        sentences.append(f"Topics: {topics}.")
    if record.customer_messages:
        latest = record.customer_messages[-1]
        latest = latest if len(latest) <= 160 else latest[:157] + "…"
        sentences.append(f"{len(record.customer_messages)} customer message(s); "
                         f"latest: \"{latest}\".")
    sentences.append(f"Mood: {sentiment.label} ({sentiment.score:+.2f}).")
    vulnerability = detect_any(list(record.customer_messages))
    if vulnerability is not None:
        sentences.append(f"Possible vulnerability: {vulnerability.kind.value} "
                         f"(\"{vulnerability.phrase}\"): offer support.")
    if customer:
        facts = []
        if history.recent_contacts:
            facts.append(f"{history.recent_contacts} earlier contact(s) in the last {days} days")
        if customer.overdue_amount:
            facts.append(f"{customer.overdue_amount} {customer.currency} overdue")
        elif customer.amount_due:
            facts.append(f"{customer.amount_due} {customer.currency} due")
        if customer.active_outages:
            facts.append(f"{len(customer.active_outages)} active outage(s) in their area")
        if customer.open_cases:
            facts.append(f"{len(customer.open_cases)} open case(s)")
        if facts:
            sentences.append("Account: " + "; ".join(facts) + ".")
    elif request.profile_note:
        sentences.append(f"Profile: {request.profile_note}.")
    return " ".join(sentences)
