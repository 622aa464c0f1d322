"""ChannelStore: the channel layer's persistent memory, one session per call.

Persisted (not in process memory) so that duplicate webhooks, routes and
the WhatsApp window hold across restarts and replicas.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Callable, Optional, Sequence

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from careline.channels import repository
from careline.channels.models import ConversationRoute, Delivery
from careline.channels.schemas import Choice, DeliveryRecord, Route
from careline.db.session import session_scope


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; Careline stores UTC, so say so."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class ChannelStore:
    def __init__(self, engine: Optional[Engine] = None) -> None:
        self._engine = engine

    def claim_inbound(self, *, message_sid: str, channel: str,
                      idempotency_token: Optional[str] = None) -> bool:
        """True the first time ``message_sid`` is seen; False for Twilio's retries."""
        try:
            with session_scope(self._engine) as session:
                repository.add_inbound(session=session, message_sid=message_sid,
                                       channel=channel, idempotency_token=idempotency_token,
                                       received_at=utcnow())
            return True
        except IntegrityError:
            with session_scope(self._engine) as session:
                row = repository.get_inbound(session=session, message_sid=message_sid)
                if row is not None:
                    row.duplicates += 1
            return False

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
        moment = at or utcnow()
        with session_scope(self._engine) as session:
            row = repository.get_route(session=session, sender_id=sender_id, channel=channel)
            if row is None:
                session.add(ConversationRoute(sender_id=sender_id, channel=channel,
                                              address=address, last_inbound_at=moment))
                return None
            previous = _route(row)
            row.address, row.last_inbound_at = address, moment
            row.offered_choices = None
            return previous

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
                        error_message: Optional[str] = None) -> DeliveryRecord:
        """Record a send; a status callback that raced ahead keeps its (newer) status."""
        def apply(row: Delivery, created: bool) -> None:
            row.attempts, row.sender_id = attempts, sender_id
            if created:
                row.status, row.error_code, row.error_message = status, error_code, error_message

        return self._upsert(message_sid=message_sid, channel=channel, to_address=to_address,
                            apply=apply)

    def update_status(self, *, message_sid: str, status: str, error_code: Optional[str],
                      error_message: Optional[str], channel: str,
                      to_address: str) -> DeliveryRecord:
        """Apply a delivery status callback; one for an unknown SID is kept too."""
        def apply(row: Delivery, created: bool) -> None:
            row.status, row.error_code, row.error_message = status, error_code, error_message
            if created:
                row.attempts = 1

        return self._upsert(message_sid=message_sid, channel=channel, to_address=to_address,
                            apply=apply)

    def _upsert(self, *, message_sid: Optional[str], channel: str, to_address: str,
                apply: Callable[[Delivery, bool], None]) -> DeliveryRecord:
        """Create or update the delivery of ``message_sid``; the callback and the sender
        race, so a lost insert is retried as an update."""
        for _ in range(2):
            try:
                with session_scope(self._engine) as session:
                    row = (repository.get_delivery_by_sid(session=session, message_sid=message_sid)
                           if message_sid else None)
                    created = row is None
                    if row is None:
                        row = Delivery(message_sid=message_sid, channel=channel,
                                       to_address=to_address, status="queued", attempts=0,
                                       created_at=utcnow())
                        session.add(row)
                    apply(row, created)
                    row.updated_at = utcnow()
                    session.flush()
                    return _delivery(row)
            except IntegrityError:
                continue
        raise RuntimeError(f"could not record delivery {message_sid}")

    def deliveries(self, *, to_address: Optional[str] = None,
                   status: Optional[str] = None) -> list[DeliveryRecord]:
        with session_scope(self._engine) as session:
            rows = repository.list_deliveries(session=session, to_address=to_address,
                                              status=status)
            return [_delivery(row) for row in rows]


def _route(row: ConversationRoute) -> Route:
    choices = tuple(Choice(**item) for item in json.loads(row.offered_choices or "[]"))
    return Route(sender_id=row.sender_id, channel=row.channel, address=row.address,
                 last_inbound_at=as_utc(row.last_inbound_at), offered_choices=choices)


def _delivery(row: Delivery) -> DeliveryRecord:
    return DeliveryRecord(id=row.id, message_sid=row.message_sid, channel=row.channel,
                          sender_id=row.sender_id, to_address=row.to_address, status=row.status,
                          error_code=row.error_code, error_message=row.error_message,
                          attempts=row.attempts)
