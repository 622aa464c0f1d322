"""Carrier keywords every messaging programme must honour: STOP, START, HELP."""

from __future__ import annotations

from enum import Enum
from typing import Optional


class Keyword(str, Enum):
    STOP = "stop"
    START = "start"
    HELP = "help"


# Twilio's default opt-out words, less CANCEL, which customers say to the bot about plans;
# with Twilio's Advanced Opt-Out on, Twilio's own ``OptOutType`` decides instead.
_WORDS = {
    **dict.fromkeys(("stop", "stopall", "unsubscribe", "end", "quit", "optout"), Keyword.STOP),
    **dict.fromkeys(("start", "unstop", "optin"), Keyword.START),
    **dict.fromkeys(("help", "info"), Keyword.HELP),
}

REPLIES = {
    Keyword.STOP: ("You have been unsubscribed from Careline messages on this number and will "
                   "receive no further messages. Reply START to subscribe again."),
    Keyword.START: ("You are subscribed to Careline messages on this number again. "
                    "Reply HELP for help, STOP to unsubscribe."),
    Keyword.HELP: ("Careline customer service: ask about your bill, outages or your plan, "
                   "or type AGENT to reach a person. Reply STOP to unsubscribe."),
}


def keyword_of(body: str, opt_out_type: Optional[str] = None) -> Optional[Keyword]:
    """The keyword a message is, if the whole message is one (case and punctuation aside)."""
    if opt_out_type:
        try:
            return Keyword(opt_out_type.strip().lower())
        except ValueError:
            return None
    word = body.strip().strip(".!").strip().lower()
    return _WORDS.get(word)
