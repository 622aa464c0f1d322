"""The scripts themselves, without a stack: every fact they name exists, every speaker is
someone, and the set covers each channel; a typo fails here in a second, not in the run."""

from __future__ import annotations

from tests.conversations.facts import FACTS, PLACEHOLDER
from tests.conversations.play import DEMO
from tests.conversations.script import CHANNELS, load_all
from tests.conversations.transcripts import BEGIN, END, rewrite, section

CONVERSATIONS = load_all()


def test_every_fact_a_script_names_is_read_from_the_database() -> None:
    named = {name for c in CONVERSATIONS for turn in c.turns
             for text in (turn.say, *turn.expect, *turn.refuse)
             for name in PLACEHOLDER.findall(text)}
    assert named - set(FACTS) <= {"code"}, named - set(FACTS)


def test_every_speaker_is_a_demo_customer_a_stranger_or_a_visitor() -> None:
    speakers = {c.who for c in CONVERSATIONS}
    assert speakers <= set(DEMO) | {"stranger", "visitor"}
    assert all(c.who != "visitor" or c.channel == "webchat" for c in CONVERSATIONS)


def test_the_set_covers_every_channel_with_the_issues_stories() -> None:
    assert {c.channel for c in CONVERSATIONS} == set(CHANNELS)
    assert sum(1 for c in CONVERSATIONS if c.transcript) >= 5


def test_the_generator_replaces_only_what_lies_between_the_markers() -> None:
    document = f"before\n{BEGIN}\nold\n{END}\nafter\n"
    rewritten = rewrite(document, section([]))
    assert rewritten.startswith("before\n" + BEGIN) and rewritten.endswith(END + "\nafter\n")
    assert "old" not in rewritten
