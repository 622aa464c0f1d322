"""What the customer has been through lately: open cases, recent contacts, notices sent.

Read at the start of a conversation so the bot can behave like someone who remembers:
a fourth contact in five days about an open fault is answered with that fault's status
(never troubleshooting again), counts toward the handoff's priority, and "is it really
fixed?" after a resolved notice is not answered with "good news". Read-only: one
rolled-back session on the read engine, like every ProfileService read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from careline import clock
from careline.db.session import get_engine, get_read_engine, session_factory
from careline.profile.enums import CaseKind
from careline.profile.schemas import CaseRef, InteractionInfo
from careline.profile.silos.sql import SqlEngagement
from careline.settings import get_settings

#: How far back contacts count as "recent" (Olivia: four contacts in five days).
RECENT_DAYS = 7
#: Interactions read; more than any customer makes in RECENT_DAYS but a bounded read.
MAX_INTERACTIONS = 20


@dataclass(frozen=True)
class NoticeSent:
    """A proactive outage notice that reached the customer."""

    incident_reference: str
    action: str  # open, update or resolve
    sent_at: datetime


@dataclass(frozen=True)
class ContactHistory:
    """A customer's recent history, newest first throughout."""

    open_cases: tuple[CaseRef, ...]
    recent_contacts: tuple[InteractionInfo, ...]
    notices: tuple[NoticeSent, ...]
    since: datetime

    @property
    def contacts(self) -> int:
        """Contacts before this one within the window."""
        return len(self.recent_contacts)

    @property
    def open_fault(self) -> Optional[CaseRef]:
        """The newest open fault case: what a "still no signal" is about."""
        return next((c for c in self.open_cases if c.kind is CaseKind.FAULT), None)

    def contacts_about(self, case: CaseRef) -> int:
        return sum(1 for i in self.recent_contacts if i.case_reference == case.reference)

    @property
    def is_repeat_contact(self) -> bool:
        """Contacted us at least once in the window, or has a case still open."""
        return self.contacts > 0 or bool(self.open_cases)


def build_history(*, open_cases: tuple[CaseRef, ...], interactions: tuple[InteractionInfo, ...],
                  notices: tuple[NoticeSent, ...], now: datetime,
                  days: int = RECENT_DAYS) -> ContactHistory:
    """Keep what falls within ``days`` of ``now`` (open cases count however old)."""
    since = now - timedelta(days=days)
    return ContactHistory(
        open_cases=open_cases,
        recent_contacts=tuple(i for i in interactions if i.occurred_at >= since),
        notices=tuple(n for n in notices if n.sent_at >= since), since=since)


class ContactHistoryReader:
    """Reads one customer's :class:`ContactHistory` from the engagement and notice tables."""

    def __init__(self, engine: Optional[Engine] = None, *,
                 sessions: Optional[sessionmaker] = None) -> None:
        if sessions is None:
            engine = engine or get_engine(get_settings().resolved_database_url)
            sessions = session_factory(
                get_read_engine(engine.url.render_as_string(hide_password=False)))
        self._sessions = sessions

    def read(self, *, customer_id: int, now: Optional[datetime] = None,
             days: int = RECENT_DAYS) -> ContactHistory:
        from careline.proactive.models import Notification

        now = now or clock.now()
        session = self._sessions()
        try:
            engagement = SqlEngagement(session)
            cases = engagement.open_cases(customer_id=customer_id)
            interactions = engagement.interactions(customer_id=customer_id,
                                                   limit=MAX_INTERACTIONS)
            rows = session.execute(
                select(Notification.incident_id, Notification.action, Notification.sent_at)
                .where(Notification.customer_id == customer_id, Notification.status == "sent",
                       Notification.sent_at >= now - timedelta(days=days))
                .order_by(Notification.sent_at.desc()).limit(MAX_INTERACTIONS))
            notices = tuple(NoticeSent(incident_reference=row.incident_id, action=row.action,
                                       sent_at=row.sent_at) for row in rows)
        finally:
            session.rollback()
            session.close()
        return build_history(open_cases=cases, interactions=interactions, notices=notices,
                             now=now, days=days)
