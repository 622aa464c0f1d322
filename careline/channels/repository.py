"""Channel tables' queries: keyword-only functions on an explicit session.

The per-message writes (MessageSid claims and their journal states, routes, deliveries
and their status callbacks) are single statements, most of them upserts: they run
several times per SMS turn in the Rasa process, where ORM loads and flushes cost more
CPU than the statements themselves, and an upsert cannot lose a race between two
replicas. They are written out as SQL because SQLAlchemy 1.4 (Rasa's pin) compiles its
dialects' ``INSERT … ON CONFLICT`` afresh on every call; the text is the same on
PostgreSQL and SQLite (3.35 and later, for the journal's ``RETURNING``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional, Sequence, cast

from sqlalchemy import DateTime, bindparam, select, text
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from careline.channels.inbound_journal import RECEIVED, Claim
from careline.channels.models import ConversationRoute, Delivery, InboundMessage
from careline.channels.schemas import STATUS_ORDER, DeliveryRecord


def _sql(statement: str, *moments: str) -> TextClause:
    """A statement whose ``moments`` are bound as timezone-aware datetimes."""
    return text(statement).bindparams(*(bindparam(m, type_=DateTime(timezone=True))
                                         for m in moments))


def _rank(column: str) -> str:
    """How far along a delivery status is; unknown statuses rank with the final ones."""
    whens = " ".join(f"WHEN '{status}' THEN {rank}" for status, rank in STATUS_ORDER.items())
    return f"(CASE {column} {whens} ELSE {max(STATUS_ORDER.values())} END)"


_CLAIM = _sql("""
    INSERT INTO channel_inbound_messages
        (message_sid, channel, idempotency_token, received_at, duplicates, state, lease_until,
         redrives, sender_address, proved_by, message)
    VALUES (:message_sid, :channel, :idempotency_token, :received_at, 0, 'received',
        :lease_until, 0, :sender_address, :proved_by, :message)
    ON CONFLICT (message_sid) DO NOTHING""", "received_at", "lease_until")
_RENEW = _sql("""
    UPDATE channel_inbound_messages SET lease_until = :lease_until
    WHERE message_sid = :message_sid AND state = 'received'""", "lease_until")
_ANSWERED = _sql("""
    UPDATE channel_inbound_messages SET state = 'answered', answered_at = :at,
        lease_until = NULL, sender_address = NULL, message = NULL
    WHERE message_sid = :message_sid AND state = 'received'""", "at")
_TAKE_OVER = _sql("""
    UPDATE channel_inbound_messages SET lease_until = :lease_until, redrives = redrives + 1
    WHERE message_sid = :message_sid AND state = 'received' AND lease_until < :now""",
    "lease_until", "now")
_FORGET_OLD = _sql("""
    DELETE FROM channel_inbound_messages WHERE message_sid IN (
        SELECT message_sid FROM channel_inbound_messages WHERE received_at < :before
        LIMIT :limit)""", "before")
_COUNT_RETRY = text("""
    UPDATE channel_inbound_messages SET duplicates = duplicates + 1
    WHERE message_sid = :message_sid""")
_UPSERT_ROUTE = _sql("""
    INSERT INTO channel_routes (sender_id, channel, address, last_inbound_at, offered_choices)
    VALUES (:sender_id, :channel, :address, :at, NULL)
    ON CONFLICT (sender_id, channel) DO UPDATE SET address = excluded.address,
        last_inbound_at = excluded.last_inbound_at, offered_choices = NULL""", "at")
_INSERT_DELIVERY = """
    INSERT INTO channel_deliveries (message_sid, channel, sender_id, to_address, status,
        error_code, error_message, attempts, correlation_id, created_at, updated_at)
    VALUES (:message_sid, :channel, :sender_id, :to_address, :status, :error_code,
        :error_message, :attempts, :correlation_id, :at, :at)"""
_RECORD_SEND = _sql(_INSERT_DELIVERY + """
    ON CONFLICT (message_sid) DO UPDATE SET attempts = excluded.attempts,
        sender_id = excluded.sender_id, correlation_id = excluded.correlation_id,
        updated_at = excluded.updated_at""", "at")
_RECORD_STATUS = _sql(_INSERT_DELIVERY + f"""
    ON CONFLICT (message_sid) DO UPDATE SET status = excluded.status,
        error_code = excluded.error_code, error_message = excluded.error_message,
        updated_at = excluded.updated_at
    WHERE {_rank("excluded.status")} >= {_rank("channel_deliveries.status")}""", "at")
#: One statement, so each taker is one writer: on PostgreSQL a second taker blocks on the
#: first's row locks, then re-reads the renewed leases (the outer condition) and takes
#: nothing of those rows; SQLite runs one writer at a time. RETURNING needs SQLite 3.35.
_TAKE_STALE = _sql("""
    UPDATE channel_inbound_messages SET lease_until = :lease_until, redrives = redrives + 1
    WHERE state = 'received' AND lease_until < :now AND message_sid IN (
        SELECT message_sid FROM channel_inbound_messages
        WHERE state = 'received' AND channel = :channel AND lease_until < :now
        ORDER BY received_at LIMIT :limit)
    RETURNING message_sid, channel, sender_address, proved_by, message, redrives""",
    "lease_until", "now")


def get_inbound(*, session: Session, message_sid: str) -> Optional[InboundMessage]:
    return cast("InboundMessage | None", session.get(InboundMessage, message_sid))


def claim_inbound(*, session: Session, message_sid: str, channel: str,
                  idempotency_token: Optional[str], received_at: datetime,
                  lease_until: datetime, sender_address: Optional[str], proved_by: str,
                  message: Optional[str]) -> bool:
    """Insert the MessageSid if new, journalled as received (True); else count the
    retry (False)."""
    claimed = session.execute(_CLAIM, {
        "message_sid": message_sid, "channel": channel,
        "idempotency_token": idempotency_token, "received_at": received_at,
        "lease_until": lease_until, "sender_address": sender_address,
        "proved_by": proved_by, "message": message}).rowcount == 1
    if not claimed:
        session.execute(_COUNT_RETRY, {"message_sid": message_sid})
    return bool(claimed)


def claim_or_take_over(*, session: Session, message_sid: str, channel: str, now: datetime,
                       lease_until: datetime, proved_by: str) -> Claim:
    """Claim a message its client sends again until answered (nothing of it journalled:
    the client keeps it); a received row whose lease ran out is taken over, by one
    caller only (the conditional UPDATE)."""
    if claim_inbound(session=session, message_sid=message_sid, channel=channel,
                     idempotency_token=None, received_at=now, lease_until=lease_until,
                     sender_address=None, proved_by=proved_by, message=None):
        return Claim.CLAIMED
    if session.execute(_TAKE_OVER, {"message_sid": message_sid, "now": now,
                                    "lease_until": lease_until}).rowcount == 1:
        return Claim.TAKEN_OVER
    row = get_inbound(session=session, message_sid=message_sid)
    return Claim.RUNNING if row is not None and row.state == RECEIVED else Claim.ANSWERED


def forget_inbound_before(*, session: Session, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` journalled messages received before ``before``; how many went.
    Twilio retries a webhook within minutes and a widget sends again within seconds, so an
    old row can no longer meet its duplicate (careline.db.retention)."""
    return int(session.execute(_FORGET_OLD, {"before": before, "limit": limit}).rowcount)


def renew_inbound(*, session: Session, message_sid: str, lease_until: datetime) -> bool:
    """Extend a received message's lease (its turn still runs); False once answered."""
    return bool(session.execute(_RENEW, {"message_sid": message_sid,
                                    "lease_until": lease_until}).rowcount == 1)


def mark_answered(*, session: Session, message_sid: str, at: datetime) -> bool:
    """Received → answered, the message cleared; False if it was not received."""
    return bool(session.execute(_ANSWERED, {"message_sid": message_sid, "at": at}).rowcount == 1)


def take_stale(*, session: Session, channel: str, now: datetime, lease_until: datetime,
               limit: int) -> list[Row]:
    """Take over received messages whose lease ran out, each by one caller only."""
    return list(session.execute(_TAKE_STALE, {"channel": channel, "now": now,
                                              "lease_until": lease_until, "limit": limit}))


def get_route(*, session: Session, sender_id: str, channel: str) -> Optional[ConversationRoute]:
    return cast("ConversationRoute | None", session.get(ConversationRoute, (sender_id, channel)))


def route_row(*, session: Session, sender_id: str, channel: str) -> Optional[Row]:
    """The route's columns as a plain row (no ORM identity map)."""
    routes = ConversationRoute.__table__
    query = select(routes).where(routes.c.sender_id == sender_id, routes.c.channel == channel)
    return session.execute(query).first()


def upsert_route(*, session: Session, sender_id: str, channel: str, address: str,
                 at: datetime) -> None:
    """The customer was just heard on ``channel``: options offered before are forgotten."""
    session.execute(_UPSERT_ROUTE, {"sender_id": sender_id, "channel": channel,
                                    "address": address, "at": at})


def latest_route(*, session: Session, sender_id: str) -> Optional[ConversationRoute]:
    query = (select(ConversationRoute).where(ConversationRoute.sender_id == sender_id)
             .order_by(ConversationRoute.last_inbound_at.desc()).limit(1))
    return cast("ConversationRoute | None", session.execute(query).scalars().first())


def record_sends(*, session: Session, records: Sequence[DeliveryRecord], at: datetime) -> None:
    """Record sends (one, or a turn's replies) with the one upsert, run for each; a status
    callback that raced ahead keeps its (newer) status, the send adds attempts and sender.

    Sends that never reached Twilio have no SID; NULLs never clash, so each is a row.
    """
    if not records:  # an empty executemany would run the statement once, unbound
        return
    session.execute(_RECORD_SEND, [{
        "message_sid": r.message_sid, "channel": r.channel, "sender_id": r.sender_id,
        "to_address": r.to_address, "status": r.status, "error_code": r.error_code,
        "error_message": r.error_message, "attempts": r.attempts,
        "correlation_id": r.correlation_id, "at": at} for r in records])


def record_status(*, session: Session, message_sid: str, channel: str, to_address: str,
                  status: str, error_code: Optional[str], error_message: Optional[str],
                  at: datetime) -> bool:
    """Apply a status callback; True unless it was older than the status already held.

    Twilio does not promise callbacks in order: a late ``sent`` must not undo
    ``delivered``. A callback for a SID not recorded yet creates the delivery.
    """
    return bool(session.execute(_RECORD_STATUS, {
        "message_sid": message_sid, "channel": channel, "sender_id": None,
        "to_address": to_address, "status": status, "error_code": error_code,
        "error_message": error_message, "attempts": 1, "correlation_id": None,
        "at": at}).rowcount == 1)


def list_deliveries(*, session: Session, to_address: Optional[str] = None,
                    status: Optional[str] = None) -> list[Delivery]:
    query = select(Delivery).order_by(Delivery.id)
    if to_address is not None:
        query = query.where(Delivery.to_address == to_address)
    if status is not None:
        query = query.where(Delivery.status == status)
    return list(session.execute(query).scalars())
