"""Careline's Prometheus metrics: what each family means, and which process exposes which.

Every family is defined here once, unregistered; :func:`registry_for` gathers one
service's families (and the process's CPU, memory and file descriptors) into that
service's own registry, so a process's ``GET /metrics`` shows only what it counts and
never another service's zeros. Each process counts for itself: Prometheus sums the
replicas. Labels take a few fixed values (channels, reasons, outcomes, route patterns),
never a sender, number or conversation id.

Rasa's and the action server's Sanic run one worker per process (Careline never sets
``SANIC_WORKERS``); with several workers each would count alone and ``/metrics`` would
answer for whichever worker took the request.
"""

from __future__ import annotations

import functools
from typing import Optional

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

#: Channels a label may name; anything else counts as ``other`` (bounded cardinality).
CHANNELS = frozenset({"sms", "whatsapp", "webchat", "rest"})
#: Seconds: a quick NLU answer to a slow action chain behind a conversation lock.
TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

TURNS = Counter("careline_turns", "Customer turns Rasa answered, by channel",
                ["channel"], registry=None)
TURN_SECONDS = Histogram("careline_turn_seconds",
                         "Seconds from a message reaching Rasa to its turn being saved",
                         ["channel"], buckets=TURN_BUCKETS, registry=None)
NLU_FALLBACKS = Counter("careline_nlu_fallbacks",
                        "Turns whose intent was nlu_fallback (their rate over careline_turns "
                        "is the fallback rate)", ["channel"], registry=None)
TWILIO_TURNS = Counter("careline_twilio_turns",
                       "SMS and WhatsApp webhooks run as turns, by outcome (answered, "
                       "keyword, apologised)", ["channel", "outcome"], registry=None)
TWILIO_TURN_SECONDS = Histogram("careline_twilio_turn_seconds",
                                "Seconds from a Twilio webhook to its last reply sent",
                                ["channel"], buckets=TURN_BUCKETS, registry=None)
REDRIVEN_TURNS = Counter("careline_redriven_turns",
                         "SMS, WhatsApp and web chat messages accepted but not answered "
                         "within their lease (their process died), run again", ["channel"],
                         registry=None)
WEBHOOK_REFUSALS = Counter("careline_webhook_refusals",
                           "Requests refused at the door: forged or missing signatures, "
                           "missing tokens, per-sender limits", ["channel", "reason"],
                           registry=None)
ACTIONS = Counter("careline_actions", "Custom action calls, by action and outcome",
                  ["action", "outcome"], registry=None)
ACTION_SECONDS = Histogram("careline_action_seconds", "Seconds one custom action call took",
                           ["action"], buckets=HTTP_BUCKETS, registry=None)
HANDOFFS = Counter("careline_handoffs", "Handoffs written to the outbox, by reason",
                   ["reason"], registry=None)
HANDOFFS_DELIVERED = Counter("careline_handoffs_delivered",
                             "Handoffs the desk accepted from the outbox, by reason",
                             ["reason"], registry=None)
OUTBOX = Gauge("careline_handoff_outbox",
               "Handoffs in the outbox not on the desk: pending (being retried), rejected "
               "or parked",
               ["status"], registry=None)
NOTICES = Counter("careline_notices", "Proactive notices, by channel and outcome (sent, failed)",
                  ["channel", "outcome"], registry=None)
NOTICES_QUEUED = Gauge("careline_notices_queued",
                       "Proactive notices waiting: pending or sending, and held by quiet hours",
                       ["state"], registry=None)
QUEUE_DEPTH = Gauge("careline_broker_queue_depth",
                    "Messages waiting in a RabbitMQ queue of the event broker", ["queue"],
                    registry=None)
POISON_PARKED = Counter("careline_poison_parked",
                        "Messages a consumer parked after failing on them "
                        "CARELINE_POISON_MAX_TRIES times (alert on any increase; "
                        "`careline parked` lists them)", ["consumer"], registry=None)
HTTP_REQUESTS = Counter("careline_http_requests", "HTTP requests served, by route and status",
                        ["route", "method", "status"], registry=None)
HTTP_SECONDS = Histogram("careline_http_request_seconds", "Seconds to answer an HTTP request",
                         ["route"], buckets=HTTP_BUCKETS, registry=None)

_HTTP = (HTTP_REQUESTS, HTTP_SECONDS)
#: Which families each long-running process exposes (the names ``careline up`` gives them).
SERVICE_METRICS: dict[str, tuple[Collector, ...]] = {
    "rasa": (TURNS, TURN_SECONDS, NLU_FALLBACKS, TWILIO_TURNS, TWILIO_TURN_SECONDS,
             REDRIVEN_TURNS, WEBHOOK_REFUSALS, *_HTTP),
    "actions": (ACTIONS, ACTION_SECONDS, HANDOFFS),
    "gateway": (TWILIO_TURNS, TWILIO_TURN_SECONDS, REDRIVEN_TURNS, WEBHOOK_REFUSALS, *_HTTP),
    "desk": (POISON_PARKED, *_HTTP),
    "handoff-worker": (HANDOFFS_DELIVERED, OUTBOX, POISON_PARKED, *_HTTP),
    "incidents": (NOTICES, NOTICES_QUEUED, POISON_PARKED, WEBHOOK_REFUSALS, *_HTTP),
    "insight": (QUEUE_DEPTH, POISON_PARKED, *_HTTP),
}


@functools.cache
def registry_for(service: str) -> CollectorRegistry:
    """The registry ``service``'s ``/metrics`` renders: its families and the process's own."""
    registry = CollectorRegistry(auto_describe=True)
    for family in SERVICE_METRICS[service]:
        registry.register(family)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry


def channel_label(channel: Optional[str]) -> str:
    """A channel as a label value: one of :data:`CHANNELS`, ``unknown`` or ``other``."""
    if not channel:
        return "unknown"
    return channel if channel in CHANNELS else "other"


def observe_turn(*, channel: Optional[str], intent: Optional[str], seconds: float) -> None:
    """Count one answered turn (Rasa's tracker store calls this once per saved turn)."""
    label = channel_label(channel)
    TURNS.labels(label).inc()
    TURN_SECONDS.labels(label).observe(max(seconds, 0.0))
    if intent == "nlu_fallback":
        NLU_FALLBACKS.labels(label).inc()


def refused(*, channel: str, reason: str) -> None:
    """Count one request refused at the door."""
    WEBHOOK_REFUSALS.labels(channel, reason).inc()
