"""One customer, one conversation: a channel address → a stable Rasa sender id."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional

from careline.observability.redact import mask_phone
from careline.settings import get_settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CustomerKey:
    sender_id: str
    address: str
    customer_id: Optional[int]
    profile_unavailable: bool = False


def customer_sender_id(customer_id: int) -> str:
    """The conversation id of a known customer, the same on every channel."""
    return f"customer-{customer_id}"


def _address(channel: str, raw_address: str) -> tuple[str, Optional[CustomerKey]]:
    """The E.164 form of ``raw_address`` (``whatsapp:`` stripped), or, for an address that
    is no phone number, the key it is answered under."""
    from careline.profile.errors import InvalidIdentity
    from careline.profile.phone import normalise_msisdn

    try:
        return normalise_msisdn(raw_address, region=get_settings().default_region), None
    except InvalidIdentity as error:
        address = raw_address.removeprefix("whatsapp:").strip()
        logger.warning("%s address %s not a phone number (%s)", channel,
                       mask_phone(address), error)
        return address, CustomerKey(sender_id=f"{channel}-{address}"[:64], address=address,
                                    customer_id=None)


def lookup_customer(channel: str, raw_address: str) -> CustomerKey:
    """Find the customer behind ``raw_address`` (blocking: run it in a thread).

    Unknown numbers are keyed by their E.164 form, so SMS and WhatsApp from one
    number still share a conversation; if the profile store fails the turn goes
    on under that key rather than leaving the customer without an answer.
    """
    from careline.profile.service import ProfileService

    address, odd = _address(channel, raw_address)
    if odd is not None:
        return odd
    try:
        ref = ProfileService().find_customer(channel=channel, address=address)
    except Exception:  # noqa: BLE001 - a down profile store must not silence the channel
        logger.exception("profile lookup for %s failed; answering without the profile",
                         mask_phone(address))
        return CustomerKey(sender_id=address, address=address, customer_id=None,
                           profile_unavailable=True)
    if ref is None:
        return CustomerKey(sender_id=address, address=address, customer_id=None)
    return CustomerKey(sender_id=customer_sender_id(ref.customer_id), address=address,
                       customer_id=ref.customer_id)


def key_without_profile(channel: str, raw_address: str) -> CustomerKey:
    """The key of a turn whose profile lookup did not answer in time."""
    address, odd = _address(channel, raw_address)
    if odd is not None:
        return odd
    logger.error("profile lookup for %s timed out; answering without the profile",
                 mask_phone(address))
    return CustomerKey(sender_id=address, address=address, customer_id=None,
                       profile_unavailable=True)
