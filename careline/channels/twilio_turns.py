"""One Twilio messaging webhook, from its signature to the customer's replies.

The Twilio edge (twilio_gateway.py) runs this for every webhook, under ``careline
run`` and ``careline up`` alike: a webhook is checked (signature, duplicate
``MessageSid``), journalled (inbound_journal.py), acknowledged at once with empty
TwiML, and its turn runs in a background task, relayed to Rasa (turn_relay.py); a turn
that fails gets the apology, never silence. A message whose process died before
answering it is re-driven by :meth:`TwilioTurns.recover`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional

from careline.channels.apology import APOLOGY
from careline.channels.conversation_key import CustomerKey, customer_key
from careline.channels.journal_lease import RENEWALS_PER_LEASE, lease_held
from careline.channels.keywords import (
    FOR_THE_CONVERSATION,
    REPLIES,
    Keyword,
    keyword_of,
    record_consent,
)
from careline.channels.rendering import resolve_choice
from careline.channels.schemas import Route, TwilioInbound
from careline.channels.sender import TwilioSender
from careline.channels.store import ChannelStore
from careline.channels.twilio_output import TwilioOutput
from careline.channels.twilio_webhook import (
    DUPLICATE_HEADER,
    EMPTY_TWIML,
    parse_form,
    parse_inbound,
    signature_matches,
    signed_url,
)
from careline.db.session import run_blocking
from careline.identity.channel_trust import Proof
from careline.observability import correlation, metrics
from careline.observability.redact import mask_phone
from careline.settings import Settings

logger = logging.getLogger(__name__)

#: Turns run at once per channel; more wait their turn (in order) while their webhooks are
#: acknowledged, so a burst cannot starve the event loop that acknowledges new webhooks.
MAX_CONCURRENT_TURNS = 8
#: Recording a MessageSid may wait this long (Twilio gives up on a webhook after 15 s).
CLAIM_TIMEOUT_SECONDS = 10.0


#: What a valid Twilio signature proves: the sender's number (on SMS, spoofable upstream).
NUMBER_PROOF = {"sms": Proof.SMS_NUMBER, "whatsapp": Proof.WHATSAPP_NUMBER}


@dataclass(frozen=True)
class PhoneTurn:
    """One customer message ready to run, with what the edge proved about its sender
    (the signature checked, the number's customer): never taken from metadata.
    Its attributes are named as Rasa's ``UserMessage``'s."""

    text: str
    #: The turn's output: the replies go through it.
    output_channel: TwilioOutput
    sender_id: str
    input_channel: str
    message_id: str
    metadata: dict[str, Any]
    customer_id: Optional[int]
    proved_by: Proof


@dataclass(frozen=True)
class Arrival:
    """Who wrote (their number's customer) and their route as it was before this message,
    found and stored in one trip to the database's thread."""

    key: CustomerKey
    previous: Optional[Route]
    #: False when the route could not be stored: the turn apologises.
    route_stored: bool = True


#: What runs a turn: the relay to Rasa (turn_relay.py), or a test's stand-in for it.
RunTurn = Callable[[PhoneTurn], Awaitable[Any]]


@dataclass(frozen=True)
class WebhookRequest:
    """A messaging webhook as posted, whatever the web framework."""

    path: str
    query_string: str
    content_type: str
    body: bytes
    signature: Optional[str]
    idempotency_token: Optional[str]


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    text: str
    #: An already processed MessageSid (a Twilio retry): answered, not run again.
    duplicate: bool = False

    @property
    def content_type(self) -> str:
        return "text/xml" if self.text == EMPTY_TWIML else "text/plain"

    @property
    def headers(self) -> dict[str, str]:
        return {DUPLICATE_HEADER: "1"} if self.duplicate else {}


class TwilioTurns:
    """Accepts one channel's webhooks and runs their turns, at most ``concurrency`` at once."""

    def __init__(self, *, kind: str, settings: Settings, store: ChannelStore,
                 sender: TwilioSender, output_class: type[TwilioOutput], limit: int,
                 concurrency: int = MAX_CONCURRENT_TURNS) -> None:
        self.kind = kind
        self.settings = settings
        self.store = store
        self.sender = sender
        self.output_class = output_class
        self.limit = limit
        self._concurrency = concurrency
        self._slots: Optional[asyncio.Semaphore] = None  # made in the server's loop
        self._tasks: set[asyncio.Task[Any]] = set()

    def output(self, address: Optional[str] = None, *, per_turn: bool = False) -> TwilioOutput:
        return self.output_class(sender=self.sender, store=self.store, address=address,
                                 limit=self.limit, per_turn=per_turn)

    async def accept(self, request: WebhookRequest, run: RunTurn) -> WebhookAnswer:
        """Check and record the webhook, start its turn, and say what to answer Twilio."""
        form = parse_form(request.content_type, request.body)
        url = signed_url(self.settings.public_url, request.path, request.query_string)
        if not signature_matches(url=url, form=form, signature=request.signature,
                                 auth_token=self.settings.twilio_auth_token.get_secret_value()):
            logger.warning("refused %s %s: missing or invalid X-Twilio-Signature (from %s)",
                           self.kind, request.path, mask_phone(form.get("From") or ""))
            metrics.refused(channel=self.kind, reason="invalid_signature")
            return WebhookAnswer(403, "invalid Twilio signature")
        inbound = parse_inbound(self.kind, form)
        if inbound is not None:  # the turn's id, inherited by its task (correlation.py)
            correlation.use(inbound.message_sid)
        if inbound is None:
            logger.warning("%s webhook without From or MessageSid ignored", self.kind)
            return WebhookAnswer(200, EMPTY_TWIML)
        try:
            first_time = await run_blocking(functools.partial(
                self.store.claim_inbound, inbound=inbound,
                proved_by=NUMBER_PROOF[self.kind].value, lease_seconds=self._lease,
                idempotency_token=request.idempotency_token), timeout=CLAIM_TIMEOUT_SECONDS)
        except Exception:  # noqa: BLE001 - unknown whether seen: let Twilio retry it
            logger.exception("%s %s: could not record the MessageSid", self.kind,
                             inbound.message_sid)
            return WebhookAnswer(503, "temporarily unavailable")
        if not first_time:
            logger.info("%s %s already processed (Twilio retry, idempotency token %s)",
                        self.kind, inbound.message_sid, request.idempotency_token or "none")
            return WebhookAnswer(200, EMPTY_TWIML, duplicate=True)
        self._start(inbound, run)
        return WebhookAnswer(200, EMPTY_TWIML)

    async def recover(self, run: RunTurn) -> None:
        """For the life of the process serving the channel: re-drive its messages that
        were accepted but not answered within their lease (the process running the turn
        died), however many processes serve the channel, each message by one of them."""
        interval = min(max(self._lease / RENEWALS_PER_LEASE, 0.5), 15.0)
        while True:
            await asyncio.sleep(interval)
            await self.redrive_stale(run)

    async def redrive_stale(self, run: RunTurn) -> int:
        """Take over and start the stale messages; how many. A database error waits for
        the next round: the messages stay received."""
        try:
            entries = await run_blocking(functools.partial(
                self.store.take_stale, channel=self.kind, lease_seconds=self._lease,
                limit=self._concurrency))
        except Exception:  # noqa: BLE001 - the loop must outlive a database outage
            logger.exception("%s: could not look for unanswered messages", self.kind)
            return 0
        for entry in entries:
            correlation.use(entry.inbound.message_sid)  # inherited by the turn's task
            logger.warning("%s %s accepted but not answered in time: re-driven (%d)",
                           self.kind, entry.inbound.message_sid, entry.redrives)
            metrics.REDRIVEN_TURNS.labels(self.kind).inc()
            self._start(entry.inbound, run, Proof(entry.proved_by))
        return len(entries)

    @property
    def _lease(self) -> float:
        return self.settings.redrive_after_seconds

    def _start(self, inbound: TwilioInbound, run: RunTurn,
               proved_by: Optional[Proof] = None) -> None:
        task = asyncio.create_task(self._queued(inbound, run, proved_by))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float) -> None:
        """Let turns in flight finish (on shutdown): their webhooks were acknowledged."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def _queued(self, inbound: TwilioInbound, run: RunTurn,
                      proved_by: Optional[Proof]) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._concurrency)
        # held while the turn waits for a slot too: it is not stale, only queued
        async with lease_held(self.store, message_sid=inbound.message_sid,
                              lease_seconds=self._lease), self._slots:
            await self.turn(inbound, run, proved_by)

    async def turn(self, inbound: TwilioInbound, run: RunTurn,
                   proved_by: Optional[Proof] = None) -> None:
        """Route, keywords, a numbered choice, then the turn; at its end its deliveries
        stored and the message marked answered in one write (not marked when the turn is
        cancelled: it is re-driven)."""
        started, outcome, answered = time.perf_counter(), "answered", False
        arrival = await self._arrival(inbound)
        key = arrival.key
        output = self.output(key.address, per_turn=True)
        try:
            try:
                outcome = await self._answer(inbound, arrival, output, run,
                                             proved_by or NUMBER_PROOF[self.kind])
            except Exception:  # noqa: BLE001 - the customer gets an apology, never silence
                logger.exception("%s turn for %s failed", self.kind, key.sender_id)
                outcome = "apologised"
                await output.send_text_message(key.sender_id, APOLOGY)
            answered = True
        finally:  # one write, after the turn's last reply (twilio_output)
            await output.flush_deliveries(answered=inbound.message_sid if answered else None)
            seconds = time.perf_counter() - started
            metrics.TWILIO_TURNS.labels(self.kind, outcome).inc()
            metrics.TWILIO_TURN_SECONDS.labels(self.kind).observe(seconds)
            logger.info("%s turn %s in %.0f ms", self.kind, outcome, seconds * 1000,
                        extra={"twilio_turn": {"channel": self.kind, "outcome": outcome,
                                               "latency_ms": round(seconds * 1000)}})

    async def _arrival(self, inbound: TwilioInbound) -> Arrival:
        """The customer looked up and the route stored, in one thread hop (each costs the
        event loop a handoff); a database that does not answer in time leaves the turn
        without either, and it apologises."""
        try:
            return await run_blocking(functools.partial(self._arrive, inbound))
        except Exception:  # noqa: BLE001 - the customer gets an apology, never silence
            logger.exception("%s %s: customer and route not found in time", self.kind,
                             inbound.message_sid)
            return Arrival(key=customer_key(self.kind, inbound.raw_from, look_up=False),
                           previous=None, route_stored=False)

    def _arrive(self, inbound: TwilioInbound) -> Arrival:
        key = customer_key(self.kind, inbound.raw_from)
        try:
            previous = self.store.remember_route(sender_id=key.sender_id, channel=self.kind,
                                                 address=key.address)
        except Exception:  # noqa: BLE001 - the customer gets an apology, never silence
            logger.exception("%s %s: route not stored", self.kind, inbound.message_sid)
            return Arrival(key=key, previous=None, route_stored=False)
        return Arrival(key=key, previous=previous)

    async def _answer(self, inbound: TwilioInbound, arrival: Arrival, output: TwilioOutput,
                      run: RunTurn, proved_by: Proof) -> str:
        """The turn's work, its replies handed to ``output``; the outcome's label."""
        if not arrival.route_stored:
            raise RuntimeError("the conversation's route could not be stored")
        key, previous = arrival.key, arrival.previous
        keyword = keyword_of(inbound.body, inbound.opt_out_type)
        if keyword is not None and keyword not in FOR_THE_CONVERSATION:
            await self._honour_keyword(keyword, inbound, key, output)
            return "keyword"
        choice = resolve_choice(inbound.body, previous.offered_choices) if previous else None
        # a photo or location without words stays empty: the Agent hook (rasa_integration.guard)
        # answers it as out of scope, and a person sees the media in the handoff's metadata
        text = inbound.button_payload or choice or inbound.body.strip()
        # the signature checked, the number is the proof: identity never rides in metadata
        await run(PhoneTurn(text=text, output_channel=output, sender_id=key.sender_id,
                            input_channel=self.kind, message_id=inbound.message_sid,
                            metadata=_metadata(inbound, key), customer_id=key.customer_id,
                            proved_by=proved_by))
        if keyword is not None and not output.sent_in_turn:  # paused: the desk may answer
            await output.send_text_message(key.sender_id, REPLIES[keyword])
        return "answered"

    async def _honour_keyword(self, keyword: Keyword, inbound: TwilioInbound, key: CustomerKey,
                              output: TwilioOutput) -> None:
        await run_blocking(functools.partial(record_consent, keyword, channel=self.kind,
                                             address=key.address))
        if inbound.opt_out_type is None:  # with Advanced Opt-Out, Twilio has replied already
            await output.send_text_message(key.sender_id, REPLIES[keyword])


def _metadata(inbound: TwilioInbound, key: CustomerKey) -> dict[str, Any]:
    """Facts for display (the handoff's sender, media, location), never an identity."""
    metadata: dict[str, Any] = {
        "channel": inbound.channel, "address": key.address,
        "media": [{"url": m.url, "content_type": m.content_type} for m in inbound.media],
        "message_sid": inbound.message_sid,
    }
    if inbound.location is not None:
        metadata["location"] = {"latitude": inbound.location.latitude,
                                "longitude": inbound.location.longitude,
                                "label": inbound.location.label,
                                "address": inbound.location.address}
    if inbound.profile_name:
        metadata["profile_name"] = inbound.profile_name
    if inbound.wa_id:
        metadata["wa_id"] = inbound.wa_id
    if key.profile_unavailable:
        metadata["profile_unavailable"] = True
    return metadata
