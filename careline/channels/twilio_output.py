"""Rasa output channels for SMS and WhatsApp: split, numbered options, window, records."""

from __future__ import annotations

import functools
import json
import logging
from datetime import timedelta
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel

from careline.channels.rendering import (
    CHANNEL_LIMITS, choices_from_buttons, numbered_options, split_text,
)
from careline.channels.sender import TwilioSender
from careline.channels.store import ChannelStore, utcnow
from careline.db.session import run_blocking

logger = logging.getLogger(__name__)

#: WhatsApp lets a business write freely only within 24 hours of the customer's last message.
WHATSAPP_WINDOW = timedelta(hours=24)


class TwilioOutput(OutputChannel):
    """Sends a conversation's bot messages to the customer's number on one channel.

    Inside a turn the number is known; outside one (Rasa's ``output_channel=latest``
    for desk replies and notices) it comes from the conversation's stored route.
    """

    kind = "sms"

    @classmethod
    def name(cls) -> Text:
        return cls.kind

    def __init__(self, *, sender: TwilioSender, store: ChannelStore,
                 address: Optional[str] = None, limit: Optional[int] = None) -> None:
        self.sender = sender
        self.store = store
        self.address = address
        self.limit = limit or CHANNEL_LIMITS[self.kind]

    async def _address_for(self, recipient_id: str) -> Optional[str]:
        if self.address:
            return self.address
        route = await run_blocking(functools.partial(
            self.store.route, sender_id=recipient_id, channel=self.kind))
        if route is None:
            logger.warning("no %s route for conversation %s; message dropped and recorded",
                           self.kind, recipient_id)
            await self.sender.refuse(to="unknown", reason="no route to the customer",
                                     sender_id=recipient_id)
            return None
        if self.kind == "whatsapp" and utcnow() - route.last_inbound_at > WHATSAPP_WINDOW:
            await self.sender.refuse(
                to=route.address, sender_id=recipient_id,
                reason="WhatsApp 24-hour window closed: only approved templates may be sent")
            return None
        return route.address

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        address = await self._address_for(recipient_id)
        if address is None:
            return
        for part in split_text(text, self.limit):
            await self.sender.send(to=address, body=part, sender_id=recipient_id)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        choices = choices_from_buttons(buttons)
        await run_blocking(functools.partial(
            self.store.offer_choices, sender_id=recipient_id, channel=self.kind,
            choices=choices))
        await self.send_text_message(recipient_id, numbered_options(text, choices))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        address = await self._address_for(recipient_id)
        if address is not None:
            await self.sender.send(to=address, media_url=image, sender_id=recipient_id)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any],
                               **kwargs: Any) -> None:
        """``{"content_sid": …, "content_variables": {…}}`` sends an approved template."""
        address = await self._address_for(recipient_id)
        if address is None:
            return
        if json_message.get("content_sid"):
            variables = json_message.get("content_variables")
            await self.sender.send(
                to=address, content_sid=str(json_message["content_sid"]),
                content_variables=json.dumps(variables) if variables else None,
                sender_id=recipient_id)
        elif json_message.get("text"):
            await self.send_text_message(recipient_id, str(json_message["text"]))


class SmsOutput(TwilioOutput):
    kind = "sms"


class WhatsAppOutput(TwilioOutput):
    kind = "whatsapp"
