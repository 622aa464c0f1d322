"""The production notice channel: Twilio for SMS and WhatsApp, Rasa for web chat."""

from __future__ import annotations

import json
from typing import Optional

from careline.channels.sender import SenderIdentity, TwilioSender
from careline.channels.store import ChannelStore
from careline.proactive.delivery import (DeliveryError, RasaConversations, notice_entities)
from careline.proactive.schemas import DeliveryMode, DeliveryReceipt, PlannedNotice
from careline.settings import Settings


class TwilioAndRasaChannel:
    """Sends each notice the way its mode needs; raises DeliveryError when refused.

    SMS and WhatsApp session messages carry the notice's text; outside the
    WhatsApp 24-hour window the approved template (a Content SID) is sent
    with its variables instead. Web chat notices are Rasa utterances on the
    ``webchat`` output channel, so they reach the open socket.
    """

    def __init__(self, *, settings: Settings, rasa: Optional[RasaConversations] = None,
                 store: Optional[ChannelStore] = None) -> None:
        store = store or ChannelStore()
        self._template_sid = settings.outage_template_sid
        self._sms = TwilioSender(settings=settings, store=store, identity=SenderIdentity(
            channel="sms", from_number=settings.twilio_sms_from,
            messaging_service_sid=settings.twilio_messaging_service_sid))
        self._whatsapp = TwilioSender(settings=settings, store=store, identity=SenderIdentity(
            channel="whatsapp", from_number=settings.twilio_whatsapp_from))
        self._rasa = rasa

    async def deliver(self, notice: PlannedNotice) -> DeliveryReceipt:
        if notice.mode is DeliveryMode.WEBCHAT:
            if self._rasa is None:
                raise DeliveryError("web chat notices need Rasa's API")
            await self._rasa.trigger_notice(conversation_id=notice.conversation_id,
                                            output_channel="webchat",
                                            entities=notice_entities(notice))
            return DeliveryReceipt(provider_id=f"rasa:webchat:{notice.conversation_id}")
        sender = self._sms if notice.mode is DeliveryMode.SMS else self._whatsapp
        if notice.mode is DeliveryMode.WHATSAPP_TEMPLATE:
            record = await sender.send(
                to=notice.address, content_sid=self._template_sid,
                content_variables=json.dumps(dict(notice.template_variables)),
                sender_id=notice.conversation_id)
        else:
            record = await sender.send(to=notice.address, body=notice.text,
                                       sender_id=notice.conversation_id)
        if record.failed or not record.message_sid:
            raise DeliveryError(f"{record.status}: {record.error_code or ''} "
                                f"{record.error_message or ''}".strip())
        return DeliveryReceipt(provider_id=record.message_sid)

    async def close(self) -> None:
        await self._sms.close()
        await self._whatsapp.close()
