"""Web chat across replicas: python-socketio's Redis manager and the shared room record.

socket.io keeps each connection in the process that accepted it. With several Rasa
replicas, a desk reply or a notice arrives on any of them, so every emit goes
through ``socketio.AsyncRedisManager`` (``CARELINE_WEBCHAT_MANAGER_URL``), which
publishes it to every replica; each delivers it to the sockets it holds. Empty means
python-socketio's in-process manager, right for one process (``make run``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import socketio

from careline.settings import Settings
from careline.webchat.rooms import LiveRooms, LocalRooms, RedisRooms

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


@dataclass(frozen=True)
class Fanout:
    """The socket.io manager an ``AsyncServer`` is built with, and who is connected."""

    #: None: python-socketio's default in-process manager.
    manager: Optional[socketio.AsyncManager]
    rooms: LiveRooms


def build_fanout(settings: Settings) -> Fanout:
    """From the settings; refuses a manager URL that is not Redis."""
    url = settings.webchat_manager_url.get_secret_value() if settings.webchat_manager_url else ""
    if not url:
        return Fanout(manager=None, rooms=LocalRooms())
    if not url.startswith(REDIS_SCHEMES):
        raise ValueError("CARELINE_WEBCHAT_MANAGER_URL must be a Redis URL "
                         f"({', '.join(REDIS_SCHEMES)}) or empty")
    # Both keyed by the lock store's prefix: stacks sharing one Redis never cross.
    prefix = settings.lock_key_prefix
    return Fanout(manager=socketio.AsyncRedisManager(url, channel=f"{prefix}:webchat"),
                  rooms=RedisRooms(url, prefix=prefix))
