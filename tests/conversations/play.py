"""Playing one script against the stack: reset, the turns, the expectations, the effects."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import select

from careline import clock
from careline.channels.conversation_key import customer_sender_id
from careline.db.session import get_engine, session_scope
from careline.profile.models import Customer
from careline.profile.seed.demo import DEMO_CUSTOMERS, DemoCustomer
from careline.rasa_client import RasaClient
from tests.conversations import facts, state
from tests.conversations.players import (PhonePlayer, Player, Reply, WebPlayer, is_apology,
                                         latest_code, texts_so_far)
from tests.conversations.script import Conversation, Turn
from tests.e2e.customers import random_mobile
from tests.e2e.stack import CarelineStack

DEMO = {demo.name.split()[0].lower(): demo for demo in DEMO_CUSTOMERS}
FLAGS = re.IGNORECASE | re.DOTALL
CODE_IN_TEXT = re.compile(r"\b\d{6}\b")


@dataclass
class Transcript:
    """What was said, in order: ("Customer", text), ("Careline", text) or ("Agent", text)."""

    conversation: Conversation
    lines: list[tuple[str, str]] = field(default_factory=list)

    def text(self, *, mask_codes: bool = False) -> str:
        said = "\n".join(f"{who}: {text}" if who else text for who, text in self.lines)
        return CODE_IN_TEXT.sub("••••••", said) if mask_codes else said


class ConversationFailed(AssertionError):
    def __init__(self, transcript: Transcript, problem: str) -> None:
        super().__init__(f"{transcript.conversation.id}: {problem}\n--- so far:\n"
                         f"{transcript.text()}")


def _party(stack: CarelineStack, conversation: Conversation) -> tuple[state.Party,
                                                                       Optional[DemoCustomer]]:
    demo = DEMO.get(conversation.who)
    if demo is None:
        if conversation.who not in ("stranger", "visitor"):
            raise ValueError(f"{conversation.id}: who {conversation.who!r} is nobody we know")
        return state.Party(customer_id=None, account=None, pin=None,
                           number=random_mobile()), None
    with session_scope(get_engine(stack.database_url)) as session:
        customer_id = session.execute(select(Customer.id).where(
            Customer.account_number == demo.account_number)).scalar_one()
    number = demo.whatsapp if conversation.channel == "whatsapp" else demo.phone
    return state.Party(customer_id=customer_id, account=demo.account_number, pin=demo.pin,
                       number=number), demo


async def _player(stack: CarelineStack, conversation: Conversation,
                  party: state.Party) -> Player:
    if conversation.channel == "webchat":
        signed_in = conversation.signed_in and party.customer_id is not None
        player = WebPlayer(stack, party.customer_id if signed_in else None,
                           subject=f"conversation-{secrets.token_hex(6)}")
        await player.open()
        return player
    assert party.number, f"{conversation.id}: {conversation.who} has no {conversation.channel}"
    conversation_id = (customer_sender_id(party.customer_id) if party.customer_id is not None
                       else party.number)
    return PhonePlayer(stack, conversation.channel, party.number, conversation_id)


async def _said(turn: Turn, stack: CarelineStack, context: facts.FactContext,
                texts: tuple[str, int], transcript: Transcript) -> str:
    extra: dict[str, str] = {}
    if "${code}" in turn.say:
        code = await latest_code(stack, *texts)
        if code is None:
            raise ConversationFailed(transcript, f"no one-time code was texted to {texts[0]}")
        extra["code"] = code
    return facts.fill(turn.say, context, extra, escape=False)


def _check(turn: Turn, replies: list[Reply], context: facts.FactContext,
           transcript: Transcript) -> None:
    heard = " ".join(reply.shown() for reply in replies)
    if not replies:
        raise ConversationFailed(transcript, f"no reply to {turn.say!r}")
    if is_apology(replies):
        raise ConversationFailed(transcript, "the bot apologised for a failure")
    for pattern in turn.expect:
        wanted = facts.fill(pattern, context, {}, escape=True)
        if not re.search(wanted, heard, FLAGS):
            raise ConversationFailed(transcript, f"expected /{wanted}/ in: {heard}")
    for pattern in turn.refuse:
        unwanted = facts.fill(pattern, context, {}, escape=True)
        if re.search(unwanted, heard, FLAGS):
            raise ConversationFailed(transcript, f"did not expect /{unwanted}/ in: {heard}")


def _check_effects(stack: CarelineStack, conversation: Conversation, before: int,
                   conversation_id: str, transcript: Transcript) -> None:
    effects = conversation.effects
    made = state.handoffs_since(stack, before, conversation_id)
    reasons = tuple(package.reason.value for package in made)
    if effects.handoff_reasons is not None and reasons != effects.handoff_reasons:
        raise ConversationFailed(transcript, f"handoffs {reasons}, wanted "
                                             f"{effects.handoff_reasons}")
    if effects.handoff_priority and made[0].priority.level not in effects.handoff_priority:
        raise ConversationFailed(transcript, f"handoff priority {made[0].priority.level}, "
                                             f"wanted one of {effects.handoff_priority}")
    forbidden = set(reasons) & set(effects.no_handoff_reason)
    if forbidden:
        raise ConversationFailed(transcript, f"a handoff for {sorted(forbidden)}")
    if effects.payments_not_in_future:
        future = state.future_money_dates(stack, clock.today())
        if future:
            raise ConversationFailed(transcript, f"dated in the future: {future[:5]}")


async def play(stack: CarelineStack, conversation: Conversation) -> Transcript:
    """Play ``conversation`` from a fresh start; raise :class:`ConversationFailed` if the
    bot or the database does not do what the script expects."""
    party, demo = _party(stack, conversation)
    state.reset_party(stack, party, conversation.fresh)
    if "resolved_notice" in conversation.setup:
        state.resolved_notice(stack, party)
    player = await _player(stack, conversation, party)
    transcript = Transcript(conversation)
    try:
        if party.customer_id is not None and (conversation.channel != "webchat"
                                              or conversation.signed_in):
            state.restart_conversation(stack, player.conversation_id)
        before = state.last_handoff_id(stack)
        context = facts.FactContext(engine=get_engine(stack.database_url),
                                    today=clock.today(), account=party.account, pin=party.pin)
        # codes go by SMS to the number on file, whatever the channel
        on_file = (demo.phone if demo else None) or party.number or ""
        texts = (on_file, texts_so_far(stack, on_file))
        last = ""
        for index, turn in enumerate(conversation.turns):
            if turn.when is not None and not re.search(turn.when, last, FLAGS):
                continue
            if turn.new_session:
                state.start_new_session(stack, player.conversation_id)
                transcript.lines.append(("", "(a new session: the conversation went quiet)"))
            text = await _said(turn, stack, context, texts, transcript)
            transcript.lines.append(("Customer", text))
            replies = await player.say(text, turn.replies)
            transcript.lines.extend(("Careline", reply.shown()) for reply in replies)
            _check(turn, replies, context, transcript)
            last = " ".join(reply.shown() for reply in replies)
            if conversation.hand_back_after == index + 1:
                await RasaClient.from_settings(stack.settings).hand_back(
                    conversation_id=player.conversation_id, text=conversation.hand_back_text)
                transcript.lines.append(("Agent", conversation.hand_back_text))
        _check_effects(stack, conversation, before, player.conversation_id, transcript)
    finally:
        await player.close()
    return transcript
