"""ChannelStore: the channel layer's persistent memory, one session per call.

Persisted (not in process memory) so that duplicate webhooks, routes and
the WhatsApp window hold across restarts and replicas.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Optional, Sequence

from sqlalchemy.engine import Engine, Row

from careline import clock
from careline.channels import repository
from careline.channels.inbound_journal import (Claim, JournalEntry, JournalState,
                                               inbound_from, sealed_message)
from careline.channels.models import ConversationRoute, Delivery
from careline.channels.schemas import Choice, DeliveryRecord, Route, StatusUpdate, TwilioInbound
from careline.db.session import session_scope


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; Careline stores UTC, so say so."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class ChannelStore:
    def __init__(self, engine: Optional[Engine] = None) -> None:
        self._engine = engine

    def claim_inbound(self, *, inbound: TwilioInbound, proved_by: str, lease_seconds: float,
                      idempotency_token: Optional[str] = None) -> bool:
        """True the first time the message is seen, journalled as received with a lease
        of ``lease_seconds``; False for Twilio's retries."""
        now = clock.now()
        with session_scope(self._engine) as session:
            return repository.claim_inbound(
                session=session, message_sid=inbound.message_sid, channel=inbound.channel,
                idempotency_token=idempotency_token, received_at=now,
                lease_until=now + timedelta(seconds=lease_seconds),
                sender_address=inbound.raw_from, proved_by=proved_by,
                message=sealed_message(inbound))

    def claim_resent(self, *, channel: str, message_sid: str, proved_by: str,
                     lease_seconds: float) -> Claim:
        """Claim a message its client sends until told it was answered (web chat), or
        take it over from a process that died running it."""
        now = clock.now()
        with session_scope(self._engine) as session:
            return repository.claim_or_take_over(
                session=session, message_sid=message_sid, channel=channel, now=now,
                lease_until=now + timedelta(seconds=lease_seconds), proved_by=proved_by)

    def mark_answered(self, *, message_sid: str) -> bool:
        """Received → answered (a turn with no deliveries to record alongside)."""
        with session_scope(self._engine) as session:
            return repository.mark_answered(session=session, message_sid=message_sid,
                                            at=clock.now())

    def renew_inbound(self, *, message_sid: str, lease_seconds: float) -> bool:
        with session_scope(self._engine) as session:
            return repository.renew_inbound(
                session=session, message_sid=message_sid,
                lease_until=clock.now() + timedelta(seconds=lease_seconds))

    def take_stale(self, *, channel: str, lease_seconds: float,
                   limit: int) -> list[JournalEntry]:
        """Received messages of ``channel`` whose lease ran out, now leased to the caller."""
        now = clock.now()
        with session_scope(self._engine) as session:
            rows = repository.take_stale(session=session, channel=channel, now=now,
                                         lease_until=now + timedelta(seconds=lease_seconds),
                                         limit=limit)
            return [JournalEntry(inbound=inbound_from(
                        channel=row.channel, message_sid=row.message_sid,
                        sender_address=row.sender_address or "", message=row.message),
                    proved_by=row.proved_by or "", redrives=row.redrives) for row in rows]

    def inbound_state(self, *, message_sid: str) -> Optional[JournalState]:
        with session_scope(self._engine) as session:
            row = repository.get_inbound(session=session, message_sid=message_sid)
            if row is None:
                return None
            return JournalState(
                message_sid=row.message_sid, state=row.state, redrives=row.redrives,
                lease_until=as_utc(row.lease_until) if row.lease_until else None,
                answered_at=as_utc(row.answered_at) if row.answered_at else None,
                holds_message=row.message is not None or row.sender_address is not None)

    def duplicates_of(self, *, message_sid: str) -> int:
        with session_scope(self._engine) as session:
            row = repository.get_inbound(session=session, message_sid=message_sid)
            return row.duplicates if row else 0

    def remember_route(self, *, sender_id: str, channel: str, address: str,
                       at: Optional[datetime] = None) -> Optional[Route]:
        """Record that the customer just wrote on ``channel`` from ``address``.

        Options offered before are forgotten (a digit only picks from the last offer);
        the route as it was, with those options, is returned.
        """
        with session_scope(self._engine) as session:
            previous = repository.route_row(session=session, sender_id=sender_id,
                                            channel=channel)
            repository.upsert_route(session=session, sender_id=sender_id, channel=channel,
                                    address=address, at=at or clock.now())
            return _route(previous) if previous is not None else None

    def route(self, *, sender_id: str, channel: Optional[str] = None) -> Optional[Route]:
        """The route on ``channel``, or the most recent one when no channel is named."""
        with session_scope(self._engine) as session:
            if channel is None:
                row = repository.latest_route(session=session, sender_id=sender_id)
            else:
                row = repository.get_route(session=session, sender_id=sender_id, channel=channel)
            return _route(row) if row else None

    def offer_choices(self, *, sender_id: str, channel: str, choices: Sequence[Choice]) -> None:
        """Remember the numbered options just shown, so "2" can mean the second."""
        with session_scope(self._engine) as session:
            row = repository.get_route(session=session, sender_id=sender_id, channel=channel)
            if row is not None:
                offered = [{"title": c.title, "payload": c.payload} for c in choices]
                row.offered_choices = json.dumps(offered) if offered else None

    def record_delivery(self, *, channel: str, to_address: str, status: str, attempts: int,
                        sender_id: Optional[str] = None, message_sid: Optional[str] = None,
                        error_code: Optional[str] = None,
                        error_message: Optional[str] = None,
                        correlation_id: Optional[str] = None) -> DeliveryRecord:
        """Record a send; a status callback that raced ahead keeps its (newer) status.

        Returns the send's own outcome, as stored.
        """
        record = DeliveryRecord(message_sid=message_sid, channel=channel, sender_id=sender_id,
                                to_address=to_address, status=status, error_code=error_code,
                                error_message=error_message, attempts=attempts,
                                correlation_id=correlation_id)
        self.record_deliveries([record])
        return record

    def record_deliveries(self, records: Sequence[DeliveryRecord], *,
                          answered: Optional[str] = None) -> None:
        """Record sends in one transaction (a turn's replies, a batch of notices); as
        for one, a status callback that raced ahead keeps its (newer) status.

        ``answered``: the MessageSid whose turn these replies end, marked answered in the
        same transaction (one commit per turn's end, not two).
        """
        now = clock.now()
        with session_scope(self._engine) as session:
            repository.record_sends(session=session, records=records, at=now)
            if answered is not None:
                repository.mark_answered(session=session, message_sid=answered, at=now)

    def update_status(self, *, message_sid: str, status: str, error_code: Optional[str],
                      error_message: Optional[str], channel: str, to_address: str) -> bool:
        """Apply a delivery status callback (one for an unknown SID is kept too); False
        when it was older than the status already recorded, and so ignored."""
        [applied] = self.update_statuses([StatusUpdate(
            message_sid=message_sid, channel=channel, status=status, to_address=to_address,
            error_code=error_code, error_message=error_message)])
        return applied

    def update_statuses(self, updates: Sequence[StatusUpdate]) -> list[bool]:
        """Apply status callbacks in one transaction (the gateway's group commit); for each,
        False when it was older than the status already recorded, and so ignored."""
        with session_scope(self._engine) as session:
            at = clock.now()
            return [repository.record_status(
                session=session, message_sid=u.message_sid, channel=u.channel,
                to_address=u.to_address, status=u.status, error_code=u.error_code,
                error_message=u.error_message, at=at) for u in updates]

    def deliveries(self, *, to_address: Optional[str] = None,
                   status: Optional[str] = None) -> list[DeliveryRecord]:
        with session_scope(self._engine) as session:
            rows = repository.list_deliveries(session=session, to_address=to_address,
                                              status=status)
            return [_delivery(row) for row in rows]


def _route(row: ConversationRoute | Row) -> Route:
    choices = tuple(Choice(**item) for item in json.loads(row.offered_choices or "[]"))
    return Route(sender_id=row.sender_id, channel=row.channel, address=row.address,
                 last_inbound_at=as_utc(row.last_inbound_at), offered_choices=choices)


def _delivery(row: Delivery) -> DeliveryRecord:
    return DeliveryRecord(message_sid=row.message_sid, channel=row.channel,
                          sender_id=row.sender_id, to_address=row.to_address, status=row.status,
                          error_code=row.error_code, error_message=row.error_message,
                          attempts=row.attempts, correlation_id=row.correlation_id)
