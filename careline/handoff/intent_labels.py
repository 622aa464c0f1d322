"""What each intent means in an agent's words, and a customer's button press as they saw it.

Agents read the summary, the transcript and "what the bot understood"; intent
names (``check_outage``) and button payloads (``/deny``) are the bot's
vocabulary, not theirs. This is the one table that translates them, shared by
the context package's summary and the desk's pages.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

INTENT_LABELS: dict[str, str] = {
    "ask_balance": "asked about their balance",
    "ask_due_date": "asked when the bill is due",
    "ask_bill_increase": "asked why the bill went up",
    "ask_how_to_pay": "asked how to pay",
    "request_payment_arrangement": "asked to pay in instalments",
    "dispute_charge": "disputed a charge",
    "greet": "greeted",
    "goodbye": "said goodbye",
    "thanks": "said thanks",
    "affirm": "said yes",
    "deny": "said no",
    "bot_challenge": "asked if this is a bot",
    "request_human": "asked for a person",
    "frustration": "sounded frustrated",
    "cancel_service": "wants to cancel",
    "out_of_scope": "something the bot does not cover",
    "ask_capabilities": "asked what the bot can do",
    "inform": "gave details",
    "verify_identity": "proving who they are",
    "check_outage": "reported a service problem",
    "outage_update": "asked for an outage update",
    "subscribe_outage_updates": "asked for outage updates",
    "ask_plan_usage": "asked about data use",
    "compare_plans": "compared plans",
    "ask_plan_recommendation": "asked which plan fits",
    "change_plan": "wants to change plan",
    "ask_roaming": "asked about roaming",
    "nlu_fallback": "not understood by the bot",
}


def intent_label(intent: Optional[str]) -> str:
    """The agent's words for ``intent``; an intent added later still reads as words."""
    if not intent:
        return "not understood by the bot"
    return INTENT_LABELS.get(intent, intent.replace("_", " "))


def offered_buttons(bot_event: Mapping[str, Any]) -> dict[str, str]:
    """Payload → title of the buttons a bot message offered (what the customer saw)."""
    data = bot_event.get("data") or {}
    return {str(b.get("payload")): str(b.get("title"))
            for b in data.get("buttons") or () if b.get("payload") and b.get("title")}


def customer_words(text: str, *, intent: Optional[str], offered: Mapping[str, str],
                   has_media: bool = False) -> str:
    """A customer line as the customer meant it: a pressed button's title, never ``/deny``.

    A payload the bot offered reads as the button's title; any other ``/intent`` line
    (a wordless photo or location is sent to the bot as ``/out_of_scope``) reads as
    the intent's label in brackets; the wordless one is empty when its media say it all.
    """
    if not text.startswith("/"):
        return text
    if text in offered:
        return offered[text]
    if text == "/out_of_scope":
        return "" if has_media else "[sent a message without words]"
    return f"[{intent_label(intent or text[1:].split('{', 1)[0])}]"
