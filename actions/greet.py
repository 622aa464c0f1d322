"""action_greet: a known customer is greeted by name, with their open fault if they have one.

Only a verified customer is named: an SMS number proves nobody, so an unverified sender
gets the usual greeting (saying a name or a case to them would tell a spoofer).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.contact_history import read_history
from actions.customer import lookup, profiles, verified_customer
from actions.fault_cases import case_facts


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        customer = verified_customer(tracker)
        if customer is None:
            dispatcher.utter_message(response="utter_greet")
            return []
        try:
            info = await lookup(profiles().get_customer, customer_id=customer.customer_id)
        except Exception:  # the greeting must not fail: greet as anyone
            dispatcher.utter_message(response="utter_greet")
            return []
        history = await read_history(customer.customer_id)
        case = history.open_fault if history else None
        if case is not None:
            dispatcher.utter_message(response="utter_greet_known_open_case",
                                     customer_name=info.first_name, **case_facts(case))
        else:
            dispatcher.utter_message(response="utter_greet_known", customer_name=info.first_name)
        return []
