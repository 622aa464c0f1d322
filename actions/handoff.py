"""action_handoff_to_agent: pass the conversation to a person with its full context.

Other actions set the ``handoff_reason`` slot and return
``FollowupAction("action_handoff_to_agent")``; rules send request_human,
frustration and cancel_service here directly. The action builds the context
package (careline.handoff), stores it in the durable outbox, pauses the bot
for this conversation and tells the customer truthfully what happens next.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from careline.db.session import run_blocking
from careline.handoff.schemas import ContextPackage
from careline.desk.handoff_flow import handoff_service
from careline.handoff.service import ConversationFacts

logger = logging.getLogger(__name__)


class ActionHandoffToAgent(Action):
    def name(self) -> str:
        return "action_handoff_to_agent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        facts = conversation_facts(tracker)
        try:
            outcome = await run_blocking(functools.partial(handoff_service().hand_off, facts))
        except Exception:  # the outbox (our database) is down: say so, do not pretend
            logger.exception("handoff for %s could not be stored", tracker.sender_id)
            dispatcher.utter_message(response="utter_handoff_failed")
            return [SlotSet("handoff_reason", None)]
        if outcome.package is None:
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return [SlotSet("handoff_reason", None)]
        tell_customer(dispatcher, outcome.package, customers_ahead=outcome.customers_ahead)
        return [ActiveLoop(None), SlotSet("handoff_reason", outcome.package.reason.value),
                ConversationPaused()]


def conversation_facts(tracker: Tracker) -> ConversationFacts:
    metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
    channel = tracker.get_slot("channel") or tracker.get_latest_input_channel() or "rest"
    return ConversationFacts(  # who the customer is and where: the slots (the channel's
        conversation_id=tracker.sender_id,  # proof), never metadata, which a caller writes;
        channel=str(channel),  # the address is only shown to the agent, beside the profile
        sender=metadata.get("address"),
        # unverified, the customer an SMS number names: the agent sees the profile marked
        # "not verified", and the priority counts their history; the handoff never waits
        customer_id=_as_int(tracker.get_slot("customer_id")
                            or tracker.get_slot("channel_customer_id")),
        verified=bool(tracker.get_slot("verified")),
        slot_reason=tracker.get_slot("handoff_reason"),
        latest_intent=(tracker.latest_message.get("intent") or {}).get("name"),
        events=tuple(tracker.events),
    )


def tell_customer(dispatcher: CollectingDispatcher, package: ContextPackage, *,
                  customers_ahead: int) -> None:
    """Where they are in the queue, or when we open: the words are the domain's responses
    (domain/handoff.yml), one per case, so only numbers and times come from here."""
    service = package.service
    if service.open_now:
        queued = ("utter_handoff_queued_next" if customers_ahead == 0 else
                  "utter_handoff_queued_behind_one" if customers_ahead == 1 else
                  "utter_handoff_queued")
        dispatcher.utter_message(response=queued, customers_ahead=customers_ahead,
                                 wait_minutes=service.expected_wait_minutes)
    elif service.next_opening is None:
        dispatcher.utter_message(response="utter_handoff_after_hours_reopening_unknown")
    else:
        opening = service.next_opening
        dispatcher.utter_message(response="utter_handoff_after_hours",
                                 opening_day=f"{opening:%A}", opening_time=f"{opening:%H:%M}")


def _as_int(value: Any) -> Optional[int]:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
