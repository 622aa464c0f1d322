"""action_offer_support: a customer who tells us of a bereavement, money trouble or illness.

Said in any flow ("my mum passed away", "I've lost my job"), it gets a line of support fit
for what they said and the offer of a person (YES hands over with the reason "requested";
the agent's summary names the cue), before anything is asked of them.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.contact_history import latest_text
from actions.fault_cases import SUPPORT_RESPONSES
from careline.handoff.vulnerability import detect


class ActionOfferSupport(Action):
    def name(self) -> str:
        return "action_offer_support"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        cue = detect(latest_text(tracker))
        dispatcher.utter_message(response=SUPPORT_RESPONSES[cue.kind.value] if cue
                                 else "utter_support_general")
        return [SlotSet("offer", "human")]
