"""Around a ticket's end: a call-back booked after hours, and the customer's satisfaction score.

Both are a short exchange the desk has with the customer on their channel while
the bot still waits (the conversation is paused), driven by the customer's lines
that reach the desk through the event broker (careline/desk/app.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Optional

from sqlalchemy.engine import Engine

from careline import clock
from careline.db.session import get_engine, session_scope
from careline.desk import repository
from careline.desk.callbacks import (
    CallbackMessage, call_back_slots, chosen_slot, confirmation, offer_text, phone_to_ring,
    slot_title,
)
from careline.desk.models import TicketMessage
from careline.desk.satisfaction import RatingAnswer, parse_score
from careline.desk.service import TicketNotFound, aware_utc
from careline.handoff.policy import HandoffPolicy, get_policy
from careline.handoff.schemas import ContextPackage
from careline.settings import get_settings


class FollowUpService:
    """Sync methods, one session per call; the desk's event handler wraps them."""

    def __init__(self, engine: Optional[Engine] = None,
                 policy: Optional[HandoffPolicy] = None) -> None:
        self._engine = engine or get_engine(get_settings().resolved_database_url)
        self._policy = policy

    @property
    def policy(self) -> HandoffPolicy:
        return self._policy or get_policy()

    def callback_step(self, *, conversation_id: str, text: str) -> Optional[CallbackMessage]:
        """After a customer's line: offer call-back times, or book the one they chose.

        The desk's answer is stored as a bot line first (delivered optimistically;
        ``DeskService.finish_reply`` marks a failed send), so the agent sees what was offered.
        """
        hours, now = self.policy.service_hours, clock.now()
        with session_scope(self._engine) as session:
            ticket = repository.open_ticket_for_conversation(session=session,
                                                            conversation_id=conversation_id)
            if ticket is None or not ticket.callback_requested or ticket.callback_at:
                return None
            if ticket.callback_offered is None:
                slots = call_back_slots(hours, now)
                if not slots:
                    return None
                ticket.callback_offered = json.dumps([s.isoformat() for s in slots])
                choices = tuple(slot_title(s, hours) for s in slots)
                said = offer_text(hours)
            else:
                offered = [datetime.fromisoformat(s) for s in json.loads(ticket.callback_offered)]
                chosen = chosen_slot(text, offered, hours)
                if chosen is None:
                    return None
                ticket.callback_at, choices = chosen, ()
                said = confirmation(chosen, hours, phone_to_ring(
                    ContextPackage.parse_raw(ticket.context_json)))
            line = TicketMessage(ticket_id=ticket.id, speaker="bot", text=said, at=now,
                                 delivery="delivered")
            repository.add(session=session, row=line)
            return CallbackMessage(message_id=line.id, text=said, choices=choices)

    def answer_rating(self, *, conversation_id: str, text: str, at: datetime,
                      intent: Optional[str] = None,
                      entities: tuple[tuple[str, Any], ...] = ()) -> Optional[RatingAnswer]:
        """The customer's first message after the satisfaction question, or ``None``.

        A score is stored once; either way the caller hands the conversation back to
        the bot and then calls :meth:`handed_back`.
        """
        with session_scope(self._engine) as session:
            ticket = repository.ticket_awaiting_rating(session=session,
                                                       conversation_id=conversation_id)
            if ticket is None or aware_utc(at) < aware_utc(ticket.rating_asked_at):
                return None
            score = parse_score(text)
            if score is not None and ticket.rating is None:
                ticket.rating, ticket.rated_at = score, clock.now()
            return RatingAnswer(ticket_id=ticket.id, conversation_id=conversation_id,
                                score=score, intent=intent, entities=entities)

    def handed_back(self, *, ticket_id: int) -> None:
        with session_scope(self._engine) as session:
            ticket = repository.get_ticket(session=session, ticket_id=ticket_id)
            if ticket is None:
                raise TicketNotFound(f"no ticket {ticket_id}")
            ticket.resumed_at = clock.now()

    def unanswered_ratings(self, *, asked_before: datetime) -> list[tuple[int, str]]:
        """(ticket, conversation) whose satisfaction question has waited long enough."""
        with session_scope(self._engine) as session:
            return [(t.id, t.conversation_id) for t in repository.ratings_waiting(
                session=session, asked_before=asked_before)]
