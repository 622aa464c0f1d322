"""`careline run` and `careline up` run the same programs: one topology function lists both
stacks' processes, and the Twilio edge, Rasa and the action server start alike in each."""

from __future__ import annotations

from pathlib import Path

from careline.deploy.stack import StackPlan, environment, services
from careline.runtime.services import ServiceSpec, local_services, rasa_environment
from careline.settings import Settings


def _program(spec: ServiceSpec) -> tuple[str, ...]:
    """A process's command line without its ports and the arguments only one stack needs."""
    kept: list[str] = []
    skip = False
    for arg in spec.argv[1:]:
        if skip:
            skip = False
        elif arg in ("--port", "--host", "--interface"):
            skip = True
        elif arg not in ("--cors", "*"):
            kept.append(arg)
    return tuple(kept)


def _plan(tmp_path: Path, model: Path) -> StackPlan:
    return StackPlan(replicas=2, port=18080, api_port=18077, actions_port=18079,
                     rasa_base_port=18100, action_base_port=18200, gateway_port=18300,
                     gateways=2, data_dir=tmp_path, model=model, token="t")


def test_both_stacks_run_the_same_edge_rasa_and_action_server(tmp_path: Path) -> None:
    model = tmp_path / "model.tar.gz"
    single = {spec.name: spec for spec in local_services(Settings(data_dir=tmp_path), model)}
    replicated = {spec.name: spec for spec in services(_plan(tmp_path, model))}
    for alone, behind_nginx in (("gateway", "gateway-0"), ("gateway", "gateway-1"),
                                ("rasa", "rasa-0"), ("actions", "actions-1")):
        assert _program(single[alone]) == _program(replicated[behind_nginx]), alone
    assert _program(single["gateway"]) == ("-m", "careline.channels.twilio_gateway")


def test_rasa_hands_messages_outside_a_turn_to_an_edge_in_both_stacks(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, edge_port=17006)
    local = rasa_environment(settings, "t")
    assert local["CARELINE_EDGE_URL"] == "http://127.0.0.1:17006"
    assert local["CARELINE_PUBLIC_URL"] == "http://127.0.0.1:17006"  # Twilio posts to the edge
    plan = _plan(tmp_path, tmp_path / "m")
    # behind nginx: its internal port, which routes /webhooks/*/outbound to the gateways
    assert environment(plan, {})["CARELINE_EDGE_URL"] == plan.api_url


def test_replicas_behind_nginx_are_numbered_and_single_processes_keep_their_names(
        tmp_path: Path) -> None:
    model = tmp_path / "model.tar.gz"
    plan = _plan(tmp_path, model)
    with_insight = StackPlan(**{**plan.__dict__, "gateways": 1,
                                "event_broker_url": "amqp://guest:guest@127.0.0.1:5672/",
                                "insight_port": 18400})
    names = [spec.name for spec in services(with_insight)]
    assert names[:-1] == ["actions-0", "actions-1", "rasa-0", "rasa-1", "insight", "gateway"]
    assert [spec.name for spec in local_services(Settings(data_dir=tmp_path), model)][-3:] == [
        "actions", "rasa", "gateway"]
