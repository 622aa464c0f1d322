"""The Helm chart (deploy/helm/careline), rendered by Helm's own engine and validated.

deploy/helm/check.py renders the chart in the Helm tool environment (`make helm-tools`),
lints it and validates every manifest against the Kubernetes schemas; these tests read
its report and assert what a deployment must hold: the commands and health endpoints the
processes really have, non-root pods, secrets only in Secrets, the autoscaler on Rasa,
migrations as a pre-install/pre-upgrade hook and disruption budgets wherever there is
more than one replica. tests/deploy/test_helm_routing.py covers who reaches what. No
cluster is involved.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from careline.cli.main import build_parser
from careline.deploy.stack import StackPlan, services
from careline.runtime.services import ServiceSpec, local_services
from careline.settings import Profile, Settings
from tests.deploy.helm_chart import (CHART, COMPONENTS, MINIMAL, Rendered,
                                     containers, render)


@pytest.fixture(params=["minimal", "production"])
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return request.getfixturevalue(request.param)


def test_renders_lints_and_validates_against_kubernetes_schemas(rendered: Rendered) -> None:
    report = rendered.report
    assert rendered.returncode == 0, report.get("error") or report.get("invalid")
    assert report["helm"].startswith("v4."), "rendered by Helm's own engine"
    assert report["invalid"] == []
    assert report["lint_errors"] == []
    assert all(m["severity"] < 2 for m in report["lint"]), report["lint"]
    assert set(rendered.deployments()) == COMPONENTS
    assert {"Service", "Ingress", "Job", "HorizontalPodAutoscaler", "PodDisruptionBudget",
            "ConfigMap", "ServiceAccount"} <= {r["kind"] for r in rendered.resources}


def test_validation_catches_a_misspelt_field(tmp_path: Path) -> None:
    """The schemas are strict: the same chart with one field misspelt fails to validate."""
    chart = tmp_path / "careline"
    shutil.copytree(CHART, chart)
    helpers = chart / "templates" / "_helpers.tpl"
    helpers.write_text(helpers.read_text().replace("readinessProbe:", "readynessProbe:"))
    broken = render(MINIMAL, chart=chart)
    assert broken.returncode == 1
    assert {f["kind"] for f in broken.report["invalid"]} == {"Deployment"}
    assert all("readynessProbe" in f["error"] for f in broken.report["invalid"])


#: What the chart's defaults lack: named all at once, as the production profile does.
NEEDED = ["ingress.host", "twilio.accountSid", "twilio.smsFrom", "twilio.whatsappFrom",
          "external.databaseUrl", "external.trackerStoreUrl", "external.lockStoreUrl",
          "external.eventBrokerUrl", "secrets.twilioAuthToken"]


@pytest.mark.parametrize("values, missing", [
    ("", NEEDED),  # the chart's defaults alone
    ("ingress: {host: chat.operator.example}\n"
     "twilio: {accountSid: AC1, messagingServiceSid: MG1}\n", NEEDED[4:]),
    ("ingress: {enabled: false}\nsecrets: {existingSecret: careline}\n",
     ["publicUrl", *NEEDED[1:4]]),
])
def test_refuses_to_render_without_its_public_url_senders_stores_and_secrets(
    tmp_path: Path, values: str, missing: list[str],
) -> None:
    given = tmp_path / "values.yaml"
    given.write_text(values)
    refused = render(given)
    assert refused.returncode == 2
    message = refused.report["error"].split("the chart needs values for: ", 1)[1]
    assert [entry.split()[0] for entry in message.split(", ")] == missing


@pytest.mark.parametrize("values, refused_at", [
    ("rasa: {replica: 3}\n", "/rasa"),  # misspelt: would silently keep 2 replicas
    ("external: {databaseUrl: 'mysql://careline@db/careline'}\n", "/external/databaseUrl"),
    ("publicUrl: http://chat.operator.example\n", "/publicUrl"),  # Twilio needs https
])
def test_values_outside_the_schema_are_refused(tmp_path: Path, values: str,
                                                refused_at: str) -> None:
    wrong = tmp_path / "values.yaml"
    wrong.write_text(values)
    refused = render(MINIMAL, wrong)
    assert refused.returncode == 2
    assert f"at '{refused_at}'" in refused.report["error"]


def how_careline_starts(tmp_path: Path) -> list[ServiceSpec]:
    """The processes `make run` and `careline up` start, with their health URLs."""
    settings = Settings(data_dir=tmp_path)
    plan = StackPlan(replicas=1, port=1, api_port=2, actions_port=3, rasa_base_port=10,
                     action_base_port=20, gateway_port=4, insight_port=5, data_dir=tmp_path,
                     model=tmp_path / "m", token="t")
    return [*local_services(settings, tmp_path / "m"), *services(plan)]


def command_of(argv: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Module and subcommands: the words before the first option."""
    words = []
    for word in argv:
        if word.startswith("-"):
            break
        words.append(word)
    return tuple(words)


def test_each_process_runs_careline_s_command_and_is_probed_on_its_health_endpoint(
    rendered: Rendered, tmp_path: Path,
) -> None:
    known = {command_of(spec.argv[2:]): spec for spec in how_careline_starts(tmp_path)
             if spec.argv[1:2] == ("-m",)}
    parser = build_parser()
    for component, deployment in rendered.deployments().items():
        (container,) = containers(deployment)
        assert container["command"] == ["python", "-m"], component
        args = container["args"]
        spec = known.get(command_of(args))
        assert spec is not None, f"{component}: {args} is no command careline starts"
        if args[0] == "careline.cli.main":
            parser.parse_args(args[1:])  # the subcommand and every option exist
        else:
            flags = {word for word in args if word.startswith("--")}
            assert flags <= set(spec.argv), f"{component}: {flags - set(spec.argv)}"
        port = container["ports"][0]
        assert port["name"] == "http"
        assert args[args.index("--port") + 1] == str(port["containerPort"]), component
        health = urlsplit(spec.health_url).path
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"] == {"path": health, "port": "http"}, (
                component, probe)


def test_every_pod_runs_non_root_on_a_read_only_root_filesystem(rendered: Rendered) -> None:
    for resource in [*rendered.of_kind("Deployment"), *rendered.of_kind("Job")]:
        pod = resource["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False
            assert context["readOnlyRootFilesystem"] is True
            assert context["capabilities"]["drop"] == ["ALL"]
            assert container["resources"]["requests"] and container["resources"]["limits"]
            assert {m["mountPath"] for m in container["volumeMounts"]} == {"/tmp"}


def test_every_process_runs_the_production_profile_from_one_configmap_and_secret(
    rendered: Rendered,
) -> None:
    (config,) = rendered.of_kind("ConfigMap")
    assert config["data"]["CARELINE_PROFILE"] == "production"
    assert config["data"]["CARELINE_PUBLIC_URL"] == "https://chat.operator.example"
    assert "TWILIO_API_BASE_URL" not in config["data"]
    secret = rendered.values.get("secrets", {}).get("existingSecret") or "careline-secrets"
    for resource in [*rendered.of_kind("Deployment"), *rendered.of_kind("Job")]:
        for container in resource["spec"]["template"]["spec"]["containers"]:
            assert container["envFrom"] == [
                {"configMapRef": {"name": config["metadata"]["name"]}},
                {"secretRef": {"name": secret}}]


def test_the_chart_s_secret_holds_every_secret_and_no_configmap_holds_one(
    minimal: Rendered,
) -> None:
    import base64

    (secret,) = minimal.of_kind("Secret")
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    given = [minimal.values["secrets"]["twilioAuthToken"], *minimal.values["external"].values()]
    assert set(given) <= set(data.values())
    generated = {"CARELINE_RASA_TOKEN", "CARELINE_ACTION_SECRET", "CARELINE_CONVERSATION_SECRET",
                 "CARELINE_WEBCHAT_SECRET", "CARELINE_DESK_API_TOKEN",
                 "CARELINE_INCIDENT_API_TOKEN"}
    assert generated <= set(data)
    assert all(len(data[key]) >= 32 for key in generated)
    assert data["CARELINE_WEBCHAT_MANAGER_URL"] == minimal.values["external"]["lockStoreUrl"]
    for config in minimal.of_kind("ConfigMap"):
        assert not set(config["data"]) & set(data), "a secret's variable in a ConfigMap"
        text = json.dumps(config["data"])
        leaked = [key for key, value in data.items() if value in text]
        assert not leaked, f"secret values of {leaked} in ConfigMap {config['metadata']['name']}"
        assert "password" not in text


def test_the_pods_environment_passes_the_production_profile_s_checks(
    minimal: Rendered, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ConfigMap and the chart's Secret give every value the production profile
    refuses to start without (careline/settings.py), and nothing points at the stand-in."""
    import base64
    import os

    (config,) = minimal.of_kind("ConfigMap")
    (secret,) = minimal.of_kind("Secret")
    for name in list(os.environ):
        if name.startswith(("CARELINE_", "TWILIO_")):
            monkeypatch.delenv(name)
    for name, value in config["data"].items():
        monkeypatch.setenv(name, value)
    for name, value in secret["data"].items():
        monkeypatch.setenv(name, base64.b64decode(value).decode())
    settings = Settings()
    assert settings.profile is Profile.PRODUCTION
    assert settings.resolved_twilio_api_base_url is None, "Twilio's own API"
    assert settings.rasa_url == "http://careline-rasa:5005"
    assert settings.resolved_action_endpoint == "http://careline-actions:5055/webhook"


def test_an_existing_secret_replaces_the_chart_s_own(production: Rendered) -> None:
    assert production.of_kind("Secret") == []


def test_the_autoscaler_targets_the_rasa_deployment(rendered: Rendered) -> None:
    (hpa,) = rendered.of_kind("HorizontalPodAutoscaler")
    rasa = rendered.deployments()["rasa"]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": rasa["metadata"]["name"]}
    assert "replicas" not in rasa["spec"], "the autoscaler owns Rasa's replica count"
    replicas = rendered.values.get("rasa", {}).get("replicas", 2)
    assert hpa["spec"]["minReplicas"] == replicas
    assert hpa["spec"]["maxReplicas"] > replicas


def test_without_autoscaling_or_ingress(tmp_path: Path) -> None:
    """Rasa keeps a fixed count, and another edge (publicUrl) fronts the webhooks."""
    values = tmp_path / "values.yaml"
    values.write_text("rasa: {replicas: 4, autoscaling: {enabled: false}}\n"
                      "ingress: {enabled: false}\npublicUrl: https://edge.operator.example\n")
    plain = render(MINIMAL, values)
    assert plain.returncode == 0, plain.report.get("error") or plain.report.get("invalid")
    assert plain.of_kind("HorizontalPodAutoscaler") == plain.of_kind("Ingress") == []
    assert plain.deployments()["rasa"]["spec"]["replicas"] == 4
    (config,) = plain.of_kind("ConfigMap")
    assert config["data"]["CARELINE_PUBLIC_URL"] == "https://edge.operator.example"


def test_migrations_run_as_a_pre_install_and_pre_upgrade_hook_after_their_settings(
    rendered: Rendered,
) -> None:
    (job,) = rendered.of_kind("Job")
    hooks = job["metadata"]["annotations"]
    assert set(hooks["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    (container,) = containers(job)
    assert container["args"] == ["careline.cli.main", "db", "upgrade"]
    build_parser().parse_args(container["args"][1:])
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    # what the Job reads exists before it (hooks of a lower weight), and a rollback puts
    # back the settings of the release it returns to
    for resource in [*rendered.of_kind("ConfigMap"), *rendered.of_kind("Secret")]:
        annotations = resource["metadata"]["annotations"]
        assert set(annotations["helm.sh/hook"].split(",")) == {
            "pre-install", "pre-upgrade", "pre-rollback"}
        assert int(annotations["helm.sh/hook-weight"]) < int(hooks["helm.sh/hook-weight"])
    assert "serviceAccountName" not in job["spec"]["template"]["spec"], (
        "the chart's ServiceAccount does not exist yet when the Job runs")


def test_every_deployment_with_more_than_one_replica_has_a_disruption_budget(
    rendered: Rendered,
) -> None:
    hpa_min = {h["spec"]["scaleTargetRef"]["name"]: h["spec"]["minReplicas"]
               for h in rendered.of_kind("HorizontalPodAutoscaler")}
    budgets = {tuple(sorted(p["spec"]["selector"]["matchLabels"].items())): p
               for p in rendered.of_kind("PodDisruptionBudget")}
    replicated = set()
    for component, deployment in rendered.deployments().items():
        name = deployment["metadata"]["name"]
        replicas = deployment["spec"].get("replicas", hpa_min.get(name, 1))
        labels = tuple(sorted(deployment["spec"]["selector"]["matchLabels"].items()))
        if replicas > 1:
            replicated.add(component)
            assert labels in budgets, f"{component} ({replicas} replicas) has no budget"
            assert budgets[labels]["spec"]["minAvailable"] == 1
            pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
            assert dict(labels).items() <= pod_labels.items()
        else:
            assert labels not in budgets, f"{component} has one replica: a budget blocks drains"
    assert replicated == {"rasa", "actions", "gateway"}
    assert len(budgets) == len(replicated)


def test_replicas_are_spread_over_nodes(rendered: Rendered) -> None:
    for component, deployment in rendered.deployments().items():
        (spread,) = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert spread["topologyKey"] == "kubernetes.io/hostname"
        assert spread["labelSelector"]["matchLabels"] == (
            deployment["spec"]["selector"]["matchLabels"]), component


def test_the_image_is_the_one_named_in_values(production: Rendered) -> None:
    images = {c["image"] for r in [*production.of_kind("Deployment"), *production.of_kind("Job")]
              for c in containers(r)}
    assert images == {"registry.operator.example/careline:0.1.0"}


def test_internal_services_are_cluster_only(rendered: Rendered) -> None:
    assert {s["spec"]["type"] for s in rendered.of_kind("Service")} == {"ClusterIP"}


def test_the_insight_consumer_reads_the_queue_rasa_publishes_to(rendered: Rendered) -> None:
    """As `careline up` wires them (careline/deploy/stack.py): otherwise the queue grows
    without bound and /insight stays empty."""
    (config,) = rendered.of_kind("ConfigMap")
    deployments = rendered.deployments()

    def environment(component: str) -> dict[str, str]:
        (container,) = containers(deployments[component])
        own = {e["name"]: e.get("value") for e in container.get("env", [])}
        return {**config["data"], **own}

    published = environment("rasa")["CARELINE_EVENT_QUEUE"]
    assert published
    assert environment("insight-consumer")["CARELINE_INSIGHT_EVENT_QUEUE"] == published
