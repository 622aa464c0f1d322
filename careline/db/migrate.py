"""Bring a database to the newest schema with Alembic (never ``create_all``)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config

from careline.settings import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: Optional[str] = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url or get_settings().resolved_database_url)
    return config


def upgrade(url: Optional[str] = None, revision: str = "heads") -> None:
    """Migrate the database at ``url`` (default: the settings') up to ``revision``.

    Each feature keeps its own branch of revisions off the profile store's
    first one, so the default target is every head.
    """
    resolved = url or get_settings().resolved_database_url
    if resolved.startswith("sqlite:///"):
        Path(resolved.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(resolved), revision)
