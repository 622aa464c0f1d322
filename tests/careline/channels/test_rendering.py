from careline.channels.rendering import (
    TWILIO_BODY_LIMIT, numbered_options, resolve_choice, split_text,
)
from careline.channels.schemas import Choice


def _sentences(count: int) -> str:
    return " ".join(f"Sentence number {i} explains one more part of your bill."
                    for i in range(count))


def test_a_2000_character_answer_is_split_between_sentences_within_the_limit():
    text = _sentences(40)
    assert len(text) > 2000
    parts = split_text(text, TWILIO_BODY_LIMIT)
    assert len(parts) == 2
    assert all(len(part) <= TWILIO_BODY_LIMIT for part in parts)
    assert all(part.endswith(".") for part in parts)
    assert " ".join(parts) == text


def test_short_text_is_one_part_and_empty_text_none():
    assert split_text("  Hello.  ", 1600) == ["Hello."]
    assert split_text("   ", 1600) == []


def test_a_sentence_longer_than_the_limit_is_split_between_words():
    text = "word " * 100
    parts = split_text(text, 50)
    assert all(len(part) <= 50 for part in parts)
    assert " ".join(parts).split() == text.split()


def test_a_word_longer_than_the_limit_is_cut():
    text = "See https://example.com/" + "x" * 120
    parts = split_text(text, 50)
    assert all(len(part) <= 50 for part in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")


def test_buttons_become_numbered_options_and_digits_pick_them():
    choices = (Choice("Pay now", "/pay"), Choice("Talk to an agent", "/request_human"))
    text = numbered_options("What would you like?", choices)
    assert "1. Pay now" in text and "2. Talk to an agent" in text
    assert resolve_choice("2", choices) == "/request_human"
    assert resolve_choice(" 1. ", choices) == "/pay"
    assert resolve_choice("pay now", choices) == "/pay"
    assert resolve_choice("3", choices) is None
    assert resolve_choice("2", ()) is None
