"""Prepare and start a replicated stack; shared by `careline up`, fault tests and the bench."""

from __future__ import annotations

import os

from careline.db.migrate import upgrade
from careline.deploy.stack import StackPlan, ensure_postgres_database, environment, services
from careline.runtime.supervisor import Supervisor
from careline.settings import PROJECT_ROOT


def start_stack(plan: StackPlan, *, timeout: float = 300.0, migrate: bool = True) -> Supervisor:
    """Create the databases, migrate Careline's, start every process, wait for health.

    On any failure everything already started is stopped before the error propagates.
    """
    plan.data_dir.mkdir(parents=True, exist_ok=True)
    for url in (plan.database_url, plan.tracker_store_url):
        ensure_postgres_database(url)
    if migrate:
        upgrade(plan.database_url)
    supervisor = Supervisor(plan.data_dir / "logs", environment(plan, dict(os.environ)),
                            PROJECT_ROOT)
    try:
        supervisor.start(services(plan), timeout=timeout)
    except BaseException:
        supervisor.stop()
        raise
    return supervisor
