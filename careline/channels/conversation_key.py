"""One customer, one conversation: a channel address → a stable Rasa sender id."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Optional

from careline.observability.redact import mask_phone
from careline.settings import Settings, get_settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CustomerKey:
    sender_id: str
    address: str
    customer_id: Optional[int]
    profile_unavailable: bool = False


def customer_sender_id(customer_id: int, *, settings: Optional[Settings] = None) -> str:
    """The conversation id of a known customer, the same on SMS, WhatsApp and web chat.

    An HMAC of the customer id under ``CARELINE_CONVERSATION_SECRET``: a sequential
    ``customer-<id>`` let anyone who could name a conversation (Rasa's REST channel did)
    read and write any customer's, and this one cannot be derived from the customer
    number. Every feature that addresses a customer's conversation calls this function.
    """
    digest = hmac.new(conversation_secret(settings).encode(), f"customer:{int(customer_id)}"
                      .encode(), hashlib.sha256).hexdigest()
    return f"conv-{digest[:32]}"


def conversation_secret(settings: Optional[Settings] = None) -> str:
    """``CARELINE_CONVERSATION_SECRET``, or a random local one kept in the data dir."""
    return (settings or get_settings()).secret("conversation_secret")


def customer_key(channel: str, raw_address: str, *, look_up: bool = True) -> CustomerKey:
    """Normalise ``raw_address`` (E.164, ``whatsapp:`` stripped) and find its customer.

    Blocking: the edge runs it in the thread that also stores the route. Unknown numbers
    are keyed by their E.164 form, so SMS and WhatsApp from one number still share a
    conversation; if the profile store is down (or ``look_up`` is False: it did not
    answer in time) the turn goes on under that key rather than leaving the customer
    without an answer.
    """
    from careline.profile.errors import InvalidIdentity
    from careline.profile.phone import normalise_msisdn
    from careline.profile.service import ProfileService

    try:
        address = normalise_msisdn(raw_address, region=get_settings().default_region)
    except InvalidIdentity as error:
        address = raw_address.removeprefix("whatsapp:").strip()
        logger.warning("%s address %s not a phone number (%s)", channel,
                       mask_phone(address), error)
        return CustomerKey(sender_id=f"{channel}-{address}"[:64], address=address,
                           customer_id=None)
    unavailable = CustomerKey(sender_id=address, address=address, customer_id=None,
                              profile_unavailable=True)
    if not look_up:
        return unavailable
    try:
        ref = ProfileService().find_customer(channel=channel, address=address)
    except Exception:  # noqa: BLE001 - a down profile store must not silence the channel
        logger.exception("profile lookup for %s failed; answering without the profile",
                         mask_phone(address))
        return unavailable
    if ref is None:
        return CustomerKey(sender_id=address, address=address, customer_id=None)
    return CustomerKey(sender_id=customer_sender_id(ref.customer_id), address=address,
                       customer_id=ref.customer_id)
