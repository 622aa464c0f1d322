"""What `careline up` hands its children: stores chosen by the plan, TensorFlow's threads."""

from pathlib import Path

from careline.deploy.stack import StackPlan, environment


def plan(**overrides) -> StackPlan:
    return StackPlan(replicas=2, port=8080, api_port=8077, actions_port=8079, rasa_base_port=8100,
                     action_base_port=8200, gateway_port=8078, data_dir=Path("/tmp/stack"),
                     model=Path("/tmp/model.tar.gz"), token="t", **overrides)


def test_replicas_run_tensorflow_on_one_thread_unless_the_operator_says_otherwise():
    env = environment(plan(), {})
    assert env["TF_INTRA_OP_PARALLELISM_THREADS"] == "1"
    assert env["TF_INTER_OP_PARALLELISM_THREADS"] == "1"
    chosen = environment(plan(), {"TF_INTRA_OP_PARALLELISM_THREADS": "4"})
    assert chosen["TF_INTRA_OP_PARALLELISM_THREADS"] == "4"


def test_an_embedded_store_removes_the_inherited_url():
    env = environment(plan(lock_store_url=None),
                      {"CARELINE_LOCK_STORE_URL": "redis://elsewhere:6379/0"})
    assert "CARELINE_LOCK_STORE_URL" not in env
    assert env["CARELINE_EVENT_BROKER_URL"].startswith("amqp://")


def test_the_public_url_is_the_callers_or_nginxs_never_one_left_in_the_process(monkeypatch):
    monkeypatch.setenv("CARELINE_PUBLIC_URL", "https://stale.example")
    assert environment(plan(), {})["CARELINE_PUBLIC_URL"] == "http://127.0.0.1:8080"
    named = environment(plan(), {"CARELINE_PUBLIC_URL": "https://careline.example"})
    assert named["CARELINE_PUBLIC_URL"] == "https://careline.example"
