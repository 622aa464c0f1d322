"""Who is writing, from the channel's metadata, checked on every customer turn.

SMS and WhatsApp identify the line by the sender's number and web chat by a
signed token; Careline's own input channels put the result in the message
metadata (``channel``, ``customer_id``, ``verified``). Rasa runs this action
after every user message (the identity slots' custom mapping), and metadata
is trusted only when it names the channel the message really came in on, so a
caller of Rasa's plain REST webhook cannot claim to be a customer.
"""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

TRUSTED_CHANNELS = frozenset({"sms", "whatsapp", "webchat"})


def channel_identity(metadata: dict[str, Any], input_channel: Optional[str],
                     current_customer: Any) -> list[EventType]:
    """Identity slots from trustworthy metadata; nothing proven keeps what the chat proved."""
    channel = str(input_channel or metadata.get("channel") or "rest")
    trusted = channel in TRUSTED_CHANNELS and metadata.get("channel", channel) == channel
    customer_id = metadata.get("customer_id") if trusted else None
    events: list[EventType] = [SlotSet("channel", channel)]
    if trusted and metadata.get("verified") and isinstance(customer_id, int):
        if customer_id != current_customer:
            events += [SlotSet("customer_id", customer_id), SlotSet("verified", True),
                       SlotSet("second_factor", False)]
    elif current_customer is not None and customer_id not in (None, current_customer):
        # the channel now speaks for someone else: forget the earlier customer
        events += [SlotSet("customer_id", None), SlotSet("verified", False),
                   SlotSet("second_factor", False)]
    return events


class ActionIdentifyCustomer(Action):
    """Fills ``channel``, ``customer_id`` and ``verified`` for this turn."""

    def name(self) -> str:
        return "action_identify_customer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        metadata = tracker.latest_message.get("metadata") or {}
        events = channel_identity(metadata, tracker.get_latest_input_channel(),
                                  tracker.get_slot("customer_id"))
        current = {e["name"]: e["value"] for e in events}
        return [e for e in events if tracker.get_slot(e["name"]) != current[e["name"]]]
