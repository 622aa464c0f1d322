"""Channel tests' fixtures: migrated databases (SQLite, PostgreSQL) and the Twilio stand-in."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from careline.channels.store import ChannelStore
from careline.db.migrate import upgrade
from careline.db.session import get_engine
from careline.settings import Settings, reset_settings
from tests.conftest import RunningStandin


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once per session; each test gets a copy of the migrated file."""
    path = tmp_path_factory.mktemp("template") / "careline.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture()
def database(tmp_path: Path, migrated_template: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A fresh, migrated Careline database that the settings (and so every service) use."""
    path = tmp_path / "careline.db"
    shutil.copyfile(migrated_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("CARELINE_DATABASE_URL", url)
    monkeypatch.setenv("CARELINE_DATA_DIR", str(tmp_path / "data"))
    reset_settings()
    get_engine.cache_clear()
    yield get_engine(url)
    get_engine(url).dispose()
    get_engine.cache_clear()
    reset_settings()


@pytest.fixture()
def store(database: Engine) -> ChannelStore:
    return ChannelStore(database)


CHANNEL_TABLES = ("channel_inbound_messages", "channel_routes", "channel_deliveries")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_engine(request: pytest.FixtureRequest, database: Engine) -> Iterator[Engine]:
    """A fresh SQLite file, or the shared test PostgreSQL emptied afterwards: the channel
    writes are upserts whose behaviour each backend must show."""
    if request.param == "sqlite":
        yield database
        return
    engine = request.getfixturevalue("postgres_db").engine
    yield engine
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(CHANNEL_TABLES)}"))


@pytest.fixture()
def backend_store(backend_engine: Engine) -> ChannelStore:
    return ChannelStore(backend_engine)


@pytest.fixture()
def settings_for(standin: RunningStandin) -> Settings:
    return Settings(twilio_api_base_url=standin.url, public_url="http://127.0.0.1:9")
