"""The production notice channel: ``careline.channels.outbound`` for SMS and WhatsApp, Rasa for web chat."""

from __future__ import annotations

from typing import Optional

from careline.channels.outbound import OutboundRefused, Template, send_outbound
from careline.channels.store import ChannelStore
from careline.proactive.delivery import DeliveryError, RasaConversations, notice_entities
from careline.proactive.schemas import DeliveryMode, DeliveryReceipt, PlannedNotice
from careline.db.session import get_engine
from careline.settings import Settings


class TwilioAndRasaChannel:
    """Sends each notice the way its mode needs; raises DeliveryError when refused.

    SMS and WhatsApp go through the channel layer's outbound door (the real
    twilio client; it re-checks opt-outs and the WhatsApp window, and records
    each delivery). Outside the WhatsApp 24-hour window the approved outage
    template (a Content SID) is sent with its variables. Web chat notices are
    Rasa utterances on the ``webchat`` output channel, so they reach the socket.
    """

    def __init__(self, *, settings: Settings, rasa: Optional[RasaConversations] = None,
                 store: Optional[ChannelStore] = None) -> None:
        self._settings = settings
        self._store = store or ChannelStore(get_engine(settings.resolved_database_url))
        self._rasa = rasa

    async def deliver(self, notice: PlannedNotice) -> DeliveryReceipt:
        if notice.mode is DeliveryMode.WEBCHAT:
            if self._rasa is None:
                raise DeliveryError("web chat notices need Rasa's API")
            await self._rasa.trigger_notice(conversation_id=notice.conversation_id,
                                            output_channel="webchat",
                                            entities=notice_entities(notice))
            return DeliveryReceipt(provider_id=f"rasa:webchat:{notice.conversation_id}")
        template = (Template(content_sid=self._settings.outage_template_sid,
                             variables=dict(notice.template_variables))
                    if notice.mode is DeliveryMode.WHATSAPP_TEMPLATE else None)
        try:
            result = await send_outbound(
                channel=notice.mode.channel, address=notice.address,
                text=None if template else notice.text, template=template,
                settings=self._settings, store=self._store)
        except OutboundRefused as error:
            raise DeliveryError(str(error)) from error
        sids = [d.message_sid for d in result.deliveries if d.message_sid]
        if not result.sent or not sids:
            raise DeliveryError(result.reason or "not sent")
        return DeliveryReceipt(provider_id=",".join(sids)[:64])

    async def close(self) -> None:
        if self._rasa is not None:
            await self._rasa.close()
