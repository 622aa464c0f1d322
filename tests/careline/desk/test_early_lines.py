"""Broker lines that beat their ticket to the desk are held briefly, then added to it."""

from datetime import datetime, timedelta, timezone

from careline.desk.early_lines import HOLD, EarlyLines
from careline.desk.events import BrokerMessage

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)


def _line(conversation: str, key: str, at: datetime) -> BrokerMessage:
    return BrokerMessage(conversation_id=conversation, speaker="bot", text="a person will answer",
                         at=at, source_key=key)


def test_held_lines_are_taken_once_for_their_conversation_only():
    early = EarlyLines()
    early.hold(_line("a", "a1", NOW), now=NOW)
    early.hold(_line("b", "b1", NOW), now=NOW)
    early.hold(_line("a", "a2", NOW + timedelta(seconds=1)), now=NOW)
    assert [m.source_key for m in early.take("a", now=NOW)] == ["a1", "a2"]
    assert early.take("a", now=NOW) == []
    assert [m.source_key for m in early.take("b", now=NOW)] == ["b1"]


def test_lines_older_than_the_hold_are_forgotten():
    early = EarlyLines()
    early.hold(_line("a", "old", NOW - HOLD - timedelta(seconds=1)), now=NOW)
    early.hold(_line("a", "new", NOW), now=NOW)
    assert [m.source_key for m in early.take("a", now=NOW)] == ["new"]
