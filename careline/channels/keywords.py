"""Keywords every customer gets an answer to on SMS and WhatsApp: STOP, START, HELP, CALLBACK.

STOP, START and HELP are the carrier keywords every messaging programme must honour,
from any number, known to us or not: they are answered by the channel itself and
never reach the bot. CALLBACK (what the handoff message asks for) goes on to the
bot or, in a handed-off conversation, to the desk, which books the call; the
channel acknowledges it only when neither answered in the turn, so it is never met
with silence.
"""

from __future__ import annotations

import logging
from enum import Enum
from typing import Optional

from careline.observability.redact import mask_phone
from careline.profile.errors import InvalidIdentity

logger = logging.getLogger(__name__)


class Keyword(str, Enum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    CALLBACK = "callback"


#: Keywords the conversation answers (the bot, or the desk while a person has it).
FOR_THE_CONVERSATION = frozenset({Keyword.CALLBACK})

# Twilio's default opt-out words, less CANCEL, which customers say to the bot about plans;
# with Twilio's Advanced Opt-Out on, Twilio's own ``OptOutType`` decides instead.
_WORDS = {
    **dict.fromkeys(("stop", "stopall", "unsubscribe", "end", "quit", "optout"), Keyword.STOP),
    **dict.fromkeys(("start", "unstop", "optin"), Keyword.START),
    **dict.fromkeys(("help", "info"), Keyword.HELP),
    **dict.fromkeys(("callback", "call back"), Keyword.CALLBACK),
}

REPLIES = {
    Keyword.STOP: ("You have been unsubscribed from Careline messages on this number and will "
                   "receive no further messages. Reply START to subscribe again."),
    Keyword.START: ("You are subscribed to Careline messages on this number again. "
                    "Reply HELP for help, STOP to unsubscribe."),
    Keyword.HELP: ("Careline customer service: ask about your bill, outages or your plan, "
                   "or type AGENT to reach a person. Reply STOP to unsubscribe."),
    Keyword.CALLBACK: ("Thanks, we have your call-back request: our team has your messages "
                       "and will contact you on this number. Reply STOP to unsubscribe."),
}


def keyword_of(body: str, opt_out_type: Optional[str] = None) -> Optional[Keyword]:
    """The keyword a message is, if the whole message is one (case and punctuation aside)."""
    if opt_out_type:
        try:
            return Keyword(opt_out_type.strip().lower())
        except ValueError:
            return None
    word = " ".join(body.strip().strip(".!").split()).lower()
    return _WORDS.get(word)


def record_consent(keyword: Keyword, *, channel: str, address: str) -> None:
    """Keep STOP or START against every identity with this number on the channel.

    Never raises: the keyword is acknowledged whatever happens here. A number that
    cannot be any customer's (libphonenumber does not know its range yet) has nothing
    to record; a store that fails is logged as an error for someone to replay by hand.
    """
    if keyword not in (Keyword.STOP, Keyword.START):
        return
    from careline.profile.service import ProfileService

    try:
        ProfileService().set_channel_opt_out(channel=channel, address=address,
                                             opted_out=keyword is Keyword.STOP)
    except InvalidIdentity as reason:
        logger.info("%s %s on %s: no customer can have this number (%s)",
                    mask_phone(address), keyword.value, channel, reason)
        return
    except Exception:  # noqa: BLE001 - the customer is answered all the same
        logger.exception("%s %s on %s NOT recorded", mask_phone(address), keyword.value,
                         channel)
        return
    logger.info("%s %s on %s", mask_phone(address), keyword.value, channel)
