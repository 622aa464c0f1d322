"""Where each of Rasa's stores lives, resolved from the settings."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from careline.settings import Settings


def tracker_store_url(settings: Settings) -> str:
    """The tracker store's SQLAlchemy URL: the environment's, or SQLite in the data dir."""
    if settings.tracker_store_url:
        return settings.tracker_store_url.get_secret_value()
    path = settings.tracker_db or settings.data_dir / "tracker.db"
    return f"sqlite:///{path}"


def lock_store_url(settings: Settings) -> Optional[str]:
    """The Redis URL of the lock store, or None for the in-process lock."""
    if settings.lock_store_url:
        return settings.lock_store_url.get_secret_value()
    return None


def event_broker_url(settings: Settings) -> Optional[str]:
    """The AMQP URL of the event broker, or None for the SQL broker on the events DB."""
    if settings.event_broker_url:
        return settings.event_broker_url.get_secret_value()
    return None


def events_db_url(settings: Settings) -> str:
    path = settings.events_db or settings.data_dir / "events.db"
    return f"sqlite:///{path}"


def with_sqlite_folder(url: str) -> str:
    """``url``, the folder of its SQLite file made first: Rasa's own commands (``rasa
    shell``, ``rasa interactive``) may be the first to use the data dir, which ``careline
    run`` makes beforehand, and SQLite does not create folders."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return url


def check_lock_outlives_actions(settings: Settings) -> None:
    """Refuse a lock lifetime that a slow-but-allowed action call could outlast."""
    if settings.lock_lifetime_seconds <= settings.action_timeout_seconds:
        raise ValueError(
            f"CARELINE_LOCK_LIFETIME_SECONDS ({settings.lock_lifetime_seconds}) must exceed "
            f"CARELINE_ACTION_TIMEOUT_SECONDS ({settings.action_timeout_seconds}), or two "
            "replicas could run one conversation at once"
        )
