"""The SMS and WhatsApp channels as the Twilio edge runs them: who sends, and the turns.

Each channel sends as the settings say (``TWILIO_SMS_FROM`` or ``TWILIO_WHATSAPP_FROM``,
or ``TWILIO_MESSAGING_SERVICE_SID``) through :class:`~careline.channels.sender.TwilioSender`,
the one sender every feature's Twilio messages go through, and accepts webhooks with
:class:`~careline.channels.twilio_turns.TwilioTurns`.
"""

from __future__ import annotations

import logging
from typing import Optional

from careline.channels.rendering import CHANNEL_LIMITS
from careline.channels.sender import SenderIdentity, TwilioSender
from careline.channels.store import ChannelStore
from careline.channels.twilio_output import SmsOutput, TwilioOutput, WhatsAppOutput
from careline.channels.twilio_turns import MAX_CONCURRENT_TURNS, TwilioTurns
from careline.settings import Settings

#: The twilio library logs every API request, headers and all, at INFO: a dozen lines
#: per reply written from the event loop that also acknowledges webhooks. Its warnings
#: stay; each send's outcome is in channel_deliveries and in our own log lines.
logging.getLogger("twilio").setLevel(logging.WARNING)

OUTPUTS: dict[str, type[TwilioOutput]] = {"sms": SmsOutput, "whatsapp": WhatsAppOutput}


class PhoneChannel:
    """One Twilio channel (``sms`` or ``whatsapp``) of the edge."""

    def __init__(self, kind: str, *, settings: Settings, store: ChannelStore,
                 from_number: Optional[str] = None, limit: Optional[int] = None,
                 concurrency: int = MAX_CONCURRENT_TURNS) -> None:
        self.kind = kind
        default_from = (settings.twilio_whatsapp_from if kind == "whatsapp"
                        else settings.twilio_sms_from)
        self.sender = TwilioSender(settings=settings, store=store, identity=SenderIdentity(
            channel=kind, from_number=from_number or default_from,
            messaging_service_sid=settings.twilio_messaging_service_sid))
        self.turns = TwilioTurns(kind=kind, settings=settings, store=store,
                                 sender=self.sender, output_class=OUTPUTS[kind],
                                 limit=limit or CHANNEL_LIMITS[kind], concurrency=concurrency)


def phone_channels(settings: Settings, store: ChannelStore) -> dict[str, PhoneChannel]:
    """Both channels, by name."""
    return {kind: PhoneChannel(kind, settings=settings, store=store) for kind in OUTPUTS}
