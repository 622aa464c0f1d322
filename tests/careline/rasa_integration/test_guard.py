"""The Agent hooks: Careline's tracker store reaches the Agent unwrapped; others keep FailSafe."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

from careline.rasa_integration import sender_limits
from careline.rasa_integration.guard import _refused_over_limits
from careline.rasa_integration.tracker_store import CarelineTrackerStore
from careline.settings import reset_settings


def test_careline_store_is_not_wrapped_in_failsafe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CARELINE_TRACKER_STORE_URL", raising=False)
    monkeypatch.setenv("CARELINE_TRACKER_DB", str(tmp_path / "tracker.db"))
    reset_settings()
    store = CarelineTrackerStore()
    assert Agent(tracker_store=store).tracker_store is store
    assert isinstance(Agent(tracker_store=InMemoryTrackerStore(None)).tracker_store,
                      FailSafeTrackerStore)
    assert getattr(Agent.handle_message, "__wrapped__", None) is not None
    reset_settings()


async def test_a_sender_over_its_caps_is_answered_without_a_turn() -> None:
    limits = sender_limits.SenderLimits(max_chars=20, messages_per_window=2, window_seconds=60)
    counter = sender_limits.InProcessCounter()
    output = CollectingOutputChannel()

    async def refused(text: str) -> bool:
        return await _refused_over_limits(UserMessage(text, output, "flooder"), limits, counter)

    assert await refused("x" * 21) is True  # too long: counted, answered, never parsed
    assert await refused("hello") is False
    assert await refused("hello") is True  # the third in a window of two: slow down, once
    assert await refused("hello") is True  # then silence
    assert [m["text"] for m in output.messages] == [sender_limits.too_long(20),
                                                    sender_limits.SLOW_DOWN]
