"""The Agent hooks: Careline's tracker store reaches the Agent unwrapped; others keep FailSafe."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

from careline.rasa_stores.tracker_store import CarelineTrackerStore
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
