"""The desk's tickets: receive handoffs once, order the queue, claim, reply, note, resolve."""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Optional, cast

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careline import clock
from careline.db.session import get_engine, session_scope
from careline.settings import get_settings
from careline.desk import repository
from careline.desk.models import Ticket, TicketMessage, TicketNote
from careline.desk.agents import agent_ref
from careline.desk.routing import Candidate, Presence, choose_agent, needed_skills
from careline.desk.search import TicketQuery, lookup_text
from careline.desk.schemas import (
    AgentLoad, MessageView, NoteView, QueueEntry, QueueLoad, ReceiveResult, TicketDetail,
)
from careline.handoff.policy import HandoffPolicy, get_policy
from careline.handoff.priority import ContactLoad, compute_priority
from careline.handoff.reasons import HandoffReason
from careline.handoff.schemas import ContextPackage, SharedLocation, SharedMedia

_CALLBACK = re.compile(r"\b(call ?back|call me|ring me|phone me)\b", re.IGNORECASE)


class TicketNotFound(LookupError):
    pass


class TicketConflict(RuntimeError):
    """The ticket is resolved, or another agent holds it."""


class DeskService:
    """Sync methods, one session per call; the aiohttp views wrap them in ``run_blocking``."""

    def __init__(self, engine: Optional[Engine] = None,
                 policy: Optional[HandoffPolicy] = None) -> None:
        self._engine = engine or get_engine(get_settings().resolved_database_url)
        self._policy = policy

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def policy(self) -> HandoffPolicy:
        return self._policy or get_policy()

    def receive_handoff(self, *, package: ContextPackage) -> ReceiveResult:
        """Make a ticket from ``package``; a key seen before returns the existing ticket."""
        try:
            with session_scope(self._engine) as session:
                existing = repository.get_ticket_by_key(
                    session=session, idempotency_key=package.idempotency_key)
                if existing is not None:
                    return ReceiveResult(ticket_id=existing.id, created=False)
                ticket = Ticket(
                    idempotency_key=package.idempotency_key,
                    handoff_id=str(package.handoff_id),
                    conversation_id=package.conversation.conversation_id,
                    channel=package.conversation.channel,
                    customer_name=package.customer.full_name if package.customer else None,
                    segment=package.customer.segment if package.customer else None,
                    reason=package.reason.value, sentiment=package.sentiment.score,
                    status="open", after_hours=not package.service.open_now,
                    callback_requested=False, handed_off_at=package.created_at,
                    received_at=clock.now(),
                    schema_version=package.schema_version, context_json=package.json(),
                    account_number=package.customer.account_number if package.customer else None,
                    lookup=lookup_text(package),
                )
                repository.add(session=session, row=ticket)
                self._route(session, ticket, package)
                return ReceiveResult(ticket_id=ticket.id, created=True)
        except IntegrityError:  # the same key arrived twice at once; the first one won
            with session_scope(self._engine) as session:
                existing = repository.get_ticket_by_key(
                    session=session, idempotency_key=package.idempotency_key)
                if existing is None:
                    raise
                return ReceiveResult(ticket_id=existing.id, created=False)

    def queue(self, *, now: Optional[datetime] = None) -> list[QueueEntry]:
        """Unresolved tickets, highest priority first, then longest waiting."""
        now = now or clock.now()
        with session_scope(self._engine) as session:
            entries = self._entries(session, repository.unresolved_tickets(session=session), now)
        return sorted(entries, key=lambda e: (-e.priority.score, e.handed_off_at))

    def breaches_since(self, *, since: datetime) -> tuple[int, int]:
        """(tickets, of which past their service level) handed off since ``since``."""
        with session_scope(self._engine) as session:
            entries = self._entries(session, repository.tickets_handed_off_since(
                session=session, since=since), clock.now())
        return len(entries), sum(1 for e in entries if e.sla_breached)

    def search(self, *, query: TicketQuery, limit: int = 50) -> list[QueueEntry]:
        """Tickets open or resolved, newest first, that match what the agent typed."""
        now = clock.now()
        with session_scope(self._engine) as session:
            tickets = repository.find_tickets(session=session, text=query.text,
                                              ticket_id=query.ticket_id, limit=limit)
            return self._entries(session, tickets, now)

    def history(self, *, ticket_id: int, limit: int = 20) -> list[QueueEntry]:
        """The same customer's other tickets (by account; by address when unidentified)."""
        now = clock.now()
        with session_scope(self._engine) as session:
            ticket = self._ticket(session, ticket_id)
            sender = ContextPackage.parse_raw(ticket.context_json).conversation.sender
            tickets = repository.tickets_of_customer(
                session=session, account_number=ticket.account_number,
                conversation_id=ticket.conversation_id, sender=sender,
                except_id=ticket.id, limit=limit)
            return self._entries(session, tickets, now)

    def _entries(self, session: Session, tickets: list[Ticket],
                 now: datetime) -> list[QueueEntry]:
        names = repository.agent_names(session=session, agent_ids={
            t.assigned_agent_id for t in tickets if t.assigned_agent_id})
        replies = repository.first_agent_replies(session=session,
                                                 ticket_ids={t.id for t in tickets})
        return [self._entry(t, names, now, replies.get(t.id)) for t in tickets]

    def route_waiting(self) -> int:
        """Offer unassigned tickets again (an agent has just become available); how many went."""
        with session_scope(self._engine) as session:
            routed = 0
            for ticket in repository.unassigned_open_tickets(session=session):
                self._route(session, ticket, ContextPackage.parse_raw(ticket.context_json))
                routed += ticket.assigned_agent_id is not None
            return routed

    def agent_loads(self) -> list[AgentLoad]:
        with session_scope(self._engine) as session:
            return [AgentLoad(agent=agent_ref(agent), signed_in=live, open_tickets=load)
                    for agent, live, load in repository.agent_loads(session=session,
                                                                    now=clock.now())]

    def _route(self, session: Session, ticket: Ticket, package: ContextPackage) -> None:
        """Give the ticket to the least-loaded available agent with its skills, if any."""
        candidates = [
            Candidate(agent_id=agent.id, open_tickets=load,
                      skills=frozenset(s for s in (agent.skills or "").split(",") if s))
            for agent, live, load in repository.agent_loads(session=session, now=clock.now())
            if live and agent.presence == Presence.AVAILABLE.value and agent.role != "designer"]
        chosen = choose_agent(needed_skills(package), candidates)
        if chosen is not None:
            ticket.assigned_agent_id, ticket.status = chosen, "assigned"
            session.flush()

    def load(self) -> QueueLoad:
        with session_scope(self._engine) as session:
            waiting = len([t for t in repository.unresolved_tickets(session=session)
                           if t.status == "open"])
            agents = repository.count_live_sessions(session=session,
                                                    now=clock.now())
            return QueueLoad(waiting=waiting, agents=agents)

    def detail(self, *, ticket_id: int) -> TicketDetail:
        now = clock.now()
        with session_scope(self._engine) as session:
            ticket = self._ticket(session, ticket_id)
            messages = repository.messages_for(session=session, ticket_id=ticket_id)
            notes = repository.notes_for(session=session, ticket_id=ticket_id)
            names = repository.agent_names(session=session, agent_ids={
                i for i in [ticket.assigned_agent_id, *(m.agent_id for m in messages),
                            *(n.agent_id for n in notes)] if i})
            package = ContextPackage.parse_raw(ticket.context_json)
            views = tuple(_message(m, names) for m in messages)
            replies = repository.first_agent_replies(session=session, ticket_ids={ticket.id})
            return TicketDetail(
                entry=self._entry(ticket, names, now, replies.get(ticket.id)),
                package=package,
                messages=views,
                awaiting_answer=awaiting_answer(package, views),
                notes=tuple(NoteView(note_id=n.id, agent=names.get(n.agent_id), text=n.text,
                                     created_at=aware_utc(n.created_at)) for n in notes),
                resolved_at=aware_utc(ticket.resolved_at) if ticket.resolved_at else None,
            )

    def messages_after(self, *, ticket_id: int, after_id: int) -> tuple[MessageView, ...]:
        with session_scope(self._engine) as session:
            messages = repository.messages_for(session=session, ticket_id=ticket_id,
                                               after_id=after_id)
            names = repository.agent_names(
                session=session, agent_ids={m.agent_id for m in messages if m.agent_id})
            return tuple(_message(m, names) for m in messages)

    def claim(self, *, ticket_id: int, agent_id: int) -> None:
        """Take an unassigned ticket; refuses one another agent holds."""
        with session_scope(self._engine) as session:
            ticket = self._ticket(session, ticket_id, unresolved=True)
            if ticket.assigned_agent_id not in (None, agent_id):
                raise TicketConflict("another agent has already claimed this ticket")
            ticket.assigned_agent_id, ticket.status = agent_id, "assigned"

    def assign(self, *, ticket_id: int, username: str) -> None:
        """Hand a ticket to a named agent (a supervisor's reassignment)."""
        with session_scope(self._engine) as session:
            ticket = self._ticket(session, ticket_id, unresolved=True)
            agent = repository.get_agent_by_username(session=session, username=username)
            if agent is None:
                raise TicketNotFound(f"no agent called {username!r}")
            ticket.assigned_agent_id, ticket.status = agent.id, "assigned"

    def add_note(self, *, ticket_id: int, agent_id: int, text: str) -> None:
        with session_scope(self._engine) as session:
            self._ticket(session, ticket_id)
            repository.add(session=session, row=TicketNote(
                ticket_id=ticket_id, agent_id=agent_id, text=text,
                created_at=clock.now()))

    def start_reply(self, *, ticket_id: int, agent_id: int, text: str) -> int:
        """Record an agent's reply as "sending" before it goes out, so none is lost."""
        with session_scope(self._engine) as session:
            ticket = self._ticket(session, ticket_id, unresolved=True)
            if ticket.assigned_agent_id is None:
                ticket.assigned_agent_id, ticket.status = agent_id, "assigned"
            message = TicketMessage(ticket_id=ticket_id, speaker="agent", text=text,
                                    at=clock.now(), agent_id=agent_id,
                                    delivery="sending")
            repository.add(session=session, row=message)
            return cast("int", message.id)

    def finish_reply(self, *, message_id: int, error: Optional[str]) -> None:
        with session_scope(self._engine) as session:
            message = session.get(TicketMessage, message_id)
            if message is not None:
                message.delivery = "failed" if error else "delivered"
                message.error = error

    def resolve(self, *, ticket_id: int, agent_id: int, closing_text: str,
                closing_error: Optional[str] = None) -> None:
        """Close the ticket; the satisfaction question has just gone to the customer, or
        could not (``closing_error``: a web chat customer who has left)."""
        with session_scope(self._engine) as session:
            ticket = self._ticket(session, ticket_id, unresolved=True)
            now = clock.now()
            ticket.status, ticket.resolved_at, ticket.rating_asked_at = "resolved", now, now
            ticket.assigned_agent_id = ticket.assigned_agent_id or agent_id
            repository.add(session=session, row=TicketMessage(
                ticket_id=ticket_id, speaker="bot", text=closing_text, at=now,
                agent_id=agent_id, delivery="failed" if closing_error else "delivered",
                error=closing_error))

    def record_event(self, *, conversation_id: str, speaker: str, text: str, at: datetime,
                     source_key: str, media: tuple[SharedMedia, ...] = (),
                     location: Optional[SharedLocation] = None) -> Optional[int]:
        """A message from the event broker, added to the conversation's open ticket once."""
        with session_scope(self._engine) as session:
            ticket = repository.open_ticket_for_conversation(session=session,
                                                            conversation_id=conversation_id)
            if ticket is None or aware_utc(at) < aware_utc(ticket.handed_off_at):
                return None
            if repository.message_with_source(session=session, source_key=source_key):
                return None
            shared = None
            if media or location:
                shared = json.dumps({"media": [m.dict() for m in media],
                                     "location": location.dict() if location else None})
            message = TicketMessage(ticket_id=ticket.id, speaker=speaker, text=text, at=at,
                                    source_key=source_key, shared_json=shared)
            repository.add(session=session, row=message)
            if speaker == "customer" and ticket.after_hours and _CALLBACK.search(text):
                ticket.callback_requested = True
            return cast("int | None", message.id)

    def cursor(self, *, name: str) -> int:
        """How far the event source called ``name`` has been read."""
        with session_scope(self._engine) as session:
            return cast("int", repository.get_cursor(session=session, name=name).position)

    def save_cursor(self, *, name: str, position: int) -> None:
        with session_scope(self._engine) as session:
            repository.get_cursor(session=session, name=name).position = position

    def _ticket(self, session, ticket_id: int, *, unresolved: bool = False) -> Ticket:  # type: ignore[no-untyped-def]
        ticket = repository.get_ticket(session=session, ticket_id=ticket_id)
        if ticket is None:
            raise TicketNotFound(f"no ticket {ticket_id}")
        if unresolved and ticket.status == "resolved":
            raise TicketConflict("this ticket is already resolved")
        return ticket

    def _entry(self, ticket: Ticket, names: dict[int, str], now: datetime,
               first_reply: Optional[datetime] = None) -> QueueEntry:
        end = aware_utc(ticket.resolved_at) if ticket.resolved_at else now
        handed_off_at = aware_utc(ticket.handed_off_at)
        waited = max(0.0, (end - handed_off_at).total_seconds())
        policy = self.policy
        scored = functools.partial(compute_priority, weights=policy.priority,
                                   segment=ticket.segment, sentiment=ticket.sentiment,
                                   reason=HandoffReason(ticket.reason),
                                   history=ContactLoad.of_stored_package(
                                       ticket.context_json,
                                       days=policy.priority.recent_contact_days))
        priority = scored(waiting_seconds=waited)
        # the target is the level the ticket arrived with: waiting must not shorten it
        deadline = handed_off_at + timedelta(
            minutes=policy.service_levels.target_minutes(scored().level))
        first_reply = aware_utc(first_reply) if first_reply else None
        return QueueEntry(
            ticket_id=ticket.id, conversation_id=ticket.conversation_id, channel=ticket.channel,
            customer_name=ticket.customer_name, segment=ticket.segment, reason=ticket.reason,
            status=ticket.status, assigned_to=names.get(ticket.assigned_agent_id),
            handed_off_at=aware_utc(ticket.handed_off_at), waiting_seconds=waited,
            priority=priority, after_hours=ticket.after_hours,
            callback_requested=ticket.callback_requested,
            sla_deadline=deadline, first_reply_at=first_reply,
            callback_at=aware_utc(ticket.callback_at) if ticket.callback_at else None,
            sla_breached=(first_reply or end) > deadline,
        )


def aware_utc(value: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _message(message: TicketMessage, names: dict[int, str]) -> MessageView:
    shared = json.loads(message.shared_json) if message.shared_json else {}
    location = shared.get("location")
    return MessageView(message_id=message.id, speaker=message.speaker, text=message.text,
                       at=aware_utc(message.at), agent=names.get(message.agent_id),
                       delivery=message.delivery, error=message.error,
                       media=tuple(SharedMedia(**m) for m in shared.get("media") or ()),
                       location=SharedLocation(**location) if location else None)


def awaiting_answer(package: ContextPackage, messages: tuple[MessageView, ...]) -> bool:
    """Did the customer write after the last agent reply that reached them?

    Bot lines do not count: while a ticket is open the bot only acknowledges. A
    ticket resolved without any agent reply to a customer's message is unanswered.
    """
    lines = [(t.speaker, None) for t in package.transcript] + \
        [(m.speaker, m.delivery) for m in messages]
    for speaker, delivery in reversed(lines):
        if speaker == "customer":
            return True
        if speaker == "agent" and delivery != "failed":
            return False
    return False
