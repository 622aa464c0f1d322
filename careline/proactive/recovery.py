"""What a killed notice sender leaves behind, settled when the incidents API starts.

A batch is marked ``sending`` before it goes, so one process never sends a notice twice.
But a sender killed mid-batch leaves the whole batch ``sending`` (some notices accepted by
Twilio, some never sent) and its update ``processing``, with nobody left to finish either.
So the incidents API, on start, asks the provider about each stranded notice: Twilio's
list of the number's messages shows whether the notice's text went to it after the notice
was planned. One that did is marked ``sent`` with Twilio's SID (its tracker entry still
to come); one that did not is ``pending`` again and goes out with the rest of its update
(:meth:`careline.proactive.service.OutageCare.settle`, then ``resume``). A WhatsApp
template (its words are Twilio's) or a web chat notice (no receipt) cannot be looked up:
it is marked ``unknown`` and never sent again automatically, as for any outcome the
channel lost.

This runs while no other process sends: under ``careline up`` the incidents API is the one
sender. A ``careline incident open`` still sending at that very moment would have its
claimed batch looked up too, and a notice it was about to send could go twice.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy.engine import Engine

from careline.db.session import run_blocking, session_scope
from careline.observability.redact import mask_phone
from careline.poison.rules import describe
from careline.proactive import repository
from careline.proactive.delivery import NoticeChannel, OutcomeUnknown
from careline.proactive.schemas import DeliveryMode, PlannedNotice
from careline.proactive.trackers import notice_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stranded:
    row_id: int
    notice: PlannedNotice
    planned_at: datetime


@dataclass(frozen=True)
class Settled:
    """Stranded notices found sent, put back to send, and of unknown outcome."""

    sent: int = 0
    released: int = 0
    unknown: int = 0


async def settle_stranded(channel: NoticeChannel, engine: Optional[Engine], *,
                          now: datetime) -> Settled:
    """Look each ``sending`` notice up at its channel and record what it says."""
    rows = await run_blocking(functools.partial(_stranded, engine))
    outcomes: dict[int, tuple[str, Optional[str]]] = {}
    for row in rows:
        try:
            found = await channel.find_sent(row.notice, since=row.planned_at)
        except OutcomeUnknown as error:
            outcomes[row.row_id] = ("unknown", str(error))
            continue
        outcomes[row.row_id] = ("sent", found) if found else ("pending", None)
        logger.info("stranded notice to customer %d (%s): %s", row.notice.customer_id,
                    mask_phone(row.notice.address), "had gone out" if found else "goes out now")
    modes = {row.row_id: row.notice.mode for row in rows}
    await run_blocking(functools.partial(_record, engine, outcomes, modes, now))
    states = [state for state, _ in outcomes.values()]
    settled = Settled(sent=states.count("sent"), released=states.count("pending"),
                      unknown=states.count("unknown"))
    if rows:
        logger.warning("notices a stopped sender left sending: %d had gone out, %d go out "
                       "now, %d of unknown outcome", settled.sent, settled.released,
                       settled.unknown)
    return settled


def _stranded(engine: Optional[Engine]) -> list[Stranded]:
    with session_scope(engine) as session:
        found = []
        for row in repository.stranded(session=session):
            try:
                found.append(Stranded(row.id, notice_of(row), row.created_at))
            except Exception as error:  # noqa: BLE001 - as _claim does: park the unreadable
                repository.mark_parked(session=session, notification_id=row.id,
                                       error=describe(error))
        return found


def unfinished(engine: Optional[Engine]) -> list[tuple[str, int]]:
    """Updates with notices still to send, or not marked done."""
    with session_scope(engine) as session:
        return repository.unfinished_versions(session=session)


def _record(engine: Optional[Engine], outcomes: dict[int, tuple[str, Optional[str]]],
            modes: dict[int, DeliveryMode], now: datetime) -> None:
    with session_scope(engine) as session:
        for row_id, (state, detail) in outcomes.items():
            if state == "sent" and detail:
                tracker = "recorded" if modes[row_id] is DeliveryMode.WEBCHAT else "pending"
                repository.mark_sent(session=session, notification_id=row_id,
                                     provider_id=detail[:64], sent_at=now, tracker=tracker)
            elif state == "pending":
                repository.release_claim(session=session, notification_id=row_id)
            else:
                repository.mark_unknown(session=session, notification_id=row_id,
                                        error=f"outcome unknown after a restart: {detail}")
