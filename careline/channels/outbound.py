"""Messages to a customer outside a Rasa turn: proactive notices, reminders.

Every proactive message goes through :func:`send_outbound`, which refuses
numbers whose owner opted out (or who is not a known customer, so no consent
is on record) and keeps WhatsApp's rule: outside 24 hours after the
customer's last message only an approved template (a Twilio Content SID)
may be sent. Refusals are recorded like failed deliveries.
"""

from __future__ import annotations

import asyncio
import functools
import json
from dataclasses import dataclass, field
from typing import Mapping, Optional

from careline.channels.conversation_key import customer_sender_id
from careline.channels.rendering import CHANNEL_LIMITS, split_text
from careline.channels.schemas import DeliveryRecord
from careline.channels.sender import SenderIdentity, TwilioSender
from careline.channels.store import ChannelStore, utcnow
from careline.channels.twilio_output import WHATSAPP_WINDOW
from careline.db.session import get_engine, run_blocking
from careline.settings import Settings, get_settings

PHONE_CHANNELS = ("sms", "whatsapp")
#: The profile identity whose opt-out flag governs each channel.
_IDENTITY_KINDS = {"sms": "msisdn", "whatsapp": "whatsapp"}


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


class OutboundRefused(ValueError):
    """A message that must not be sent (bad arguments, not policy: policy gives a result)."""


async def send_outbound(*, channel: str, address: str, text: Optional[str] = None,
                        template: Optional[Template] = None,
                        settings: Optional[Settings] = None,
                        store: Optional[ChannelStore] = None) -> OutboundResult:
    """Send ``text`` (or ``template``) to ``address`` on ``channel`` if policy allows."""
    from careline.profile.errors import InvalidIdentity
    from careline.profile.phone import normalise_msisdn
    from careline.profile.service import ProfileService

    if channel not in PHONE_CHANNELS:
        raise OutboundRefused(f"outbound messages go by sms or whatsapp, not {channel!r}")
    if not text and template is None:
        raise OutboundRefused("nothing to send: give text or a template")
    settings = settings or get_settings()
    engine = get_engine(settings.resolved_database_url)
    store = store or ChannelStore(engine)
    try:
        number = normalise_msisdn(address, region=settings.default_region)
    except InvalidIdentity as error:
        raise OutboundRefused(f"not a phone number: {error}") from error
    default_from = (settings.twilio_whatsapp_from if channel == "whatsapp"
                    else settings.twilio_sms_from)
    sender = TwilioSender(settings=settings, store=store, identity=SenderIdentity(
        channel=channel, from_number=default_from,
        messaging_service_sid=settings.twilio_messaging_service_sid))
    try:
        profiles = ProfileService(engine, settings=settings)
        ref = await run_blocking(functools.partial(
            profiles.find_customer, channel=channel, address=number))
        if ref is None:
            return await _refused(sender, number, None,
                                  "not a known customer: no consent on record")
        sender_id = customer_sender_id(ref.customer_id)
        profile = await run_blocking(functools.partial(
            profiles.get_profile, customer_id=ref.customer_id, interactions=0))
        if any(identity.opted_out and identity.value == number
               and identity.kind.value == _IDENTITY_KINDS[channel]
               for identity in profile.customer.identities):
            return await _refused(sender, number, sender_id, f"opted out of {channel}")
        use_template = template is not None
        if channel == "whatsapp" and not use_template:
            route = await run_blocking(functools.partial(
                store.route, sender_id=sender_id, channel="whatsapp"))
            if route is None or utcnow() - route.last_inbound_at > WHATSAPP_WINDOW:
                return await _refused(sender, number, sender_id,
                                      "WhatsApp 24-hour window closed: send an approved template")
        if use_template:
            record = await sender.send(to=number, content_sid=template.content_sid,
                                       content_variables=json.dumps(dict(template.variables))
                                       if template.variables else None, sender_id=sender_id)
            records: tuple[DeliveryRecord, ...] = (record,)
        else:
            records = tuple([await sender.send(to=number, body=part, sender_id=sender_id)
                             for part in split_text(text or "", CHANNEL_LIMITS[channel])])
        failed = [r for r in records if r.failed]
        return OutboundResult(sent=not failed, deliveries=records,
                              reason=failed[0].error_message if failed else None)
    finally:
        await sender.close()


def send_outbound_sync(**kwargs: object) -> OutboundResult:
    """:func:`send_outbound` for synchronous callers (workers, commands)."""
    return asyncio.run(send_outbound(**kwargs))  # type: ignore[arg-type]


async def _refused(sender: TwilioSender, number: str, sender_id: Optional[str],
                   reason: str) -> OutboundResult:
    record = await sender.refuse(to=number, reason=reason, sender_id=sender_id)
    return OutboundResult(sent=False, reason=reason, deliveries=(record,))
