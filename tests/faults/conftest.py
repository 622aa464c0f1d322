"""One replicated Careline stack on throwaway servers, shared by the fault tests.

Two Rasa replicas and two action servers behind nginx (with the Twilio gateway and
the Twilio stand-in, which posts status callbacks to nginx), the tracker store and the
profile store on a private PostgreSQL, the lock store on a private Redis, the event
broker on the shared RabbitMQ through a proxy the tests can cut. The lock lease is
short (6 s) so a killed replica's conversations free up within the test, and so is the
inbound journal's (5 s), so a turn cut off by a killed process is re-driven within it.
"""

from __future__ import annotations

import os
import signal
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from careline.deploy.launch import start_stack
from careline.deploy.stack import LOCAL_EVENT_BROKER_URL, StackPlan, delete_queue
from careline.runtime.model_cache import ensure_model
from careline.runtime.services import standin_service, twilio_environment
from careline.runtime.supervisor import RunningService, Supervisor
from careline.settings import Settings
from tests.eventually import eventually

from .servers import CuttableProxy, ThrowawayPostgres, ThrowawayRedis, free_port


#: The stack's journal lease: a message unanswered this long after its process was last
#: heard from is re-driven (careline/channels/inbound_journal.py).
REDRIVE_AFTER_SECONDS = 5


@dataclass
class FaultStack:
    plan: StackPlan
    supervisor: Supervisor
    postgres: ThrowawayPostgres
    redis: ThrowawayRedis
    rabbit: CuttableProxy
    twilio: Settings  # what a phone needs to text the stack (phone_simulator.Phone)

    def service(self, name: str) -> RunningService:
        return next(s for s in self.supervisor.running if s.spec.name == name)

    def kill(self, name: str) -> None:
        """SIGKILL a child's whole process group: a crash, not a shutdown."""
        service = self.service(name)
        os.killpg(service.process.pid, signal.SIGKILL)
        service.process.wait(timeout=10)

    def restarted(self, name: str, *, within: float = 120.0) -> None:
        """Tend the supervisor, as `careline up` does, until the killed ``name`` is back
        and healthy (it restarts any other dead child too)."""
        def back() -> bool:
            self.supervisor.tend()
            service = self.service(name)
            return service.restarts > 0 and service.healthy_since is not None
        eventually(back, timeout=within)

    def log(self, name: str) -> str:
        return (self.plan.data_dir / "logs" / f"{name}.log").read_text(errors="replace")


def _model() -> Path:
    """The current model (``make test`` trains it first); CARELINE_FAULTS_MODEL reuses
    another while iterating on these tests."""
    override = os.environ.get("CARELINE_FAULTS_MODEL")
    return Path(override).resolve() if override else ensure_model().path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    postgres = ThrowawayPostgres()
    postgres.init()
    redis = ThrowawayRedis()
    redis.start()
    rabbit = CuttableProxy(5672)
    rabbit.start()
    queue = f"test_faults_{uuid.uuid4().hex[:8]}"
    plan = StackPlan(
        replicas=2, port=free_port(), api_port=free_port(), actions_port=free_port(),
        rasa_base_port=free_port(2), action_base_port=free_port(2), gateway_port=free_port(),
        data_dir=tmp_path_factory.mktemp("stack"), model=_model(), token="fault-test-token",
        database_url=f"{postgres.url}/careline", tracker_store_url=f"{postgres.url}/tracker",
        lock_store_url=redis.url, event_broker_url=f"amqp://guest:guest@127.0.0.1:{rabbit.port}/",
        lock_key_prefix="faults", lock_lifetime_seconds=6, action_timeout_seconds=5,
        event_queue=queue,
    )
    twilio = _twilio(plan)
    base_env = {**os.environ, **twilio_environment(twilio), "CARELINE_PUBLIC_URL": plan.url,
                "CARELINE_REDRIVE_AFTER_SECONDS": str(REDRIVE_AFTER_SECONDS)}
    supervisor = start_stack(plan, timeout=420, extra=[standin_service(twilio)],
                             base_env=base_env)
    try:
        yield FaultStack(plan, supervisor, postgres, redis, rabbit, twilio)
    finally:
        supervisor.stop()
        rabbit.cut()
        redis.stop()
        postgres.remove()
        delete_queue(LOCAL_EVENT_BROKER_URL, queue)


def _twilio(plan: StackPlan) -> Settings:
    standin_port = free_port()
    return Settings(rasa_url=plan.url, public_url=plan.url, twilio_standin_port=standin_port,
                    twilio_api_base_url=f"http://127.0.0.1:{standin_port}",
                    twilio_account_sid="ACfaults", twilio_auth_token=uuid.uuid4().hex)
