"""What the desk's service returns to its views, CLI and tests (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from datetime import datetime
from typing import Optional

from careline.handoff.schemas import ContextPackage, Priority, SharedLocation, SharedMedia


class Role(str, Enum):
    """What an agent may do: work tickets; also supervise (reassign, see every agent);
    or design conversations (insight and the designer's reports, no customers' tickets)."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    DESIGNER = "designer"


@dataclass(frozen=True)
class AgentRef:
    agent_id: int
    username: str
    display_name: str
    role: Role = Role.AGENT
    presence: str = "offline"  # careline.desk.routing.Presence
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgentLoad:
    """An agent as the supervisor sees them: who, how reachable, how busy."""

    agent: AgentRef
    signed_in: bool
    open_tickets: int


@dataclass(frozen=True)
class SignedIn:
    agent: AgentRef
    csrf_token: str


@dataclass(frozen=True)
class QueueEntry:
    ticket_id: int
    conversation_id: str
    channel: str
    customer_name: Optional[str]
    segment: Optional[str]
    reason: str
    status: str
    assigned_to: Optional[str]
    handed_off_at: datetime
    waiting_seconds: float
    priority: Priority
    after_hours: bool
    callback_requested: bool
    sla_deadline: Optional[datetime] = None  # the first agent reply is due by then
    first_reply_at: Optional[datetime] = None
    sla_breached: bool = False  # replied late, or still unanswered past the deadline
    callback_at: Optional[datetime] = None  # a call back the customer booked


@dataclass(frozen=True)
class MessageView:
    message_id: int
    speaker: str
    text: str
    at: datetime
    agent: Optional[str]
    delivery: Optional[str]
    error: Optional[str]
    media: tuple[SharedMedia, ...] = ()
    location: Optional[SharedLocation] = None


@dataclass(frozen=True)
class NoteView:
    note_id: int
    agent: Optional[str]
    text: str
    created_at: datetime


@dataclass(frozen=True)
class TicketDetail:
    entry: QueueEntry
    package: ContextPackage
    messages: tuple[MessageView, ...]
    notes: tuple[NoteView, ...]
    resolved_at: Optional[datetime]
    awaiting_answer: bool = False  # the customer's last message has no agent reply yet


@dataclass(frozen=True)
class ReceiveResult:
    ticket_id: int
    created: bool


@dataclass(frozen=True)
class QueueLoad:
    """For the customer's expected wait: open tickets and agents signed in."""

    waiting: int
    agents: int
