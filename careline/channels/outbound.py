"""Messages to a customer outside a Rasa turn: proactive notices, reminders.

Every proactive message goes through :class:`Outbound` (or the one-shot
:func:`send_outbound`), which refuses numbers whose owner opted out (or who
is not a known customer, so no consent is on record) and keeps WhatsApp's
rule: outside 24 hours after the customer's last message only an approved
template (a Twilio Content SID) may be sent. Refusals are recorded like failed
deliveries.

Sending thousands of notices must not cost a profile load and a new twilio
client per message: :class:`Outbound` keeps one sender (one twilio client,
one pooled HTTP session) per channel for its lifetime,
:meth:`Outbound.lookup` reads only what sending needs (whose number it is,
the opt-out flag, the WhatsApp window) for a whole batch from the profile's
contacts service (``careline.profile.contacts``) in two queries, and
with ``batch_records`` the deliveries are stored by :meth:`Outbound.flush` in
one transaction per batch instead of one per message.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping, Optional, Sequence

from sqlalchemy.engine import Engine

from careline import clock
from careline.channels.conversation_key import customer_sender_id
from careline.channels.pacing import SendPacer
from careline.channels.rendering import CHANNEL_LIMITS, split_text
from careline.channels.schemas import DeliveryRecord
from careline.channels.sender import SenderIdentity, TwilioSender
from careline.channels.store import ChannelStore
from careline.db.session import get_engine, run_blocking, session_scope
from careline.profile.contacts import PhoneContact, phone_contacts, whatsapp_window_open
from careline.settings import Settings, get_settings

PHONE_CHANNELS = ("sms", "whatsapp")


@dataclass(frozen=True)
class Template:
    """An approved WhatsApp template: its Twilio Content SID and variables."""

    content_sid: str
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboundResult:
    sent: bool
    reason: Optional[str]
    deliveries: tuple[DeliveryRecord, ...] = ()


#: ``number → PhoneContact`` for the numbers looked up; ``None`` marks an unknown number.
Contacts = Mapping[str, Optional[PhoneContact]]


class OutboundRefused(ValueError):
    """A message that must not be sent (bad arguments, not policy: policy gives a result)."""


class Outbound:
    """The outbound door, kept open: one sender per channel, contacts looked up in bulk.

    Create it inside the event loop that sends (the twilio client's HTTP
    session belongs to that loop) and :meth:`close` it when done.
    """

    def __init__(self, *, settings: Optional[Settings] = None,
                 store: Optional[ChannelStore] = None, engine: Optional[Engine] = None,
                 batch_records: bool = False) -> None:
        self._settings = settings or get_settings()
        self._engine = engine or get_engine(self._settings.resolved_database_url)
        self._store = store or ChannelStore(self._engine)
        self._senders: dict[tuple[str, str], TwilioSender] = {}
        self._pacers: dict[str, SendPacer[str]] = {}
        self._batch_records = batch_records
        self._unstored: list[DeliveryRecord] = []

    def sender(self, channel: str, from_number: Optional[str] = None) -> TwilioSender:
        """The sender of ``channel`` from ``from_number`` (default: the channel's number)."""
        settings = self._settings
        from_number = from_number or (settings.twilio_whatsapp_from if channel == "whatsapp"
                                      else settings.twilio_sms_from)
        if (channel, from_number) not in self._senders:
            self._senders[(channel, from_number)] = TwilioSender(
                settings=settings, store=self._store, identity=SenderIdentity(
                    channel=channel, from_number=from_number,
                    messaging_service_sid=settings.twilio_messaging_service_sid))
        return self._senders[(channel, from_number)]

    def pacer(self, channel: str) -> SendPacer[str]:
        """Slots on the channel's numbers, each at Twilio's rate: SMS from ``TWILIO_SMS_FROM``
        and ``CARELINE_TWILIO_SMS_NUMBERS`` at ``CARELINE_TWILIO_SENDS_PER_SECOND`` (a
        Messaging Service, which picks the number itself, counts as one), WhatsApp from its
        sender at ``CARELINE_TWILIO_WHATSAPP_SENDS_PER_SECOND``."""
        if channel not in self._pacers:
            settings = self._settings
            numbers = [settings.twilio_whatsapp_from if channel == "whatsapp"
                       else settings.twilio_sms_from]
            if channel == "sms" and not settings.twilio_messaging_service_sid:
                numbers += [n.strip() for n in settings.twilio_sms_numbers.split(",")
                            if n.strip() and n.strip() not in numbers]
            self._pacers[channel] = SendPacer(
                numbers, settings.twilio_whatsapp_sends_per_second if channel == "whatsapp"
                else settings.twilio_sends_per_second)
        return self._pacers[channel]

    async def lookup(self, *, channel: str, numbers: Sequence[str]) -> Contacts:
        """The profile's contacts (owner, opt-out, WhatsApp window) of a batch, off the loop."""
        def read() -> Contacts:
            with session_scope(self._engine) as session:
                return phone_contacts(session=session, channel=channel, numbers=numbers)

        return await run_blocking(read)

    async def send(self, *, channel: str, address: str, text: Optional[str] = None,
                   template: Optional[Template] = None,
                   contacts: Optional[Contacts] = None) -> OutboundResult:
        """Send ``text`` (or ``template``) to ``address`` on ``channel`` if policy allows.

        ``contacts`` is a :meth:`lookup` made for a batch; a number it does not
        cover is looked up on its own.
        """
        self._check(channel, text, template)
        # A number the batch's lookup found is a stored identity's value, so already
        # normalised: parsing it again cost more than sending it.
        known = contacts is not None and contacts.get(address) is not None
        number = address if known else self._number(address)
        if contacts is None or number not in contacts:
            contacts = await self.lookup(channel=channel, numbers=[number])
        contact = contacts[number]
        sender, record = self.sender(channel), not self._batch_records
        refusal = _refusal(channel, contact, template)
        sender_id = customer_sender_id(contact.customer_id) if contact else None
        if refusal is not None:
            refused = await sender.refuse(to=number, reason=refusal, sender_id=sender_id,
                                          record=record)
            self._keep((refused,))
            return OutboundResult(sent=False, reason=refusal, deliveries=(refused,))
        if template is not None:
            variables = json.dumps(dict(template.variables)) if template.variables else None
            sends = [dict(content_sid=template.content_sid, content_variables=variables)]
        else:
            sends = [dict(body=part) for part in split_text(text or "", CHANNEL_LIMITS[channel])]
        records: list[DeliveryRecord] = []
        async for origin in self.pacer(channel).slots(len(sends)):  # Twilio's rate per number
            records.append(await self.sender(channel, origin).send(
                to=number, sender_id=sender_id, record=record, **sends[len(records)]))
        self._keep(records)
        failed = [r for r in records if r.failed]
        return OutboundResult(sent=not failed, deliveries=tuple(records),
                              reason=failed[0].error_message if failed else None)

    async def find_sent(self, *, channel: str, address: str, text: str,
                        since: datetime) -> Optional[str]:
        """The SID of ``text`` (its first part) already sent to ``address`` on ``channel``
        at ``since`` or later, by Twilio's own list; None if Twilio has no such message."""
        first = split_text(text, CHANNEL_LIMITS[channel])[0]
        return await self.sender(channel).find_sent(to=address, body=first, since=since)

    @staticmethod
    def _check(channel: str, text: Optional[str], template: Optional[Template]) -> None:
        if channel not in PHONE_CHANNELS:
            raise OutboundRefused(f"outbound messages go by sms or whatsapp, not {channel!r}")
        if not text and template is None:
            raise OutboundRefused("nothing to send: give text or a template")

    def _number(self, address: str) -> str:
        from careline.profile.errors import InvalidIdentity
        from careline.profile.phone import normalise_msisdn

        try:
            return normalise_msisdn(address, region=self._settings.default_region)
        except InvalidIdentity as error:
            raise OutboundRefused(f"not a phone number: {error}") from error

    def _keep(self, records: Sequence[DeliveryRecord]) -> None:
        self._unstored.extend(r for r in records if not r.stored)

    async def flush(self) -> int:
        """Store the deliveries sent since the last flush, in one transaction; returns how many."""
        records, self._unstored = self._unstored, []
        if records:
            await run_blocking(functools.partial(self._store.record_deliveries, records))
        return len(records)

    async def close(self) -> None:
        await self.flush()
        for sender in self._senders.values():
            await sender.close()
        self._senders.clear()


async def send_outbound(*, channel: str, address: str, text: Optional[str] = None,
                        template: Optional[Template] = None,
                        settings: Optional[Settings] = None,
                        store: Optional[ChannelStore] = None) -> OutboundResult:
    """One message through a short-lived :class:`Outbound` (reminders, one-time codes)."""
    outbound = Outbound(settings=settings, store=store)
    try:
        return await outbound.send(channel=channel, address=address, text=text,
                                   template=template)
    finally:
        await outbound.close()


def _refusal(channel: str, contact: Optional[PhoneContact],
             template: Optional[Template]) -> Optional[str]:
    """Why policy forbids this message, or None when it may go."""
    if contact is None:
        return "not a known customer: no consent on record"
    if contact.opted_out:
        return f"opted out of {channel}"
    if channel == "whatsapp" and template is None and not whatsapp_window_open(
            contact.last_whatsapp_inbound, now=clock.now()):
        return "WhatsApp 24-hour window closed: send an approved template"
    return None
