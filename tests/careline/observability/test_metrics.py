"""The metric registry: each service's own families, label values kept bounded, and
``/metrics`` on an aiohttp service with its request metrics and scrape-time probes."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from careline.observability import correlation
from careline.observability.aiohttp_metrics import mount
from careline.observability.metrics import (NOTICES_QUEUED, SERVICE_METRICS, channel_label,
                                            observe_turn, refused, registry_for)


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in an exposition (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0.0


def families(service: str) -> set[str]:
    return {metric.name for metric in registry_for(service).collect()}


def test_each_service_exposes_its_own_families_and_its_process():
    assert {"careline_turns", "careline_turn_seconds", "careline_nlu_fallbacks"} <= \
        families("rasa")
    assert "careline_notices" not in families("rasa")
    assert "careline_turns" not in families("incidents")
    assert {"careline_notices", "careline_notices_queued"} <= families("incidents")
    for service in SERVICE_METRICS:
        assert "process_cpu_seconds" in families(service), service


def test_a_turn_counts_once_by_channel_and_a_fallback_counts_as_such():
    registry = registry_for("rasa")

    def value(name: str, channel: str) -> float:
        return registry.get_sample_value(name, {"channel": channel}) or 0.0

    turns, fallbacks = value("careline_turns_total", "sms"), value(
        "careline_nlu_fallbacks_total", "sms")
    buckets = registry.get_sample_value("careline_turn_seconds_bucket",
                                        {"channel": "sms", "le": "0.5"}) or 0.0
    observe_turn(channel="sms", intent="ask_balance", seconds=0.3)
    observe_turn(channel="sms", intent="nlu_fallback", seconds=1.5)
    assert value("careline_turns_total", "sms") == turns + 2
    assert value("careline_nlu_fallbacks_total", "sms") == fallbacks + 1
    assert registry.get_sample_value("careline_turn_seconds_bucket",
                                     {"channel": "sms", "le": "0.5"}) == buckets + 1


def test_channel_labels_stay_a_small_fixed_set():
    assert [channel_label(c) for c in ("sms", "webchat", None, "cmdline", "+447700900123")] == \
        ["sms", "webchat", "unknown", "other", "other"]


async def test_an_aiohttp_service_serves_its_metrics_and_counts_routes_not_paths():
    seen: list[str] = []

    async def ticket(request: web.Request) -> web.Response:
        seen.append(correlation.current() or "")
        return web.json_response({"id": request.match_info["ticket_id"]})

    async def queue_probe() -> None:
        NOTICES_QUEUED.labels("waiting").set(7)

    async def broken_probe() -> None:
        raise ConnectionError("broker away")

    app = web.Application()
    app.router.add_get("/tickets/{ticket_id}", ticket)
    mount(app, service="incidents", probes=[broken_probe, queue_probe])
    refused(channel="incidents", reason="unauthorised")
    async with TestClient(TestServer(app)) as client:
        before = await (await client.get("/metrics")).text()
        for ticket_id in ("17", "18"):
            assert (await client.get(f"/tickets/{ticket_id}",
                                     headers={"X-Request-ID": f"req-{ticket_id}"})).status == 200
        assert (await client.get("/nowhere")).status == 404
        reply = await client.get("/metrics")
        after = await reply.text()
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/plain")
    route = {"route": "/tickets/{ticket_id}", "method": "GET", "status": "200"}
    assert sample(after, "careline_http_requests_total", **route) == \
        sample(before, "careline_http_requests_total", **route) + 2
    assert sample(after, "careline_http_requests_total", route="unmatched", status="404") >= 1
    assert "/tickets/17" not in after
    assert sample(after, "careline_notices_queued", state="waiting") == 7  # despite the broken one
    assert sample(after, "careline_webhook_refusals_total", channel="incidents",
                  reason="unauthorised") >= 1
    assert seen == ["req-17", "req-18"]
