"""Prepare and start a replicated stack; shared by `careline up`, fault tests and the bench."""

from __future__ import annotations

import os
from typing import Optional, Sequence

from careline.db.migrate import upgrade
from careline.deploy.stack import StackPlan, ensure_postgres_database, environment, services
from careline.runtime.services import ServiceSpec
from careline.runtime.supervisor import Supervisor
from careline.settings import PROJECT_ROOT


def start_stack(plan: StackPlan, *, timeout: float = 300.0, migrate: bool = True,
                extra: Sequence[ServiceSpec] = (),
                base_env: Optional[dict[str, str]] = None) -> Supervisor:
    """Create the databases, migrate Careline's, start every process, wait for health.

    ``extra`` are single-instance services started first (`careline up` passes the
    Twilio stand-in, the desk and the handoff worker), with ``base_env`` under the
    plan's environment. On any failure everything started is stopped again.
    """
    plan.data_dir.mkdir(parents=True, exist_ok=True)
    for url in (plan.database_url, plan.tracker_store_url):
        ensure_postgres_database(url)
    if migrate:
        upgrade(plan.database_url)
    env = environment(plan, base_env if base_env is not None else dict(os.environ))
    supervisor = Supervisor(plan.data_dir / "logs", env, PROJECT_ROOT)
    try:
        supervisor.start([*extra, *services(plan)], timeout=timeout)
    except BaseException:
        supervisor.stop()
        raise
    return supervisor
