"""Enter sent SMS/WhatsApp notices into their customers' Rasa conversations.

Apart from delivery (careline/proactive/service.py) because it runs on its own too
(``careline incident sync-trackers``, ``release-held``, the incidents API): a notice
already sent waits ``pending`` here until Rasa takes it, whatever happened to the
process that sent it.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from typing import Optional

from sqlalchemy.engine import Engine

from careline.db.session import run_blocking, session_scope
from careline.proactive import repository
from careline.proactive.delivery import NOTICE_INTENT, RECORD_ONLY_CHANNEL, notice_entities
from careline.proactive.models import Notification
from careline.proactive.schemas import DeliveryMode, IncidentAction, PlannedNotice
from careline.rasa_client import RasaClient, RasaError

logger = logging.getLogger(__name__)


class TrackerRecorder:
    """Several conversations at once, never two notices of one conversation at once."""

    def __init__(self, *, rasa: RasaClient, engine: Optional[Engine],
                 concurrency: int) -> None:
        self._rasa = rasa
        self._engine = engine
        self._concurrency = concurrency

    async def record(self, *, limit: int = 10_000) -> int:
        """Enter pending notices into Rasa; returns how many were recorded.

        Each conversation gets its notices in order. Stops at the first unreachable Rasa
        (the rest stay ``pending`` for the next run); a notice Rasa refuses (e.g. an older
        model without the intent) is marked ``failed`` so it does not block the others.
        """
        rows = await run_blocking(functools.partial(self._pending, limit))
        recorded = 0
        for chunk in by_distinct_conversation(rows, size=self._concurrency * 4):
            states = await asyncio.gather(*(self._enter(row_id, notice)
                                            for row_id, notice in chunk))
            done = {row_id: state for (row_id, _), state in zip(chunk, states) if state}
            await run_blocking(functools.partial(self._set_states, done))
            recorded += sum(1 for state in done.values() if state == "recorded")
            if len(done) < len(chunk):
                logger.warning("Rasa unreachable; %d notices wait for their trackers",
                               len(rows) - recorded)
                break
        return recorded

    async def _enter(self, row_id: int, notice: PlannedNotice) -> Optional[str]:
        """``recorded``, ``failed`` (Rasa refused it) or None (Rasa unreachable or slow:
        retry later)."""
        try:
            await self._rasa.trigger_intent(conversation_id=notice.conversation_id,
                                            intent=NOTICE_INTENT,
                                            output_channel=RECORD_ONLY_CHANNEL,
                                            entities=notice_entities(notice))
        except RasaError as error:
            if error.transient:
                return None
            logger.warning("Rasa refused notice %d: %s", row_id, error)
            return "failed"
        return "recorded"

    def _pending(self, limit: int) -> list[tuple[int, PlannedNotice]]:
        with session_scope(self._engine) as session:
            return [(row.id, notice_of(row)) for row in
                    repository.pending_tracker_entries(session=session, limit=limit)]

    def _set_states(self, states: dict[int, str]) -> None:
        with session_scope(self._engine) as session:
            for row_id, state in states.items():
                repository.set_tracker_state(session=session, notification_id=row_id,
                                             tracker=state)


def by_distinct_conversation(rows: list[tuple[int, PlannedNotice]], *, size: int
                             ) -> list[list[tuple[int, PlannedNotice]]]:
    """Consecutive chunks of at most ``size`` rows, no conversation twice in one chunk."""
    chunks: list[list[tuple[int, PlannedNotice]]] = []
    current: list[tuple[int, PlannedNotice]] = []
    seen: set[str] = set()
    for row in rows:
        if len(current) >= size or row[1].conversation_id in seen:
            chunks.append(current)
            current, seen = [], set()
        current.append(row)
        seen.add(row[1].conversation_id)
    return chunks + [current] if current else chunks


def notice_of(row: Notification) -> PlannedNotice:
    """The notice a stored row plans (for delivery and for the tracker entry alike)."""
    variables = json.loads(row.template_variables) if row.template_variables else {}
    return PlannedNotice(
        customer_id=row.customer_id, segment=row.segment, mode=DeliveryMode(row.mode),
        address=row.address or "", conversation_id=row.conversation_id or "",
        text=row.text or "", incident_id=row.incident_id, action=IncidentAction(row.action),
        area=row.area or "", template=row.template,
        template_variables=tuple(variables.items()),
    )
