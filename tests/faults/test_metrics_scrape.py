"""Every service of a two-replica stack answers ``GET /metrics`` with its own figures; an
SMS turn through nginx is counted where it ran, logged as JSON under one correlation id
(its MessageSid) by the gateway and the replica, and its replies are recorded under it;
nginx's public port serves no metrics.

The stack is `careline up`'s layout (careline/deploy/cli.py) with the insight consumer,
the desk, the handoff worker and the incidents API beside it, on the machine's
PostgreSQL (two throwaway databases), Redis (a key prefix of its own) and RabbitMQ
(queues of its own), its Twilio the local stand-in.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import aiohttp
import pytest
from sqlalchemy import create_engine, text

from careline.channels.phone_simulator import Phone, PhoneMessage
from careline.channels.store import ChannelStore
from careline.deploy.launch import start_stack
from careline.deploy.nginx import Edge
from careline.deploy.stack import LOCAL_EVENT_BROKER_URL, StackPlan, delete_queue
from careline.runtime.model_cache import ensure_model
from careline.runtime.services import (handoff_services, incidents_service, rasa_environment,
                                       standin_service)
from careline.runtime.supervisor import Supervisor
from careline.settings import Settings
from tests.careline.observability.test_metrics import sample
from tests.e2e.customers import random_mobile

from .servers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(1500)]

POSTGRES = "postgresql://postgres@127.0.0.1:5432"


@dataclass
class ObservedStack:
    plan: StackPlan
    supervisor: Supervisor
    twilio: Settings
    ports: dict[str, int]  # each supervised child's own port, by its name

    def metrics_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}/metrics"

    def log_lines(self, name: str) -> list[dict]:
        """The child's JSON log lines (anything else it printed is left out)."""
        lines = []
        for line in (self.plan.data_dir / "logs" / f"{name}.log").read_text(
                errors="replace").splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ObservedStack]:
    tag = f"careline_metrics_{uuid.uuid4().hex[:8]}"
    names = ("public", "api", "actions", "gateway", "insight", "desk", "worker", "incidents",
             "standin")
    port = {name: free_port() for name in names}
    rasa_base, action_base = free_port(2), free_port(2)
    data_dir = tmp_path_factory.mktemp("metrics-stack")
    model = os.environ.get("CARELINE_FAULTS_MODEL")
    twilio = Settings(data_dir=data_dir, rasa_url=f"http://127.0.0.1:{port['public']}",
                      public_url=f"http://127.0.0.1:{port['public']}",
                      twilio_standin_port=port["standin"],
                      twilio_api_base_url=f"http://127.0.0.1:{port['standin']}",
                      twilio_account_sid="ACmetrics", twilio_auth_token=uuid.uuid4().hex)
    plan = StackPlan(
        replicas=2, port=port["public"], api_port=port["api"], actions_port=port["actions"],
        rasa_base_port=rasa_base, action_base_port=action_base, gateway_port=port["gateway"],
        data_dir=data_dir / "up", model=Path(model) if model else ensure_model().path,
        token=secrets.token_urlsafe(16), database_url=f"{POSTGRES}/{tag}",
        tracker_store_url=f"{POSTGRES}/{tag}_tracker", lock_key_prefix=tag,
        event_queue=f"{tag}_events", insight_port=port["insight"],
        edge=Edge(incidents_port=port["incidents"]))
    # the single-instance services as `careline up` starts them, behind nginx
    behind_nginx = twilio.copy(update={
        "rasa_url": plan.api_url, "rasa_port": plan.port, "database_url": plan.database_url,
        "desk_port": port["desk"], "handoff_worker_port": port["worker"],
        "incident_api_port": port["incidents"], "desk_event_queue": f"{tag}_desk"})
    extra = [standin_service(twilio), *handoff_services(behind_nginx),
             incidents_service(behind_nginx)]
    base_env = {**rasa_environment(behind_nginx, plan.token),
                "CARELINE_DESK_EVENT_QUEUE": f"{tag}_desk"}
    supervisor = start_stack(plan, timeout=1200, extra=extra, base_env=base_env)
    children = {"gateway": port["gateway"], "insight": port["insight"], "desk": port["desk"],
                "handoff-worker": port["worker"], "incidents": port["incidents"],
                **{f"rasa-{i}": p for i, p in enumerate(plan.rasa_ports)},
                **{f"actions-{i}": p for i, p in enumerate(plan.action_ports)}}
    try:
        yield ObservedStack(plan, supervisor, twilio, children)
    finally:
        supervisor.stop()
        for queue in (plan.event_queue, f"{tag}_desk"):
            delete_queue(LOCAL_EVENT_BROKER_URL, queue)
        _drop_databases(tag)


def _drop_databases(tag: str) -> None:
    admin = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in (tag, f"{tag}_tracker"):
                connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()


async def _scrape(session: aiohttp.ClientSession, stack: ObservedStack) -> dict[str, str]:
    """Every child's exposition, by child name."""
    found = {}
    for name in stack.ports:
        async with session.get(stack.metrics_url(name)) as reply:
            assert reply.status == 200, name
            assert reply.headers["Content-Type"].startswith("text/plain"), name
            found[name] = await reply.text()
    return found


def _replicas(scraped: dict[str, str], name: str, **labels: str) -> float:
    return sum(sample(text, name, **labels) for child, text in scraped.items()
               if child.startswith("rasa-"))


async def _until_answered(session: aiohttp.ClientSession, stack: ObservedStack,
                          before: float) -> str:
    """The gateway's exposition once one more SMS turn has been answered."""
    for _ in range(600):  # the turn runs after the webhook's answer; a deadline of ~5 min
        async with session.get(stack.metrics_url("gateway")) as reply:
            gateway = await reply.text()
        labels = {"channel": "sms", "outcome": "answered"}
        if sample(gateway, "careline_twilio_turns_total", **labels) > before:
            return gateway
        await asyncio.sleep(0.5)
    raise AssertionError("the SMS turn was not answered in time")


async def test_every_service_is_scraped_and_an_sms_turn_counts_where_it_ran(
        observed: ObservedStack) -> None:
    phone = Phone(settings=observed.twilio, channel="sms", number=random_mobile())
    answered = {"channel": "sms", "outcome": "answered"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        before = await _scrape(session, observed)
        for name, text_ in before.items():  # each process's own, beside its own families
            assert sample(text_, "process_cpu_seconds_total") > 0, name
        assert "careline_turns_total" not in before["gateway"]
        sent = await phone.send(PhoneMessage(text="hello"))
        assert sent.status == 200
        await _until_answered(session, observed, sample(
            before["gateway"], "careline_twilio_turns_total", **answered))
        forged = await phone.send(PhoneMessage(text="hi"), signature="forged")
        assert forged.status == 403
        after = await _scrape(session, observed)
        async with session.get(f"{observed.plan.url}/metrics") as public:
            assert public.status == 404  # the public edge never shows metrics
    # the turn: once on the gateway, once on whichever replica ran it
    assert sample(after["gateway"], "careline_twilio_turns_total", **answered) == \
        sample(before["gateway"], "careline_twilio_turns_total", **answered) + 1
    assert sample(after["gateway"], "careline_twilio_turn_seconds_count", channel="sms") > \
        sample(before["gateway"], "careline_twilio_turn_seconds_count", channel="sms")
    assert _replicas(after, "careline_turns_total", channel="sms") == \
        _replicas(before, "careline_turns_total", channel="sms") + 1
    assert _replicas(after, "careline_turn_seconds_bucket", channel="sms", le="+Inf") == \
        _replicas(before, "careline_turn_seconds_bucket", channel="sms", le="+Inf") + 1
    relayed = {"route": "/webhooks/sms/turn", "method": "POST", "status": "200"}
    assert _replicas(after, "careline_http_requests_total", **relayed) == \
        _replicas(before, "careline_http_requests_total", **relayed) + 1
    refusal = {"channel": "sms", "reason": "invalid_signature"}
    assert sample(after["gateway"], "careline_webhook_refusals_total", **refusal) == \
        sample(before["gateway"], "careline_webhook_refusals_total", **refusal) + 1
    # the other services' own figures are there, each in its own process only
    assert 'careline_broker_queue_depth{queue="%s"}' % observed.plan.event_queue in \
        after["insight"]
    assert 'careline_handoff_outbox{status="pending"} 0.0' in after["handoff-worker"]
    assert 'careline_notices_queued{state="waiting"}' in after["incidents"]
    assert "careline_action_seconds" in after["actions-0"]
    assert "careline_http_request_seconds_bucket" in after["desk"]
    assert all("careline_notices" not in after[name] for name in ("gateway", "rasa-0", "desk"))
    _turn_logged_under_its_message_sid(observed, sent.message_sid, phone.number)


def _turn_logged_under_its_message_sid(stack: ObservedStack, message_sid: str,
                                       number: str) -> None:
    """The gateway's lines and the replica's turn line carry the MessageSid; no line of
    either shows the customer's number."""
    gateway = stack.log_lines("gateway")
    replicas = stack.log_lines("rasa-0") + stack.log_lines("rasa-1")
    turn_lines = [line for line in replicas
                  if line.get("correlation_id") == message_sid and "turn" in line]
    assert len(turn_lines) == 1
    turn = turn_lines[0]["turn"]
    assert turn["channel"] == "sms" and turn["intent"] and turn["latency_ms"] >= 0
    assert turn_lines[0]["service"] == "rasa" and turn_lines[0]["logger"] == "careline.turns"
    assert any(line["logger"].startswith("rasa.") for line in replicas)  # Rasa's own, as JSON
    gateway_turn = [line for line in gateway
                    if line.get("correlation_id") == message_sid and "twilio_turn" in line]
    assert [line["twilio_turn"]["outcome"] for line in gateway_turn] == ["answered"]
    everything = json.dumps(gateway + replicas)
    assert number not in everything and number[1:] not in everything
    engine = create_engine(stack.plan.database_url)
    try:  # the replies Twilio took for the turn are recorded under its id too
        replies = ChannelStore(engine).deliveries(to_address=number)
    finally:
        engine.dispose()
    assert replies and {d.correlation_id for d in replies} == {message_sid}
