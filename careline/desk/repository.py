"""Desk rows: keyword-only functions over an explicit session."""

from __future__ import annotations

from datetime import datetime
from typing import Optional, cast

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careline.desk.models import (
    Agent, AgentSession, ConversationTag, EventCursor, Ticket, TicketMessage, TicketNote,
)


def get_agent_by_username(*, session: Session, username: str) -> Optional[Agent]:
    return cast("Agent | None", session.execute(select(Agent).where(Agent.username == username)).scalar_one_or_none())


def add(*, session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def get_session_by_hash(*, session: Session, token_hash: str) -> Optional[AgentSession]:
    return cast("AgentSession | None", session.execute(
        select(AgentSession).where(AgentSession.token_hash == token_hash)
    ).scalar_one_or_none())


def delete_sessions_of(*, session: Session, agent_id: int) -> None:
    session.execute(delete(AgentSession).where(AgentSession.agent_id == agent_id))


def agent_loads(*, session: Session, now: datetime) -> list[tuple[Agent, bool, int]]:
    """Every enabled agent, whether they have a live session, and their open tickets."""
    live = set(session.execute(select(AgentSession.agent_id)
                               .where(AgentSession.expires_at > now)).scalars())
    load = dict(session.execute(
        select(Ticket.assigned_agent_id, func.count())
        .where(Ticket.status != "resolved", Ticket.assigned_agent_id.is_not(None))
        .group_by(Ticket.assigned_agent_id)).all())
    agents = session.execute(select(Agent).where(Agent.disabled_at.is_(None))
                             .order_by(Agent.display_name)).scalars()
    return [(agent, agent.id in live, load.get(agent.id, 0)) for agent in agents]


def unassigned_open_tickets(*, session: Session) -> list[Ticket]:
    return list(session.execute(
        select(Ticket).where(Ticket.status == "open", Ticket.assigned_agent_id.is_(None))
        .order_by(Ticket.handed_off_at)).scalars())


def count_live_sessions(*, session: Session, now: datetime) -> int:
    return cast("int", session.execute(
        select(func.count(func.distinct(AgentSession.agent_id)))
        .where(AgentSession.expires_at > now)
    ).scalar_one())


def get_ticket_by_key(*, session: Session, idempotency_key: str) -> Optional[Ticket]:
    return cast("Ticket | None", session.execute(
        select(Ticket).where(Ticket.idempotency_key == idempotency_key)
    ).scalar_one_or_none())


def get_ticket(*, session: Session, ticket_id: int) -> Optional[Ticket]:
    return cast("Ticket | None", session.get(Ticket, ticket_id))


def tickets_handed_off_since(*, session: Session, since: datetime) -> list[Ticket]:
    return list(session.execute(
        select(Ticket).where(Ticket.handed_off_at >= since).order_by(Ticket.handed_off_at)
    ).scalars())


def unresolved_tickets(*, session: Session) -> list[Ticket]:
    return list(session.execute(
        select(Ticket).where(Ticket.status != "resolved").order_by(Ticket.handed_off_at)
    ).scalars())


def find_tickets(*, session: Session, text: str, ticket_id: Optional[int],
                 limit: int) -> list[Ticket]:
    matches = [Ticket.lookup.like(f"%{_literal(text)}%", escape="\\")]
    if ticket_id is not None:
        matches.append(Ticket.id == ticket_id)
    return list(session.execute(
        select(Ticket).where(or_(*matches)).order_by(Ticket.id.desc()).limit(limit)).scalars())


def _literal(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern (escape ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def tickets_of_customer(*, session: Session, account_number: Optional[str],
                        conversation_id: str, sender: Optional[str], except_id: int,
                        limit: int) -> list[Ticket]:
    same = [Ticket.conversation_id == conversation_id]
    if account_number:
        same.append(Ticket.account_number == account_number)
    elif sender:  # an unidentified customer: the lookup text starts with their address
        same.append(Ticket.lookup.like(f"{_literal(sender.lower())} %", escape="\\"))
        same.append(Ticket.lookup == sender.lower())
    return list(session.execute(
        select(Ticket).where(or_(*same), Ticket.id != except_id)
        .order_by(Ticket.id.desc()).limit(limit)).scalars())


def ticket_awaiting_rating(*, session: Session, conversation_id: str) -> Optional[Ticket]:
    """The resolved ticket whose satisfaction question still holds the conversation."""
    return cast("Ticket | None", session.execute(
        select(Ticket)
        .where(Ticket.conversation_id == conversation_id, Ticket.status == "resolved",
               Ticket.rating_asked_at.is_not(None), Ticket.resumed_at.is_(None))
        .order_by(Ticket.id.desc()).limit(1)
    ).scalars().first())


def ratings_waiting(*, session: Session, asked_before: datetime) -> list[Ticket]:
    return list(session.execute(
        select(Ticket).where(Ticket.rating_asked_at.is_not(None), Ticket.resumed_at.is_(None),
                             Ticket.rating_asked_at < asked_before)
    ).scalars())


def open_ticket_for_conversation(*, session: Session, conversation_id: str) -> Optional[Ticket]:
    return cast("Ticket | None", session.execute(
        select(Ticket)
        .where(Ticket.conversation_id == conversation_id, Ticket.status != "resolved")
        .order_by(Ticket.id.desc()).limit(1)
    ).scalar_one_or_none())


def messages_for(*, session: Session, ticket_id: int, after_id: int = 0) -> list[TicketMessage]:
    return list(session.execute(
        select(TicketMessage)
        .where(TicketMessage.ticket_id == ticket_id, TicketMessage.id > after_id)
        .order_by(TicketMessage.id)
    ).scalars())


def first_agent_replies(*, session: Session, ticket_ids: set[int]) -> dict[int, datetime]:
    """When each ticket's customer first got an agent's reply (failed deliveries do not count)."""
    if not ticket_ids:
        return {}
    rows = session.execute(
        select(TicketMessage.ticket_id, func.min(TicketMessage.at))
        .where(TicketMessage.ticket_id.in_(ticket_ids), TicketMessage.speaker == "agent",
               TicketMessage.delivery != "failed")
        .group_by(TicketMessage.ticket_id))
    return {ticket_id: at for ticket_id, at in rows}


def message_with_source(*, session: Session, source_key: str) -> Optional[TicketMessage]:
    return cast("TicketMessage | None", session.execute(
        select(TicketMessage).where(TicketMessage.source_key == source_key)
    ).scalar_one_or_none())


def notes_for(*, session: Session, ticket_id: int) -> list[TicketNote]:
    return list(session.execute(
        select(TicketNote).where(TicketNote.ticket_id == ticket_id).order_by(TicketNote.id)
    ).scalars())


def agent_names(*, session: Session, agent_ids: set[int]) -> dict[int, str]:
    if not agent_ids:
        return {}
    rows = session.execute(select(Agent.id, Agent.display_name).where(Agent.id.in_(agent_ids)))
    return {agent_id: name for agent_id, name in rows}


def get_cursor(*, session: Session, name: str) -> EventCursor:
    cursor = session.get(EventCursor, name)
    if cursor is None:
        cursor = EventCursor(name=name, position=0)
        session.add(cursor)
        session.flush()
    return cast("EventCursor", cursor)


def get_tags_by_conversation(*, session: Session, conversation_id: str) -> list[str]:
    return list(session.execute(
        select(ConversationTag.tag).where(ConversationTag.conversation_id == conversation_id)
        .order_by(ConversationTag.created_at, ConversationTag.id)).scalars())


def add_tag(*, session: Session, conversation_id: str, tag: str, agent_id: Optional[int],
            at: datetime) -> bool:
    """Tag the conversation once; False when it already had the tag (a second click, or a
    colleague's at the same moment: the unique constraint decides, in a savepoint)."""
    if tag in get_tags_by_conversation(session=session, conversation_id=conversation_id):
        return False
    try:
        with session.begin_nested():
            session.add(ConversationTag(conversation_id=conversation_id, tag=tag,
                                        agent_id=agent_id, created_at=at))
    except IntegrityError:
        return False
    return True
