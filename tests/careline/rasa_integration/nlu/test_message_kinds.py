"""Messages in another language and emoji-only messages get their own intent."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from careline.rasa_integration.nlu.message_kind_classifier import MessageKindClassifier
from careline.rasa_integration.nlu.message_kinds import (LanguageReader, agreement, emoji_reaction,
                                             english_vocabulary, keyboard_mash)

ENGLISH = english_vocabulary([
    "what's my balance", "why is my bill so high", "is there an outage in LS6",
    "still no signal at home", "ok thanks", "hi there", "cancel", "stop that"])


@pytest.mark.parametrize("text, language", [
    ("Mae fy mil yn rhy uchel", "cy"),
    ("Dlaczego mój rachunek jest taki wysoki?", "pl"),
    ("Mój telefon nie działa od wczoraj", "pl"),
    ("میرا بل بہت زیادہ ہے", "ur"),
    ("আমার বিল অনেক বেশি", "bn"),
])
def test_other_languages_are_named(text: str, language: str) -> None:
    assert LanguageReader(ENGLISH).other_language(text) == language


@pytest.mark.parametrize("text", [
    # langdetect alone calls these Slovak, Swahili, Danish, German, Spanish
    "ok", "hi", "still NO signal at home", "STOP", "cancel", "LS6",
    "what's my balance", "why is my bill so high???", "ok thanks", "",
])
def test_english_is_never_another_language(text: str) -> None:
    assert LanguageReader(ENGLISH).other_language(text) is None


#: What customers borrow: "does", "data", "phone", "bill", "signal" (and "dim", which
#: is English as well as Welsh "no") are in the bot's English training data.
BORROWED = ENGLISH | english_vocabulary([
    "does my phone have data", "the screen is dim", "my bill is too high", "internet"])


@pytest.fixture(scope="module")
def borrowing() -> LanguageReader:
    """One reader for the cases below: loading langdetect's profiles takes seconds."""
    return LanguageReader(BORROWED)


@pytest.mark.parametrize("text, language", [
    ("Does dim signal gyda fi adref", "cy"),
    ("Mae'r data ddim yn gweithio ar fy phone", "cy"),
    ("Mae fy bill yn rhy uchel y mis yma", "cy"),
    ("Mój telefon nie działa, brak signal", "pl"),
])
def test_a_borrowed_english_word_or_two_leave_the_language_named(
        borrowing: LanguageReader, text: str, language: str) -> None:
    assert borrowing.other_language(text) == language


@pytest.mark.parametrize("text", [
    "does my phone have data", "my bill is too high innit", "Does dim internet",
    "no signal at home in Llanfairpwll", "hai jamie", "still no signal, screen is dim",
])
def test_english_with_a_name_or_slang_stays_english(borrowing: LanguageReader,
                                                     text: str) -> None:
    assert borrowing.other_language(text) is None


def test_the_same_text_always_gets_the_same_answer() -> None:
    text = "Helo, mae gen i broblem gyda fy ffôn"
    answers = {LanguageReader(ENGLISH).other_language(text) for _ in range(5)}
    assert len(answers) == 1


@pytest.mark.parametrize("text, reaction", [
    ("👍", "positive"), ("👍🏽", "positive"), ("❤️", "positive"), ("👍 👍", "positive"),
    ("😡", "negative"), ("👍😡", "negative"), ("👎!!", "negative"),
    ("🤷", "unclear"), ("🚀", "unclear"),
    ("ok 👍", None), ("", None), ("?!", None), ("LS6", None),
])
def test_emoji_only_messages(text: str, reaction: str) -> None:
    assert emoji_reaction(text) == reaction


@pytest.mark.parametrize("text", [
    "👍", "👌", "👍🏽", "👍👍", "✅", "✔️", "yep", "Yep!", "go on", "Yes, go on.", "ok 👍", "K",
])
def test_agreement(text: str) -> None:
    assert agreement(text)


@pytest.mark.parametrize("text", [
    "", "   ", "🙂", "😡", "👍😡", "🤷", "no", "nope", "ok but what's my balance", "yes 2",
    "go on then what do i owe", "👍 LS6", "/affirm",
])
def test_not_agreement(text: str) -> None:
    assert not agreement(text)


@pytest.mark.parametrize("text", [
    "asdfgh qwe", "hjkl", "asdf qwerty zxcv", "QWERTYUIOP!!", "lkjh", "zxcvbnm",
])
def test_keyboard_mash(text: str) -> None:
    assert keyboard_mash(text, ENGLISH)


@pytest.mark.parametrize("text", [
    # a known word, an unknown greeting, a word too short for a run, no letters at all
    "asdf my balance", "bonjour", "hola amigo", "asdf x", "LS6", "12345", "", "👍",
    "cancel", "what's my balance",
])
def test_not_keyboard_mash(text: str) -> None:
    assert not keyboard_mash(text, ENGLISH)


def _parsed(component: MessageKindClassifier, text: str, intent: str = "ask_balance") -> Message:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.4}})
    return component.process([message])[0]


def test_the_component_learns_english_from_training_data_and_keeps_it(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("message_kinds")
    context = ExecutionContext(GraphSchema({}), "test")
    english = ["what is my balance", "why is my bill so high", "is there an outage"]
    training = TrainingData([Message(data={"text": t, "intent": "x"}) for t in english])
    MessageKindClassifier.create({}, storage, resource, context).train(training)
    loaded = MessageKindClassifier.load({}, storage, resource, context)

    welsh = _parsed(loaded, "Mae fy mil yn rhy uchel")
    assert welsh.get("intent")["name"] == "other_language"
    assert [(e["entity"], e["value"]) for e in welsh.get("entities")] == [("language", "cy")]
    assert _parsed(loaded, "why is my bill so high").get("intent")["name"] == "ask_balance"
    assert _parsed(loaded, "👍").get("intent")["name"] == "acknowledge"
    assert _parsed(loaded, "😡").get("intent")["name"] == "frustration"
    assert _parsed(loaded, "🤷").get("intent")["name"] == "emoji_unclear"
    mash = _parsed(loaded, "asdfgh qwe", "out_of_scope")
    assert mash.get("intent")["name"] == "nlu_fallback"
    assert [r["name"] for r in mash.get("intent_ranking")] == ["nlu_fallback"]
    # a button's payload is the bot's own vocabulary, never read as a language
    assert _parsed(loaded, "/affirm", "affirm").get("intent")["name"] == "affirm"
