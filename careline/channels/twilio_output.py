"""The edge's output to SMS and WhatsApp: split, numbered options, window, records.

It takes the bot's messages as Rasa's output channels receive them (the dicts a
relayed turn answers, careline/channels/turn_relay.py) without importing Rasa: the
edge process stays small (docs/channels.md).

Every send is recorded in ``channel_deliveries``. Outside a turn (desk replies,
notices) each is recorded as it goes. Inside a turn (``per_turn``) the records
wait and :meth:`TwilioOutput.flush_deliveries` stores them in one transaction
after the turn's last reply: recording each at once cost a thread hop, a pool
checkout with pre-ping and a commit between one reply (or action) and the next,
about 1.6 times a turn, in latency and CPU on the loop that answers customers.

The price is a crash window: a process that dies mid-turn loses the records of
the replies it sent. Twilio's status callbacks upsert the row by MessageSid
anyway (``repository.record_status``), so such a delivery is still recorded,
without its conversation; and a callback that arrives before the turn's write
keeps its newer status (``repository.record_sends``).
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any, Optional

from careline import clock
from careline.channels.rendering import (
    CHANNEL_LIMITS,
    choices_from_buttons,
    numbered_options,
    split_text,
)
from careline.channels.schemas import DeliveryRecord
from careline.channels.sender import TwilioSender
from careline.channels.store import ChannelStore
from careline.db.session import run_blocking
from careline.profile.contacts import whatsapp_window_open

logger = logging.getLogger(__name__)


class TwilioOutput:
    """Sends a conversation's bot messages to the customer's number on one channel.

    Inside a turn the number is known; outside one (desk replies and reminders that
    Rasa hands the edge, careline/channels/relayed_turns.py) it comes from the
    conversation's stored route.
    """

    kind = "sms"

    @classmethod
    def name(cls) -> str:
        return cls.kind

    def __init__(self, *, sender: TwilioSender, store: ChannelStore,
                 address: Optional[str] = None, limit: Optional[int] = None,
                 per_turn: bool = False) -> None:
        self.sender = sender
        self.store = store
        self.address = address
        self.limit = limit or CHANNEL_LIMITS[self.kind]
        #: ``per_turn``: the sends not stored yet, for :meth:`flush_deliveries`.
        self._unstored: Optional[list[DeliveryRecord]] = [] if per_turn else None

    @property
    def sent_in_turn(self) -> int:
        """How many messages this turn has sent so far (0 outside a turn)."""
        return len(self._unstored or ())

    def _keep(self, record: DeliveryRecord) -> None:
        if self._unstored is not None and not record.stored:
            self._unstored.append(record)

    async def flush_deliveries(self, *, answered: Optional[str] = None) -> None:
        """End the turn: store its deliveries, and mark the message ``answered`` (its
        MessageSid) answered, in one transaction. Later sends through this output (a
        reminder Rasa scheduled with it) are recorded at once. A failure is logged with
        the MessageSids, not raised: the customer has had the replies, and a message not
        marked answered is re-driven after its lease (answered twice, never lost)."""
        records, self._unstored = self._unstored or [], None
        if not records and answered is None:
            return
        try:
            await run_blocking(functools.partial(self.store.record_deliveries, records,
                                                 answered=answered))
        except Exception:  # noqa: BLE001 - never into the customer's path
            logger.exception("%s: %d deliveries not recorded (MessageSids %s)%s; status "
                             "callbacks record those sent, without their conversation",
                             self.kind, len(records),
                             ", ".join(r.message_sid or "(not sent)" for r in records),
                             f", {answered} not marked answered: it will be re-driven"
                             if answered else "")

    async def _send(self, **fields: Any) -> None:
        self._keep(await self.sender.send(record=self._unstored is None, **fields))

    async def _refuse(self, **fields: Any) -> None:
        self._keep(await self.sender.refuse(record=self._unstored is None, **fields))

    async def _address_for(self, recipient_id: str) -> Optional[str]:
        if self.address:
            return self.address
        route = await run_blocking(functools.partial(
            self.store.route, sender_id=recipient_id, channel=self.kind))
        if route is None:
            logger.warning("no %s route for conversation %s; message dropped and recorded",
                           self.kind, recipient_id)
            await self._refuse(to="unknown", reason="no route to the customer",
                               sender_id=recipient_id)
            return None
        if self.kind == "whatsapp" and not whatsapp_window_open(route.last_inbound_at,
                                                              now=clock.now()):
            await self._refuse(
                to=route.address, sender_id=recipient_id,
                reason="WhatsApp 24-hour window closed: only approved templates may be sent")
            return None
        return route.address

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """One bot message as Rasa's ``OutputChannel.send_response`` dispatches it: words
        (with buttons or quick replies as numbered options), then a custom payload, an
        image, an attachment and elements, each if present."""
        buttons = message.get("quick_replies") or message.get("buttons")
        if buttons:
            await self.send_text_with_buttons(recipient_id, message.get("text") or "", buttons)
        elif message.get("text"):
            await self.send_text_message(recipient_id, message["text"])
        if message.get("custom"):
            await self.send_custom_json(recipient_id, message["custom"])
        if message.get("image"):
            await self.send_image_url(recipient_id, message["image"])
        if message.get("attachment"):
            await self.send_text_message(recipient_id, f"Attachment: {message['attachment']}")
        for element in message.get("elements") or ():
            title = f"{element.get('title', '')} : {element.get('subtitle', '')}"
            await self.send_text_with_buttons(recipient_id, title, element.get("buttons", []))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        address = await self._address_for(recipient_id)
        if address is None:
            return
        for part in split_text(text, self.limit):
            await self._send(to=address, body=part, sender_id=recipient_id)

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        choices = choices_from_buttons(buttons)
        await run_blocking(functools.partial(
            self.store.offer_choices, sender_id=recipient_id, channel=self.kind,
            choices=choices))
        await self.send_text_message(recipient_id, numbered_options(text, choices))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        address = await self._address_for(recipient_id)
        if address is not None:
            await self._send(to=address, media_url=image, sender_id=recipient_id)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any],
                               **kwargs: Any) -> None:
        """``{"content_sid": …, "content_variables": {…}}`` sends an approved template."""
        address = await self._address_for(recipient_id)
        if address is None:
            return
        if json_message.get("content_sid"):
            variables = json_message.get("content_variables")
            await self._send(
                to=address, content_sid=str(json_message["content_sid"]),
                content_variables=json.dumps(variables) if variables else None,
                sender_id=recipient_id)
        elif json_message.get("text"):
            await self.send_text_message(recipient_id, str(json_message["text"]))


class SmsOutput(TwilioOutput):
    kind = "sms"


class WhatsAppOutput(TwilioOutput):
    kind = "whatsapp"
