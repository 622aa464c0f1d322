"""Fixtures: a real migrated SQLite database with the demo customers, one copy per test."""

from __future__ import annotations

import pytest

from careline.handoff.policy import get_policy
from careline.settings import reset_settings
from tests.careline.handoff import builders


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory):
    return builders.seeded_template(tmp_path_factory.mktemp("handoff-template"))


@pytest.fixture
def engine(seeded_template, tmp_path):
    engine = builders.engine_copy(seeded_template, tmp_path / "careline.db")
    yield engine
    engine.dispose()


@pytest.fixture
def careline_env(engine, tmp_path, monkeypatch):
    """Point Careline's settings (database, data dir, policy) at this test's files."""
    monkeypatch.setenv("CARELINE_DATABASE_URL", str(engine.url))
    monkeypatch.setenv("CARELINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CARELINE_HANDOFF_POLICY",
                       str(builders.always_open_policy_file(tmp_path)))
    reset_settings()
    get_policy.cache_clear()
    yield engine
    reset_settings()
    get_policy.cache_clear()
