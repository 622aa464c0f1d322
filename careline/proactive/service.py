"""OutageCare: handle one incident update end to end, safely repeatable.

1. Record the update by (incident id, version) — a repeat resumes, never re-plans;
   an older version than one already handled is recorded as stale and sends nothing.
2. Write the incident into the network silo and plan the notices; the plan,
   every notice claimed as ``pending``, is committed with the update record.
3. Deliver in segment order (VIP first), concurrently within a segment; each
   batch is marked ``sending`` before it goes, so no process sends a notice twice
   (what a killed one left is settled on the next start: :meth:`OutageCare.settle`).
4. Put each sent notice into the customer's Rasa conversation.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Optional

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careline import clock
from careline.db.session import run_blocking, session_scope
from careline.observability.metrics import NOTICES
from careline.observability.redact import mask_phone
from careline.poison.ledger import PoisonLedger
from careline.poison.rules import describe
from careline.profile.contacts import known_areas
from careline.proactive import audience, incidents, repository
from careline.proactive.delivery import DeliveryError, NoticeChannel
from careline.proactive.planner import PlanContext, plan_notices
from careline.proactive.policy import ContactPolicy
from careline.proactive.recovery import Settled, settle_stranded, unfinished
from careline.proactive.retries import TRANSIENT, NoticeRetry
from careline.proactive.schemas import (DeliveryMode, IncidentUpdate, NotifyResult,
                                        PlannedNotice, Suppression)
from careline.proactive.trackers import TrackerRecorder, notice_of
from careline.rasa_client import RasaClient
from careline.webchat.presence import STALE_AFTER

logger = logging.getLogger(__name__)
UNKNOWN_OUTCOME = "outcome unknown"
#: Generous bounds for planning ten thousand recipients on SQLite.
PLAN_TIMEOUT = 300.0


class VersionConflict(Exception):
    """The same incident id and version arrived with a different body."""


class UnknownArea(ValueError):
    """An update names an area the network silo does not serve."""


@dataclass(frozen=True)
class CareOptions:
    policy: ContactPolicy = field(default_factory=ContactPolicy)
    #: A web chat connection not refreshed for this long no longer counts as connected.
    webchat_window: timedelta = STALE_AFTER
    concurrency: int = 4
    batch: int = 50
    retry: NoticeRetry = NoticeRetry()


@dataclass(frozen=True)
class Acceptance:
    """An update recorded and planned, ready to dispatch."""

    update: IncidentUpdate
    duplicate: bool
    stale: bool
    already_sent: int


@dataclass(frozen=True)
class _Prepared:
    duplicate: bool
    stale: bool


class OutageCare:
    def __init__(self, *, channel: NoticeChannel, rasa: Optional[RasaClient] = None,
                 engine: Optional[Engine] = None, options: CareOptions = CareOptions(),
                 clock: Callable[[], datetime] = clock.now) -> None:
        self._channel = channel
        self._rasa = rasa
        self._engine = engine
        self._options = options
        self._clock = clock

    @property
    def engine(self) -> Optional[Engine]:
        """The database (None: the settings'), for the incidents API's queue gauges."""
        return self._engine

    async def handle(self, update: IncidentUpdate) -> NotifyResult:
        """Plan, deliver and record one update; repeating it sends nothing already sent."""
        return await self.dispatch(await self.accept(update))

    async def accept(self, update: IncidentUpdate) -> Acceptance:
        """Record and plan the update (quick, bounded); raises VersionConflict/UnknownArea."""
        before = (await run_blocking(functools.partial(self._counts, update),
                                     timeout=PLAN_TIMEOUT)).get("sent", 0)
        prepared = await run_blocking(functools.partial(self._prepare, update),
                                      timeout=PLAN_TIMEOUT)
        return Acceptance(update=update, duplicate=prepared.duplicate, stale=prepared.stale,
                          already_sent=before)

    async def dispatch(self, accepted: Acceptance) -> NotifyResult:
        """Deliver what :meth:`accept` planned, then enter the notices into Rasa."""
        update = accepted.update
        sent = failed = 0
        if not accepted.stale:
            sent, failed = await self._deliver(update.incident_id, update.version)
            await run_blocking(functools.partial(self._finish, update.incident_id,
                                                 update.version))
            if self._rasa is not None:
                await self.record_in_trackers()
        counts = await run_blocking(functools.partial(self._counts, update))
        return NotifyResult(
            incident_id=update.incident_id, version=update.version,
            duplicate=accepted.duplicate, sent=sent, failed=failed,
            already_sent=accepted.already_sent,
            skipped={k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("skipped:")},
        )

    async def close(self) -> None:
        await self._channel.close()

    # --- planning ---------------------------------------------------------------------------
    def _prepare(self, update: IncidentUpdate) -> _Prepared:
        payload = update.json()
        digest = hashlib.sha256(_canonical(update).encode()).hexdigest()
        now = self._clock()
        try:
            with session_scope(self._engine) as session:
                existing = repository.get_handled_update(
                    session=session, incident_id=update.incident_id, version=update.version)
                if existing is not None:
                    if existing.payload_hash != digest:
                        raise VersionConflict(
                            f"incident {update.incident_id} version {update.version} was "
                            "already received with different content; send a new version")
                    repository.requeue_failed(session=session, incident_id=update.incident_id,
                                              version=update.version)
                    return _Prepared(duplicate=True, stale=existing.state == "stale")
                latest = repository.latest_version(session=session,
                                                   incident_id=update.incident_id)
                if latest is not None and update.version < latest:
                    repository.add_handled_update(
                        session=session, incident_id=update.incident_id,
                        version=update.version, action=update.action.value, payload=payload,
                        payload_hash=digest, state="stale", received_at=now)
                    return _Prepared(duplicate=False, stale=True)
                self._plan(session=session, update=update, payload=payload, digest=digest,
                           now=now)
        except IntegrityError:
            # Another worker recorded the same update a moment ago: resume theirs.
            return _Prepared(duplicate=True, stale=False)
        return _Prepared(duplicate=False, stale=False)

    def _plan(self, *, session: Session, update: IncidentUpdate, payload: str, digest: str,
              now: datetime) -> None:
        unknown = set(update.areas) - known_areas(session=session, codes=update.areas)
        if unknown:
            raise UnknownArea(f"unknown area code(s): {', '.join(sorted(unknown))}")
        repository.add_handled_update(
            session=session, incident_id=update.incident_id, version=update.version,
            action=update.action.value, payload=payload, payload_hash=digest,
            state="processing", received_at=now)
        incidents.write_incident(session=session, update=update)
        policy = self._options.policy
        recipients = audience.recipients_in_areas(
            session=session, areas=update.areas, now=now, timezone=policy.default_timezone,
            webchat_window=self._options.webchat_window)
        context = PlanContext(
            now=now, policy=policy,
            recent_counts=repository.recent_sent_counts(
                session=session, since=now - timedelta(hours=policy.rate_window_hours)),
            told_about_incident=repository.told_about_incident(
                session=session, incident_id=update.incident_id))
        plan = plan_notices(update, recipients, context)
        common = dict(incident_id=update.incident_id, version=update.version,
                      action=update.action.value, created_at=now)
        repository.add_pending(session=session, notices=plan.notices, **common)
        repository.add_skipped(session=session, skipped=plan.skipped,
                               segments={r.customer_id: r.segment for r in recipients}, **common)
        logger.info("incident %s v%d: %d notices planned, %d skipped", update.incident_id,
                    update.version, len(plan.notices), len(plan.skipped))

    # --- delivery ---------------------------------------------------------------------------
    async def _deliver(self, incident_id: str, version: int) -> tuple[int, int]:
        sent = failed = 0
        limit = asyncio.Semaphore(self._options.concurrency)
        while True:
            batch = await run_blocking(functools.partial(
                self._claim, incident_id, version))
            if not batch:
                return sent, failed
            try:
                await self._channel.prepare([notice for _, _, notice in batch])
            except Exception as error:  # noqa: BLE001 - each send then looks up its own contact
                logger.warning("bulk contact lookup failed (%r); sending one by one", error)
            outcomes: dict[int, tuple[Optional[str], Optional[str]]] = {}
            for rank in sorted({row_rank for _, row_rank, _ in batch}):
                group = [(row_id, notice) for row_id, row_rank, notice in batch
                         if row_rank == rank]
                results = await asyncio.gather(*(self._send_one(limit, notice)
                                                 for _, notice in group))
                outcomes.update({row_id: result for (row_id, _), result in zip(group, results)})
            try:
                await self._channel.flush()
            except Exception as error:  # noqa: BLE001 - the notices' own outcomes still count
                logger.error("channel delivery log not stored for a batch: %r", error)
            await run_blocking(functools.partial(self._record_outcomes, outcomes, batch))
            sent += sum(1 for provider, _ in outcomes.values() if provider)
            failed += sum(1 for provider, _ in outcomes.values() if not provider)

    async def _send_one(self, limit: asyncio.Semaphore, notice: PlannedNotice
                        ) -> tuple[Optional[str], Optional[str]]:
        async with limit:
            try:
                receipt = await self._channel.deliver(notice)
            except DeliveryError as error:
                logger.warning("notice to customer %d (%s) refused: %s", notice.customer_id,
                               mask_phone(notice.address), error)
                return None, f"{TRANSIENT}: {error}" if error.transient else str(error)
            except Exception as error:  # noqa: BLE001 - one notice must not stop the rest
                # The channel may or may not have sent it: never retried automatically.
                logger.error("notice to customer %d (%s) outcome unknown: %r",
                             notice.customer_id, mask_phone(notice.address), error)
                return None, f"{UNKNOWN_OUTCOME}: {type(error).__name__}: {error}"
            return receipt.provider_id, None

    def _claim(self, incident_id: str, version: int) -> list[tuple[int, int, PlannedNotice]]:
        """The next batch to send. A row that cannot be read back as a notice would fail
        every pass of its incident the same way, so it is parked at once (careline.poison)
        and the batch goes on without it; empty only when nothing is pending."""
        while True:
            claimed, unreadable = [], []
            with session_scope(self._engine) as session:
                rows = repository.claim_for_sending(
                    session=session, incident_id=incident_id, version=version,
                    limit=self._options.batch)
                for row in rows:
                    try:
                        claimed.append((row.id, row.rank, notice_of(row)))
                    except Exception as error:  # noqa: BLE001 - reading a row needs no peer
                        repository.mark_parked(session=session, notification_id=row.id,
                                               error=describe(error))
                        unreadable.append((row.id, error))
            for row_id, failure in unreadable:  # counted, logged and listed by careline parked
                PoisonLedger(self._engine).failed(consumer="notices", key=f"notice {row_id}",
                                                  error=failure, max_tries=1)
            if claimed or not rows:
                return claimed

    def _record_outcomes(self, outcomes: dict[int, tuple[Optional[str], Optional[str]]],
                         batch: list[tuple[int, int, PlannedNotice]]) -> None:
        modes = {row_id: notice.mode for row_id, _, notice in batch}
        now = self._clock()
        with session_scope(self._engine) as session:
            for row_id, (provider_id, error) in outcomes.items():
                NOTICES.labels(modes[row_id].value, "sent" if provider_id else "failed").inc()
                if provider_id:
                    tracker = "recorded" if modes[row_id] is DeliveryMode.WEBCHAT else "pending"
                    repository.mark_sent(session=session, notification_id=row_id,
                                         provider_id=provider_id, sent_at=now, tracker=tracker)
                elif error and error.startswith(UNKNOWN_OUTCOME):
                    repository.mark_unknown(session=session, notification_id=row_id, error=error)
                else:
                    transient = bool(error and error.startswith(TRANSIENT))
                    repository.mark_failed(session=session, notification_id=row_id,
                                           error=error or "refused", now=now,
                                           retry=self._options.retry if transient else None)

    def _finish(self, incident_id: str, version: int) -> None:
        with session_scope(self._engine) as session:
            repository.finish_handled_update(session=session, incident_id=incident_id,
                                             version=version, state="done",
                                             finished_at=self._clock())

    def _counts(self, update: IncidentUpdate) -> dict[str, int]:
        with session_scope(self._engine) as session:
            return repository.status_counts(session=session, incident_id=update.incident_id,
                                            version=update.version)

    def latest_update(self, *, incident_id: str) -> Optional[IncidentUpdate]:
        """The newest version received for an incident (what ``update``/``resolve`` build on)."""
        with session_scope(self._engine) as session:
            version = repository.latest_version(session=session, incident_id=incident_id)
            if version is None:
                return None
            row = repository.get_handled_update(session=session, incident_id=incident_id,
                                                version=version)
            return IncidentUpdate.parse_raw(row.payload) if row else None

    def incident_counts(self, *, incident_id: str) -> dict[str, int]:
        """Notices sent, failed and skipped (by reason) for every version of an incident."""
        with session_scope(self._engine) as session:
            return repository.status_counts(session=session, incident_id=incident_id)

    async def settle(self) -> Settled:
        """Record what became of notices a stopped sender left ``sending``
        (careline/proactive/recovery.py); run at start, before anything is sent."""
        return await settle_stranded(self._channel, self._engine, now=self._clock())

    async def resume(self) -> int:
        """Send what is still ``pending`` (a stopped sender's, once :meth:`settle` put it
        back) and mark those updates done; returns how many were sent."""
        sent = 0
        for incident_id, version in await run_blocking(functools.partial(unfinished,
                                                                         self._engine)):
            sent += (await self._deliver(incident_id, version))[0]
            await run_blocking(functools.partial(self._finish, incident_id, version))
        return sent

    async def retry_failed(self) -> int:
        """Send again the notices refused for a passing reason whose retry is due (see
        careline/proactive/retries.py); returns how many were sent."""
        sent = 0
        for incident_id, version in await run_blocking(self._due_retries):
            sent += (await self._deliver(incident_id, version))[0]
        return sent

    def _due_retries(self) -> list[tuple[str, int]]:
        with session_scope(self._engine) as session:
            return repository.requeue_due_retries(session=session, now=self._clock())

    # --- quiet hours --------------------------------------------------------------------------
    async def release_held(self) -> int:
        """Send notices held back by quiet hours once the customer's quiet hours end.

        Only for an incident's newest version (a newer one was planned on its
        own); the customer is re-checked (consent, channel, rate limit) as if
        planned now. Returns how many were sent.
        """
        sent = 0
        for incident_id, version in await run_blocking(self._held_versions):
            if await run_blocking(functools.partial(self._replan_held, incident_id, version),
                                  timeout=PLAN_TIMEOUT):
                sent += (await self._deliver(incident_id, version))[0]
        return sent

    def _held_versions(self) -> list[tuple[str, int]]:
        with session_scope(self._engine) as session:
            return [(incident_id, version) for incident_id, version in
                    repository.held_versions(session=session)
                    if repository.latest_version(session=session,
                                                 incident_id=incident_id) == version]

    def _replan_held(self, incident_id: str, version: int) -> int:
        """Plan the held customers again now; returns how many became ``pending``."""
        now = self._clock()
        policy = self._options.policy
        with session_scope(self._engine) as session:
            row = repository.get_handled_update(session=session, incident_id=incident_id,
                                                version=version)
            assert row is not None, "a held version is a handled one"
            update = IncidentUpdate.parse_raw(row.payload)
            held = repository.held_customer_ids(session=session, incident_id=incident_id,
                                                version=version)
            recipients = [r for r in audience.recipients_in_areas(
                session=session, areas=update.areas, now=now, timezone=policy.default_timezone,
                webchat_window=self._options.webchat_window) if r.customer_id in held]
            plan = plan_notices(update, recipients, PlanContext(
                now=now, policy=policy,
                recent_counts=repository.recent_sent_counts(
                    session=session, since=now - timedelta(hours=policy.rate_window_hours)),
                told_about_incident=repository.told_about_incident(
                    session=session, incident_id=incident_id)))
            for notice in plan.notices:
                repository.release_held(session=session, notice=notice, version=version)
            for skipped in plan.skipped:
                if skipped.reason is not Suppression.QUIET_HOURS:
                    repository.reclassify_held(session=session, incident_id=incident_id,
                                               version=version, customer_id=skipped.customer_id,
                                               reason=skipped.reason.value)
            return len(plan.notices)

    # --- trackers ---------------------------------------------------------------------------
    async def record_in_trackers(self, *, limit: int = 10_000) -> int:
        """Enter sent SMS/WhatsApp notices into their Rasa conversations; returns how many
        (careline/proactive/trackers.py)."""
        if self._rasa is None:
            return 0
        recorder = TrackerRecorder(rasa=self._rasa, engine=self._engine,
                                   concurrency=self._options.concurrency)
        return await recorder.record(limit=limit)


def _canonical(update: IncidentUpdate) -> str:
    """The update's content without its time (a default when omitted), to spot a reused version."""
    return json.dumps(json.loads(update.json(exclude={"occurred_at"})), sort_keys=True)
