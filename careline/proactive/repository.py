"""The notification log and handled updates: keyword-only functions on an explicit session."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Iterable, Optional, Sequence, cast

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from careline.proactive.models import HandledUpdate, Notification
from careline.proactive.planner import segment_rank
from careline.proactive.retries import NoticeRetry
from careline.proactive.schemas import PlannedNotice, Skipped


def get_handled_update(*, session: Session, incident_id: str, version: int
                       ) -> Optional[HandledUpdate]:
    query = select(HandledUpdate).where(HandledUpdate.incident_id == incident_id,
                                        HandledUpdate.version == version)
    return cast("HandledUpdate | None", session.execute(query).scalars().first())


def latest_version(*, session: Session, incident_id: str) -> Optional[int]:
    query = select(func.max(HandledUpdate.version)).where(
        HandledUpdate.incident_id == incident_id)
    return cast("int | None", session.execute(query).scalar())


def add_handled_update(*, session: Session, incident_id: str, version: int, action: str,
                       payload: str, payload_hash: str, state: str, received_at: datetime
                       ) -> HandledUpdate:
    row = HandledUpdate(incident_id=incident_id, version=version, action=action,
                        payload=payload, payload_hash=payload_hash, state=state,
                        received_at=received_at)
    session.add(row)
    session.flush()
    return row


def finish_handled_update(*, session: Session, incident_id: str, version: int, state: str,
                          finished_at: datetime) -> None:
    session.execute(update(HandledUpdate)
                    .where(HandledUpdate.incident_id == incident_id,
                           HandledUpdate.version == version)
                    .values(state=state, finished_at=finished_at))


def told_about_incident(*, session: Session, incident_id: str) -> frozenset[int]:
    """Customers who were sent at least one notice about the incident, any version."""
    query = select(Notification.customer_id).where(Notification.incident_id == incident_id,
                                                   Notification.status == "sent").distinct()
    return frozenset(session.execute(query).scalars())


def recent_sent_counts(*, session: Session, since: datetime) -> dict[int, int]:
    """Notices sent per customer since ``since``: the rate limit's input."""
    query = (select(Notification.customer_id, func.count())
             .where(Notification.status == "sent", Notification.sent_at >= since)
             .group_by(Notification.customer_id))
    return {customer_id: count for customer_id, count in session.execute(query)}


def add_pending(*, session: Session, incident_id: str, version: int, action: str,
                notices: Sequence[PlannedNotice], created_at: datetime) -> None:
    """Claim notices (status ``pending``); the unique key refuses a second claim."""
    session.add_all(Notification(
        incident_id=incident_id, version=version, action=action,
        customer_id=n.customer_id, segment=n.segment, rank=segment_rank(n.segment),
        area=n.area, mode=n.mode.value, address=n.address, conversation_id=n.conversation_id, text=n.text,
        template=n.template,
        template_variables=json.dumps(dict(n.template_variables)) if n.template else None,
        status="pending", tracker="none", created_at=created_at,
    ) for n in notices)


def add_skipped(*, session: Session, incident_id: str, version: int, action: str,
                skipped: Iterable[Skipped], segments: dict[int, str], created_at: datetime
                ) -> None:
    session.add_all(Notification(
        incident_id=incident_id, version=version, action=action, customer_id=s.customer_id,
        segment=segments.get(s.customer_id, ""), rank=segment_rank(segments.get(s.customer_id, "")),
        status="skipped", reason=s.reason.value, tracker="none", created_at=created_at,
    ) for s in skipped)


def held_versions(*, session: Session) -> list[tuple[str, int]]:
    """Incident versions with notices held back by quiet hours."""
    query = (select(Notification.incident_id, Notification.version)
             .where(Notification.status == "skipped", Notification.reason == "quiet_hours")
             .distinct())
    return [(incident_id, version) for incident_id, version in session.execute(query)]


def held_customer_ids(*, session: Session, incident_id: str, version: int) -> set[int]:
    query = select(Notification.customer_id).where(
        Notification.incident_id == incident_id, Notification.version == version,
        Notification.status == "skipped", Notification.reason == "quiet_hours")
    return set(session.execute(query).scalars())


def release_held(*, session: Session, notice: PlannedNotice, version: int) -> None:
    """Turn a held (quiet hours) row into a ``pending`` notice planned now."""
    session.execute(update(Notification).where(
        Notification.incident_id == notice.incident_id, Notification.version == version,
        Notification.customer_id == notice.customer_id, Notification.status == "skipped",
        Notification.reason == "quiet_hours").values(
        status="pending", reason=None, mode=notice.mode.value, address=notice.address,
        area=notice.area, conversation_id=notice.conversation_id, text=notice.text,
        template=notice.template,
        template_variables=json.dumps(dict(notice.template_variables)) if notice.template
        else None))


def reclassify_held(*, session: Session, incident_id: str, version: int, customer_id: int,
                    reason: str) -> None:
    """A held customer who may no longer be told (opted out, rate limited, …)."""
    session.execute(update(Notification).where(
        Notification.incident_id == incident_id, Notification.version == version,
        Notification.customer_id == customer_id, Notification.status == "skipped",
        Notification.reason == "quiet_hours").values(reason=reason))


def claim_for_sending(*, session: Session, incident_id: str, version: int, limit: int
                      ) -> list[Notification]:
    """Move the next batch of ``pending`` notices to ``sending``; returns only those won.

    Ordered by segment rank, so VIP customers are claimed (and sent) first.
    Each row is taken with a conditional update, so two workers handling the
    same update never both take one (PostgreSQL also skips rows locked by
    the other worker).
    """
    query = (select(Notification)
             .where(Notification.incident_id == incident_id, Notification.version == version,
                    Notification.status == "pending")
             .order_by(Notification.rank, Notification.id).limit(limit)
             .with_for_update(skip_locked=True))
    won = []
    for row in session.execute(query).scalars():
        taken = session.execute(update(Notification)
                                .where(Notification.id == row.id,
                                       Notification.status == "pending")
                                .values(status="sending")
                                .execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            won.append(row)
    return won


def stranded(*, session: Session) -> list[Notification]:
    """Notices left ``sending``: handed to the channel by a process that stopped before
    it recorded their outcome (careline/proactive/recovery.py)."""
    query = (select(Notification).where(Notification.status == "sending")
             .order_by(Notification.rank, Notification.id))
    return list(session.execute(query).scalars())


def release_claim(*, session: Session, notification_id: int) -> None:
    """A ``sending`` notice the channel never accepted: ``pending`` again, to be sent."""
    session.execute(update(Notification).where(Notification.id == notification_id,
                                               Notification.status == "sending")
                    .values(status="pending"))


def unfinished_versions(*, session: Session) -> list[tuple[str, int]]:
    """Updates with notices still ``pending`` or still ``processing`` themselves."""
    pending = select(Notification.incident_id, Notification.version).where(
        Notification.status == "pending")
    processing = select(HandledUpdate.incident_id, HandledUpdate.version).where(
        HandledUpdate.state == "processing")
    return sorted({(incident_id, version) for incident_id, version
                   in [*session.execute(pending), *session.execute(processing)]})


def mark_parked(*, session: Session, notification_id: int, error: str) -> None:
    """A row that cannot be read back as a notice: never sent, listed by ``careline parked``."""
    session.execute(update(Notification).where(Notification.id == notification_id)
                    .values(status="parked", error=error[:500]))


def mark_unknown(*, session: Session, notification_id: int, error: str) -> None:
    """The channel failed mid-way: it may have sent it, so it is never resent automatically."""
    session.execute(update(Notification).where(Notification.id == notification_id)
                    .values(status="unknown", error=error[:500]))


def requeue_failed(*, session: Session, incident_id: str, version: int) -> int:
    """Give notices the channel refused another go (they were never accepted, so never sent)."""
    result = session.execute(update(Notification)
                             .where(Notification.incident_id == incident_id,
                                    Notification.version == version,
                                    Notification.status == "failed")
                             .values(status="pending", retry_at=None))
    return int(result.rowcount or 0)


def mark_sent(*, session: Session, notification_id: int, provider_id: str, sent_at: datetime,
              tracker: str) -> None:
    session.execute(update(Notification).where(Notification.id == notification_id)
                    .values(status="sent", provider_id=provider_id, sent_at=sent_at,
                            error=None, tracker=tracker))


def mark_failed(*, session: Session, notification_id: int, error: str,
                retry: Optional[NoticeRetry] = None, now: Optional[datetime] = None) -> None:
    """Record a refusal; with ``retry``, one that may pass: due again by the policy."""
    row = session.get(Notification, notification_id)
    row.status, row.error = "failed", error[:500]
    row.attempts = (row.attempts or 0) + 1
    row.retry_at = retry.next_at(attempts=row.attempts, now=now) if retry and now else None


def requeue_due_retries(*, session: Session, now: datetime) -> list[tuple[str, int]]:
    """Make failed notices whose retry is due ``pending`` again; returns their updates."""
    due = and_(Notification.status == "failed", Notification.retry_at <= now)
    versions = session.execute(select(Notification.incident_id, Notification.version)
                               .where(due).distinct()).all()
    session.execute(update(Notification).where(due).values(status="pending", retry_at=None)
                    .execution_options(synchronize_session=False))
    return [(incident_id, version) for incident_id, version in versions]


def pending_tracker_entries(*, session: Session, limit: int) -> list[Notification]:
    query = (select(Notification).where(Notification.tracker == "pending")
             .order_by(Notification.rank, Notification.id).limit(limit))
    return list(session.execute(query).scalars())


def set_tracker_state(*, session: Session, notification_id: int, tracker: str) -> None:
    session.execute(update(Notification).where(Notification.id == notification_id)
                    .values(tracker=tracker))


def status_counts(*, session: Session, incident_id: str, version: Optional[int] = None
                  ) -> dict[str, int]:
    """``sent``/``failed``/… and ``skipped:<reason>`` counts for an incident (version)."""
    query = select(Notification.status, Notification.reason, func.count()).where(
        Notification.incident_id == incident_id)
    if version is not None:
        query = query.where(Notification.version == version)
    counts: dict[str, int] = {}
    for status, reason, count in session.execute(query.group_by(Notification.status,
                                                                Notification.reason)):
        key = f"skipped:{reason}" if status == "skipped" else status
        counts[key] = counts.get(key, 0) + count
    return counts
