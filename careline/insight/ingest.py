"""Fold Rasa events into contacts: who, where, why, how it ended, how they felt.

A contact is one conversation session: it starts at ``session_started`` (or a
customer's first message after an hour of silence) and collects the
customer's messages (intent and sentiment, never text), the handoff
(``action_handoff_to_agent`` and the ``handoff_reason`` slot) and the first
agent reply (a bot utterance the desk sent: metadata source "desk").

Events are checked first (:mod:`careline.insight.validation`): a crafted one is logged
and skipped, never folded, so it can neither stop the report nor distort it. Who the
customer is comes only from the ``customer_id`` slot, which Careline's own code sets
from what the channel proved: never from message metadata or the conversation id,
which a caller of a webhook chooses.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, Optional

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from careline.handoff.sentiment import score_text
from careline.insight.models import Contact, ContactMessage
from careline.insight.stream import RawEvent
from careline.insight.validation import customer_id as valid_customer_id
from careline.insight.validation import rejection
from careline.observability.redact import redact
from careline.profile.contacts import placement

logger = logging.getLogger(__name__)

HANDOFF_ACTION = "action_handoff_to_agent"
NOTICE_INTENT = "EXTERNAL_outage_notice"
#: Small talk that says nothing about why the customer came.
NOT_A_DRIVER = frozenset({"greet", "goodbye", "affirm", "deny", "thanks", "bot_challenge",
                          "ask_capabilities", "out_of_scope", "inform", "verify_identity",
                          "request_human", "frustration", "nlu_fallback"})
SESSION_GAP = timedelta(hours=1)
FRUSTRATED_SCORE = -0.6
#: Sentiment reads the start of a message; a megabyte of text is no more telling.
MAX_SCORED_CHARACTERS = 2000


def _at(event: Mapping[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)


class ContactFolder:
    """Applies events to contacts within one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        #: Each conversation's newest contact; None: it has none yet.
        self._open: dict[str, Optional[Contact]] = {}
        self._customers: dict[int, tuple[Optional[str], Optional[str]]] = {}

    def apply_all(self, events: Iterable[RawEvent]) -> int:
        """Fold a batch; the session is flushed once, when the caller commits.

        The open contact of every conversation in the batch is read in one query first
        and nothing is flushed mid-batch: looking each new conversation up (and flushing
        before every query) made folding cost a few round trips per event.
        """
        events = list(events)
        applied = 0
        with self.session.no_autoflush:
            self._load_open({e.sender_id for e in events if e.sender_id})
            for event in events:
                reason = rejection(event.sender_id, event.data)
                if reason is not None:
                    logger.warning("insight: event %s of conversation %s rejected: %s",
                                   event.position, redact(str(event.sender_id)[:64]), reason)
                    continue
                applied += self.apply(event)
        return applied

    def _load_open(self, senders: set[str]) -> None:
        """The newest contact of each of ``senders`` not yet known, in one query."""
        unknown = sorted(s for s in senders if s not in self._open)
        for start in range(0, len(unknown), 500):
            chunk = unknown[start:start + 500]
            newest = (select(Contact.sender_id, func.max(Contact.started_at).label("started"))
                      .where(Contact.sender_id.in_(chunk)).group_by(Contact.sender_id)
                      .subquery())
            for contact in self.session.execute(select(Contact).join(newest, and_(
                    Contact.sender_id == newest.c.sender_id,
                    Contact.started_at == newest.c.started))).scalars():
                self._open[contact.sender_id] = contact
            self._open.update({sender: None for sender in chunk if sender not in self._open})

    def apply(self, event: RawEvent) -> bool:
        data, sender = event.data, event.sender_id
        kind = data.get("event")
        if not sender or kind is None:
            return False
        at = _at(data)
        if kind == "session_started":
            self._start(sender, at)
            return True
        contact = self._current(sender)
        if kind == "user":
            if contact is None or at - contact.last_event_at > SESSION_GAP:
                contact = self._start(sender, at)
            self._user(contact, data, at)
        elif contact is None:
            return False
        elif kind == "slot":
            self._slot(contact, data.get("name"), data.get("value"))
        elif kind == "action" and data.get("name") == HANDOFF_ACTION:
            contact.handed_off = True
            contact.handoff_at = contact.handoff_at or at
        elif kind == "bot" and (data.get("metadata") or {}).get("source") == "desk":
            if contact.handed_off and contact.agent_reply_at is None:
                contact.agent_reply_at = at
        contact.last_event_at = max(contact.last_event_at, at)
        return True

    def _current(self, sender: str) -> Optional[Contact]:
        if sender not in self._open:  # an event folded on its own, not through apply_all
            query = (select(Contact).where(Contact.sender_id == sender)
                     .order_by(Contact.started_at.desc()).limit(1))
            found = self.session.execute(query).scalars().first()
            if found is None:
                return None
            self._open[sender] = found
        return self._open[sender]

    def _start(self, sender: str, at: datetime) -> Contact:
        previous = self._current(sender)
        if previous is not None and previous.started_at == at:
            return previous
        contact = Contact(sender_id=sender, started_at=at, last_event_at=at, user_messages=0,
                          frustrated=False, sentiment_sum=0.0, handed_off=False,
                          outage_notice=False)
        if previous is not None and previous.customer_id is not None:
            self._identify(contact, previous.customer_id)
        self.session.add(contact)
        self._open[sender] = contact
        return contact

    def _user(self, contact: Contact, data: Mapping[str, Any], at: datetime) -> None:
        parse = data.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name")
        metadata = data.get("metadata") or {}
        contact.channel = metadata.get("channel") or data.get("input_channel") or contact.channel
        if intent == NOTICE_INTENT:
            contact.outage_notice = True
            return
        score = score_text((data.get("text") or "")[:MAX_SCORED_CHARACTERS]).score
        frustrated = intent == "frustration" or score <= FRUSTRATED_SCORE
        contact.user_messages += 1
        contact.sentiment_sum += score
        contact.sentiment_min = score if contact.sentiment_min is None else min(
            contact.sentiment_min, score)
        contact.frustrated = contact.frustrated or frustrated
        if contact.driver is None and intent and intent not in NOT_A_DRIVER:
            contact.driver = intent
        self.session.add(ContactMessage(contact=contact, at=at, intent=intent,
                                        sentiment=score, frustrated=frustrated))

    def _slot(self, contact: Contact, name: Any, value: Any) -> None:
        if name == "customer_id" and value not in (None, ""):
            known = valid_customer_id(value)
            if known is not None:
                self._identify(contact, known)
        elif name == "handoff_reason" and value:
            contact.handoff_reason = str(value)[:32]

    def _identify(self, contact: Contact, customer_id: int) -> None:
        """Attach the customer and their segment and area, as the profile has them now."""
        if customer_id not in self._customers:
            found = placement(session=self.session, customer_id=customer_id)
            self._customers[customer_id] = (found.segment, found.area) if found else (None, None)
        contact.customer_id = customer_id
        contact.segment, contact.area = self._customers[customer_id]
