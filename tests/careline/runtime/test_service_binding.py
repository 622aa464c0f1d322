"""What each process of ``make run`` and ``careline up`` is told to listen on, and that
the action server's secret reaches Rasa and the action servers but no command line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from careline.deploy.stack import StackPlan, environment, services
from careline.runtime.services import ServiceSpec, local_services, rasa_environment
from careline.settings import Settings

#: Services that read the address from CARELINE_BIND_HOST in their environment.
FROM_ENVIRONMENT = {"desk", "handoff-worker", "incidents"}


def told_to_bind(spec: ServiceSpec) -> str | None:
    """The address on a child's command line (Rasa's flag is ``--interface``)."""
    for flag in ("--interface", "--host"):
        if flag in spec.argv:
            return spec.argv[spec.argv.index(flag) + 1]
    return None


@pytest.mark.parametrize("bind_host", ["127.0.0.1", "10.0.0.5"])
def test_make_run_binds_every_service_to_the_bind_host(tmp_path: Path, bind_host: str) -> None:
    settings = Settings(data_dir=tmp_path, bind_host=bind_host, action_secret="shared")
    specs = local_services(settings, tmp_path / "model.tar.gz")
    named = {"actions", "rasa", "twilio-standin"} | FROM_ENVIRONMENT
    assert {spec.name for spec in specs} >= named
    for spec in specs:
        if spec.name in FROM_ENVIRONMENT:
            assert told_to_bind(spec) is None
        else:
            assert told_to_bind(spec) == bind_host, spec.name
        assert spec.health_url.startswith(f"http://{bind_host}:"), spec.name
    env = rasa_environment(settings, "api-token")
    assert env["CARELINE_BIND_HOST"] == bind_host
    assert env["CARELINE_ACTION_SECRET"] == "shared"
    assert env["CARELINE_ACTION_ENDPOINT"].startswith(f"http://{bind_host}:")


def test_the_action_server_is_careline_s_and_its_secret_is_on_no_command_line(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, action_secret="never-in-ps")
    plan = StackPlan(replicas=2, port=1, api_port=2, actions_port=3, rasa_base_port=10,
                     action_base_port=20, gateway_port=4, data_dir=tmp_path,
                     model=tmp_path / "m", token="t", action_secret="never-in-ps")
    for spec in [*local_services(settings, tmp_path / "m"), *services(plan)]:
        assert "never-in-ps" not in " ".join(spec.argv)
        assert "rasa_sdk" not in spec.argv, f"{spec.name} starts rasa_sdk without the check"
    actions = [s for s in services(plan) if s.name.startswith("actions-")]
    assert len(actions) == 2
    assert all(s.argv[1:3] == ("-m", "careline.runtime.action_server") for s in actions)
    assert environment(plan, {})["CARELINE_ACTION_SECRET"] == "never-in-ps"


def test_a_plan_without_the_operators_secret_makes_its_own() -> None:
    def plan() -> StackPlan:
        return StackPlan(replicas=1, port=1, api_port=2, actions_port=3, rasa_base_port=10,
                         action_base_port=20, gateway_port=4, data_dir=Path("/tmp/x"),
                         model=Path("/tmp/m"), token="t")
    first, second = plan(), plan()
    assert len(first.action_secret) >= 32 and first.action_secret != second.action_secret
    assert first.action_secret not in repr(first)


@pytest.mark.parametrize("bind_host", ["127.0.0.1", "10.0.0.5"])
def test_careline_up_binds_every_internal_process_to_the_bind_host(
    tmp_path: Path, bind_host: str,
) -> None:
    plan = StackPlan(replicas=2, port=18080, api_port=18077, actions_port=18079,
                     rasa_base_port=18100, action_base_port=18200, gateway_port=18078,
                     insight_port=18076, data_dir=tmp_path, model=tmp_path / "m", token="t",
                     bind_host=bind_host)
    specs = services(plan)
    assert {"actions-0", "actions-1", "rasa-0", "rasa-1", "insight", "gateway", "nginx"} == \
        {spec.name for spec in specs}
    for spec in specs:
        if spec.name == "nginx":
            continue  # its listeners are in its configuration (tests/faults/test_nginx_config.py)
        assert told_to_bind(spec) == bind_host, spec.name
    config = (tmp_path / "nginx" / "nginx.conf").read_text()
    assert f"listen {bind_host}:18077;" in config and f"listen {bind_host}:18079;" in config
    env = environment(plan, {})
    assert env["CARELINE_RASA_URL"] == f"http://{bind_host}:18077"  # internal, not public
    assert env["CARELINE_PUBLIC_URL"] == "http://127.0.0.1:18080"


def test_careline_up_s_insight_consumer_drains_the_queue_rasa_publishes_to(
    tmp_path: Path,
) -> None:
    plan = StackPlan(replicas=1, port=1, api_port=2, actions_port=3, rasa_base_port=10,
                     action_base_port=20, gateway_port=4, insight_port=5, data_dir=tmp_path,
                     model=tmp_path / "m", token="t", event_queue="events-q")
    env = environment(plan, {"CARELINE_INSIGHT_EVENT_QUEUE": "a-queue-nothing-feeds"})
    assert env["CARELINE_EVENT_QUEUE"] == env["CARELINE_INSIGHT_EVENT_QUEUE"] == "events-q"
    insight = next(spec for spec in services(plan) if spec.name == "insight")
    assert insight.argv[1:] == ("-m", "careline.cli.main", "insight", "consume",
                                "--port", "5", "--host", "127.0.0.1")
    assert insight.health_url == "http://127.0.0.1:5/health"
    # without a port (the fault tests read the queue themselves), or without RabbitMQ, none
    for other in (replace(plan, insight_port=None), replace(plan, event_broker_url=None)):
        assert "insight" not in {spec.name for spec in services(other)}
