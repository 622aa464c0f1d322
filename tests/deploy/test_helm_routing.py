"""Who reaches what in the Helm chart: the Ingress's public paths, the desk's own host,
and the NetworkPolicies between Careline's processes (rendered as in test_helm_chart.py).
"""

from __future__ import annotations

from pathlib import Path


from careline.settings import Settings
from tests.deploy.helm_chart import COMPONENTS, Rendered

#: Exactly the public doors (careline/deploy/nginx.py routes the same ones under careline up).
PUBLIC_ROUTES = {
    *((f"/webhooks/{channel}/{door}", "Exact", "gateway")
      for channel in ("sms", "whatsapp") for door in ("webhook", "status")),
    ("/webhooks/webchat", "Prefix", "rasa"),
    ("/socket.io", "Prefix", "rasa"),
}


def ingress_routes(rendered: Rendered) -> dict[str, set[tuple[str, str, str]]]:
    (ingress,) = rendered.of_kind("Ingress")
    prefix = "careline-"
    return {rule["host"]: {(p["path"], p["pathType"],
                            p["backend"]["service"]["name"].removeprefix(prefix))
                           for p in rule["http"]["paths"]}
            for rule in ingress["spec"]["rules"]}


def test_the_ingress_routes_only_the_public_paths(minimal: Rendered) -> None:
    assert ingress_routes(minimal) == {"chat.operator.example": PUBLIC_ROUTES}
    (ingress,) = minimal.of_kind("Ingress")
    assert ingress["spec"]["tls"] == [{"hosts": ["chat.operator.example"],
                                       "secretName": "careline-tls"}]


def routed(path: str, routes: set[tuple[str, str, str]]) -> set[str]:
    """The services an Ingress sends ``path`` to (Kubernetes' Exact and Prefix matching:
    a prefix matches whole path elements)."""
    elements = path.rstrip("/").split("/")
    return {service for rule, kind, service in routes
            if (kind == "Exact" and rule == path)
            or (kind == "Prefix" and elements[:len(rule.rstrip("/").split("/"))]
                == rule.rstrip("/").split("/"))}


def desk_paths(tmp_path: Path) -> list[str]:
    """Every path the real desk app serves (built, not started), a number per ticket id."""
    from sqlalchemy import create_engine

    from careline.desk.app import build_app

    app = build_app(Settings(data_dir=tmp_path), engine=create_engine("sqlite://"))
    paths = [resource.canonical for resource in app.router.resources()]
    return [path.replace("{ticket_id}", "7") for path in paths] + ["/static/desk.css"]


def test_the_desk_host_serves_the_agents_pages_and_nothing_else(
    production: Rendered, tmp_path: Path,
) -> None:
    routes = ingress_routes(production)
    assert routes["chat.operator.example"] == PUBLIC_ROUTES
    desk = routes["desk.operator.example"]
    assert {service for _, _, service in desk} == {"desk"}
    internal = {"/health", "/metrics", "/api/handoffs", "/api/queue"}
    served = desk_paths(tmp_path)
    assert internal <= set(served), "the desk's routes moved: update this test"
    for path in served:
        expected = set() if path in internal else {"desk"}
        assert routed(path, desk) == expected, path
    for path in ("/webhooks/rest/webhook", "/webhooks/sms/turn", "/conversations/x/tracker",
                 "/model", "/status", "/metrics", "/"):
        assert routed(path, routes["chat.operator.example"]) == set(), path
    (ingress,) = production.of_kind("Ingress")
    assert ingress["spec"]["tls"] == [{
        "hosts": ["chat.operator.example", "desk.operator.example"],
        "secretName": "chat-operator-example-tls"}]


#: Who calls whom inside the release (CARELINE_RASA_URL, CARELINE_ACTION_ENDPOINT,
#: CARELINE_DESK_URL), and which processes the ingress controller reaches.
CALLERS = {"rasa": {"gateway", "desk", "incidents"}, "actions": {"rasa"},
           "desk": {"handoff-worker"}, "gateway": {"rasa"}, "handoff-worker": set(),
           "insight-consumer": set(), "incidents": set()}
FROM_EDGE = {"rasa", "gateway", "desk"}


def test_network_policies_admit_only_each_process_s_callers(production: Rendered) -> None:
    policies = {p["metadata"]["labels"]["app.kubernetes.io/component"]: p["spec"]
                for p in production.of_kind("NetworkPolicy")}
    assert set(policies) == COMPONENTS | {"migrations"}
    assert "ingress" not in policies["migrations"], "the Job takes no connections"
    operators = production.values["networkPolicy"]["incidentsFrom"]
    metrics = production.values["networkPolicy"]["metricsFrom"]
    for component, deployment in production.deployments().items():
        spec = policies[component]
        assert spec["podSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
        assert spec["policyTypes"] == ["Ingress"]
        port = deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]
        peers = [peer for rule in spec["ingress"] for peer in rule["from"]]
        assert all(r["ports"] == [{"port": port["containerPort"], "protocol": "TCP"}]
                   for r in spec["ingress"]), component
        callers = {peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
                   for peer in peers if "podSelector" in peer}
        assert callers == CALLERS[component], component
        from_edge = {"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "ingress-nginx"}}} in peers
        assert from_edge == (component in FROM_EDGE), component
        assert all(peer in peers for peer in metrics), component
        assert all(peer in peers for peer in operators) == (component == "incidents"), component


def test_network_policies_are_off_unless_enabled(minimal: Rendered) -> None:
    assert minimal.of_kind("NetworkPolicy") == []
