"""What every account action shares: who the customer is, and failing politely.

:class:`AccountAction` refuses to answer an unverified person (and to change the
account without the second factor), runs the feature's one service call and turns
any error into an apology plus the offer of a person, so a customer never sees a
stack trace or silence.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Optional, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from careline.db.session import run_blocking
from careline.profile.errors import ProfileError
from careline.profile.idempotency import turn_key
from careline.profile.service import ProfileService

logger = logging.getLogger(__name__)

T = TypeVar("T")

HANDOFF_ACTION = "action_handoff_to_agent"


@dataclass(frozen=True)
class Customer:
    """The verified customer a conversation speaks for."""

    customer_id: int
    channel: str
    second_factor: bool


def verified_customer(tracker: Tracker) -> Optional[Customer]:
    """The customer behind the conversation, only once their identity is established."""
    customer_id = tracker.get_slot("customer_id")
    if not tracker.get_slot("verified") or customer_id is None:
        return None
    try:
        return Customer(customer_id=int(customer_id),
                        channel=str(tracker.get_slot("channel") or "webchat"),
                        second_factor=bool(tracker.get_slot("second_factor")))
    except (TypeError, ValueError):
        return None


def profiles() -> ProfileService:
    return ProfileService()


async def lookup(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """One blocking service call, off the event loop and bounded in time."""
    return await run_blocking(functools.partial(fn, **kwargs))


def write_key(tracker: Tracker, write: str) -> Optional[str]:
    """The idempotency key of an account write in this turn: a retried turn (nginx, relay,
    recovery) gets the first call's result back instead of writing twice."""
    return turn_key(conversation_id=tracker.sender_id, events=tracker.events, write=write)


def hand_off(reason: str) -> list[EventType]:
    """The handoff contract: say why, then let the handoff action take over."""
    return [SlotSet("handoff_reason", reason), FollowupAction(HANDOFF_ACTION)]


def apologise(dispatcher: CollectingDispatcher) -> list[EventType]:
    """A lookup failed: apologise and offer a person instead of going quiet."""
    dispatcher.utter_message(response="utter_service_trouble")
    return [SlotSet("offer", "human")]


class AccountAction(Action, metaclass=ABCMeta):
    """An answer from the customer's own account; subclasses implement :meth:`answer`."""

    #: An action that changes the account also needs the second factor, as it holds on this
    #: turn's channel: the identity hook clears one passed on a stronger channel, so a "yes"
    #: sent by SMS cannot confirm a change whose PIN was given on WhatsApp.
    needs_second_factor: ClassVar[bool] = False

    @abstractmethod
    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        """Call one service and turn the result into responses and events."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        customer = verified_customer(tracker)
        if customer is None or (self.needs_second_factor and not customer.second_factor):
            dispatcher.utter_message(response="utter_need_verification_first")
            return [SlotSet("offer", None)]
        try:
            return [SlotSet("offer", None), *await self.answer(dispatcher, tracker, customer)]
        except (ProfileError, asyncio.TimeoutError, OSError) as error:
            logger.warning("%s failed for customer %s: %s", self.name(), customer.customer_id,
                           error)
        except Exception:  # anything else is a bug; the customer still gets an answer
            logger.exception("%s failed for customer %s", self.name(), customer.customer_id)
        return apologise(dispatcher)
