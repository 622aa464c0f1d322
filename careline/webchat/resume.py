"""The question a web visitor asked before signing in on the page, answered once they have.

Asked "what do I owe?", the bot starts ``verification_form`` in the visitor's anonymous
conversation and remembers the intent in ``pending_request`` (actions/identity.py).
Signing in through the page's sign-in step moves the socket to the customer's own
conversation, where that form never ran: the question would go unanswered, and a
customer who has just proved who they are would have to ask it again.
"""

from __future__ import annotations

from typing import Optional

from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from careline.designer.verification import FORM, PENDING_SLOT


def waiting_question(tracker: Optional[DialogueStateTracker]) -> Optional[str]:
    """What the visitor asked that the sign-in form still holds back; None when the form
    is not waiting (finished, abandoned, or started by "verify me" with nothing to answer)."""
    if tracker is None or tracker.active_loop_name != FORM:
        return None
    asked = tracker.get_slot(PENDING_SLOT)
    if not asked:
        return None
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered) and event.intent_name == asked:
            return event.text or None
    return None
