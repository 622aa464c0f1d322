"""The handoff as the action server runs it: with this desk's queue for an honest wait.

The handoff package must not import the desk (the desk imports the handoff's package
schema, policy and priority), so the desk is the one that puts the two together.
"""

from __future__ import annotations

from typing import Optional

from sqlalchemy.engine import Engine

from careline.db.session import get_engine
from careline.desk.service import DeskService
from careline.handoff.service import HandoffService
from careline.settings import get_settings


def handoff_service(engine: Optional[Engine] = None) -> HandoffService:
    """A :class:`HandoffService` whose expected wait reads the desk's queue."""
    # explicit URL: get_engine() without one caches the first test's database
    engine = engine or get_engine(get_settings().resolved_database_url)
    return HandoffService(engine, desk=DeskService(engine))
