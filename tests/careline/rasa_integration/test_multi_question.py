"""Two questions in one message: two turns, each the turn the question gets alone."""

from __future__ import annotations

from typing import Any, Optional

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from careline.rasa_integration.guard import _each_question
from careline.rasa_integration.multi_question import candidate_splits, questions

#: What NLU reads in each text (confidence 0.9), as the trained model does for these.
READ = {
    "what's my balance": "ask_balance",
    "is there an outage in LS6?": "check_outage",
    "what do i owe?": "ask_balance",
    "when is it due": "ask_due_date",
    "why was my bill so high": "ask_bill_increase",
    "also when is it due": "ask_due_date",
    "yes": "affirm",
    "how much do i owe": "ask_balance",
    "what is my balance": "ask_balance",
}


async def parse(text: str) -> dict[str, Any]:
    name = READ.get(text)
    return {"text": text, "intent": {"name": name or "nlu_fallback",
                                     "confidence": 0.9 if name else 0.2}}


@pytest.mark.parametrize("text, parts", [
    ("what's my balance and is there an outage in LS6?",
     ["what's my balance", "is there an outage in LS6?"]),
    ("what do i owe? when is it due", ["what do i owe?", "when is it due"]),
    ("why was my bill so high. also when is it due",
     ["why was my bill so high", "also when is it due"]),
])
async def test_two_questions_are_two(text: str, parts: list[str]) -> None:
    assert await questions(text, parse) == parts


@pytest.mark.parametrize("text", [
    "France and Spain",  # a form's answer, not two questions
    "yes and what's my balance",  # one word before the boundary
    "how much do i owe and what is my balance",  # the same question twice
    "what's my balance and blah blah whatever",  # the second half is not a question
    "/affirm",  # a button's payload
    "",
])
async def test_one_question_stays_one(text: str) -> None:
    assert await questions(text, parse) == [text]


@pytest.mark.parametrize("text", ["I want to cancel and go elsewhere",
                                  "I'm in hospital and can't top up",
                                  "my phone is broken and don't tell me to restart it"])
def test_a_boundary_must_start_a_question(text: str) -> None:
    assert candidate_splits(text) == []


async def test_each_question_is_its_own_turn_in_order() -> None:
    seen: list[UserMessage] = []

    async def handle(_: Any, message: UserMessage) -> Optional[list]:
        seen.append(message)
        await message.output_channel.send_text_message(message.sender_id, f"re: {message.text}")
        return message.output_channel.messages

    class Agent:
        parse_message = staticmethod(parse)

    output = CollectingOutputChannel()
    replies = await _each_question(Agent(), UserMessage(
        "what's my balance and is there an outage in LS6?", output, "s1", input_channel="sms",
        message_id="SM1", metadata={"channel": "sms"}), handle)
    assert [(m.text, m.message_id, m.sender_id, m.input_channel) for m in seen] == [
        ("what's my balance", "SM1", "s1", "sms"),
        ("is there an outage in LS6?", "SM1.2", "s1", "sms")]
    assert [r["text"] for r in replies or []] == [
        "re: what's my balance", "re: is there an outage in LS6?"]
