"""Triage from the customer's history and mood, before any troubleshooting or sign-in.

Read at the start of the outage, fault and greeting flows: who the channel names (an SMS
number names its line without verifying it), their open cases and recent contacts, how
the latest message reads. A frustrated repeat contact goes to a person at once, whether
or not they have signed in; a vulnerability cue gets support and the offer of a person.
Nothing here tells an unverified sender anything from the account.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Optional

from rasa_sdk import Tracker

from actions.customer import lookup
from careline.handoff.policy import get_policy
from careline.handoff.sentiment import SentimentResult, score_text
from careline.handoff.vulnerability import VulnerabilityCue, detect
from careline.identity.channel_trust import NAMED_CUSTOMER_SLOT
from careline.profile.history import ContactHistory, ContactHistoryReader

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Triage:
    """What the bot knows about this contact before it answers."""

    customer_id: Optional[int]
    history: Optional[ContactHistory]
    mood: SentimentResult
    vulnerability: Optional[VulnerabilityCue]

    @property
    def repeat_contact(self) -> bool:
        return self.history is not None and self.history.is_repeat_contact

    @property
    def hand_off_now(self) -> bool:
        """Angry enough for the policy's frustration trigger, or frustrated and back again."""
        trigger = get_policy().triggers.frustration
        if not trigger.enabled:
            return False
        return self.mood.score <= trigger.sentiment_at_or_below or (
            self.mood.frustrated and self.repeat_contact)


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def named_customer_id(tracker: Tracker) -> Optional[int]:
    """The verified customer, else whom the channel's address names (unverified)."""
    value: Any = tracker.get_slot("customer_id") or tracker.get_slot(NAMED_CUSTOMER_SLOT)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


async def read_history(customer_id: Optional[int]) -> Optional[ContactHistory]:
    """Best effort: a history that cannot be read must not stop the answer."""
    if customer_id is None:
        return None
    try:
        return await lookup(ContactHistoryReader().read, customer_id=customer_id)
    except Exception as error:
        logger.warning("contact history unavailable for %s: %s", customer_id, error)
        return None


async def triage(tracker: Tracker) -> Triage:
    text = latest_text(tracker)
    customer_id = named_customer_id(tracker)
    return Triage(customer_id=customer_id, history=await read_history(customer_id),
                  mood=score_text(text), vulnerability=detect(text))
