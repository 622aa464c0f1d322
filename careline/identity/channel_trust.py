"""Who is writing, from the channel's metadata: the rule every customer turn applies.

SMS and WhatsApp identify the line by the sender's number and web chat by a signed
token; Careline's own input channels put the result in the message metadata
(``channel``, ``customer_id``, ``verified``). Metadata is trusted only when it names
the channel the message really came in on, so a caller of Rasa's plain REST webhook
cannot claim to be a customer. Pure, so the Rasa hook that applies it
(:mod:`careline.rasa_stores.channel_identity`) stays a thin adapter.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

TRUSTED_CHANNELS = frozenset({"sms", "whatsapp", "webchat"})
IDENTITY_SLOTS = ("channel", "customer_id", "verified", "second_factor")


def identity_changes(metadata: Mapping[str, Any], input_channel: Optional[str],
                     slots: Mapping[str, Any]) -> dict[str, Any]:
    """The identity slots this turn changes (name → new value); empty when nothing does.

    A channel that proves a customer sets them; nothing proven keeps what the chat
    itself proved (a web sign-in survives later anonymous metadata); a channel that
    now speaks for someone else forgets the earlier customer.
    """
    channel = str(input_channel or metadata.get("channel") or "rest")
    trusted = channel in TRUSTED_CHANNELS and metadata.get("channel", channel) == channel
    customer_id = metadata.get("customer_id") if trusted else None
    current = slots.get("customer_id")
    wanted: dict[str, Any] = {"channel": channel}
    if trusted and metadata.get("verified") and isinstance(customer_id, int):
        if customer_id != current:
            wanted.update(customer_id=customer_id, verified=True, second_factor=False)
    elif current is not None and customer_id not in (None, current):
        wanted.update(customer_id=None, verified=False, second_factor=False)
    return {name: value for name, value in wanted.items() if slots.get(name) != value}
