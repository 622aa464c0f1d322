"""The production notice channel: ``careline.channels.outbound`` for SMS/WhatsApp, Rasa for web chat."""

from __future__ import annotations

from datetime import datetime
from typing import Optional, Sequence

from careline.channels.outbound import Contacts, Outbound, OutboundRefused, Template
from careline.channels.store import ChannelStore
from careline.proactive.delivery import (NOTICE_INTENT, DeliveryError, OutcomeUnknown,
                                         notice_entities)
from careline.proactive.schemas import DeliveryMode, DeliveryReceipt, PlannedNotice
from careline.rasa_client import RasaClient, RasaError
from careline.settings import Settings


class TwilioAndRasaChannel:
    """Sends each notice the way its mode needs; raises DeliveryError when refused.

    SMS and WhatsApp go through the channel layer's outbound door, kept open
    for the channel's lifetime (one twilio client and HTTP connection pool per
    channel). :meth:`prepare` looks up a batch's contacts (opt-outs, WhatsApp
    window) in bulk, so each send re-checks consent without a query of its
    own, and :meth:`flush` stores the batch's deliveries in one transaction.
    Outside the WhatsApp 24-hour window the approved outage template (a
    Content SID) is sent with its variables. Web chat notices are Rasa
    utterances on the ``webchat`` output channel, so they reach the socket.
    """

    def __init__(self, *, settings: Settings, rasa: Optional[RasaClient] = None,
                 store: Optional[ChannelStore] = None,
                 outbound: Optional[Outbound] = None) -> None:
        self._settings = settings
        self._outbound = outbound or Outbound(settings=settings, store=store,
                                              batch_records=True)
        self._rasa = rasa
        self._contacts: dict[str, Contacts] = {}

    async def prepare(self, notices: Sequence[PlannedNotice]) -> None:
        """Look up the contacts of a batch about to be delivered, one query per channel."""
        by_channel: dict[str, list[str]] = {}
        for notice in notices:
            if notice.mode is not DeliveryMode.WEBCHAT:
                by_channel.setdefault(notice.mode.channel, []).append(notice.address)
        self._contacts = {}
        self._contacts = {channel: await self._outbound.lookup(channel=channel, numbers=numbers)
                          for channel, numbers in by_channel.items()}

    async def deliver(self, notice: PlannedNotice) -> DeliveryReceipt:
        if notice.mode is DeliveryMode.WEBCHAT:
            if self._rasa is None:
                raise DeliveryError("web chat notices need Rasa's API")
            try:
                await self._rasa.trigger_intent(conversation_id=notice.conversation_id,
                                                intent=NOTICE_INTENT, output_channel="webchat",
                                                entities=notice_entities(notice))
            except RasaError as error:  # e.g. the customer left the web chat since the plan
                raise DeliveryError(str(error), transient=error.transient) from error
            return DeliveryReceipt(provider_id=f"rasa:webchat:{notice.conversation_id}")
        channel = notice.mode.channel
        template = (Template(content_sid=self._settings.outage_template_sid,
                             variables=dict(notice.template_variables))
                    if notice.mode is DeliveryMode.WHATSAPP_TEMPLATE else None)
        try:
            result = await self._outbound.send(
                channel=channel, address=notice.address,
                text=None if template else notice.text, template=template,
                contacts=self._contacts.get(channel))
        except OutboundRefused as error:
            raise DeliveryError(str(error)) from error
        sids = [d.message_sid for d in result.deliveries if d.message_sid]
        if not result.sent or not sids:
            # Twilio away or overloaded beyond the sender's own retries may pass; Twilio's
            # 4xx and Careline's policy (opt-out, WhatsApp window) are final
            raise DeliveryError(result.reason or "not sent", transient=any(
                delivery.retryable for delivery in result.deliveries))
        return DeliveryReceipt(provider_id=",".join(sids)[:64])

    async def find_sent(self, notice: PlannedNotice, *, since: datetime) -> Optional[str]:
        """Whether Twilio accepted this SMS or WhatsApp text since ``since`` (its SID).

        A template's words are Twilio's, not ours, to match on, and a web chat notice
        leaves no receipt, so for those the outcome is unknown.
        """
        if notice.mode in (DeliveryMode.WEBCHAT, DeliveryMode.WHATSAPP_TEMPLATE):
            raise OutcomeUnknown(f"a {notice.mode.value} notice cannot be looked up")
        return await self._outbound.find_sent(channel=notice.mode.channel,
                                              address=notice.address, text=notice.text,
                                              since=since)

    async def flush(self) -> None:
        """Store the batch's deliveries in the channel layer's log, in one transaction."""
        await self._outbound.flush()

    async def close(self) -> None:
        await self._outbound.close()
        if self._rasa is not None:
            await self._rasa.close()
