"""Errors that stop a turn instead of letting Rasa carry on with a wrong conversation."""

from __future__ import annotations

from rasa.core.lock_store import LockError

#: What the customer reads when their conversation cannot be loaded, saved or locked.
TRY_AGAIN_SHORTLY = (
    "Sorry, I can't reach your conversation right now. "
    "Please try again in a few minutes — nothing you've told me is lost."
)


class ConversationUnavailable(Exception):
    """A store the turn depends on failed; the turn is refused, never run on a guess."""


class TrackerStoreUnavailable(ConversationUnavailable):
    """The tracker database could not load or save a conversation."""


class LockStoreUnavailable(ConversationUnavailable, LockError):
    """The lock store (Redis) could not be reached, so the turn is not serialised."""


class LockWaitTimeout(ConversationUnavailable, LockError):
    """Earlier turns of the conversation held the lock longer than we wait."""
