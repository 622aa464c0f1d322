"""``careline report`` and ``careline insight ingest|consume``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from careline import clock
from careline.cli.main import usage

if TYPE_CHECKING:
    from careline.insight.service import InsightService


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = subparsers.add_parser(
        "report", help="write the contact-centre insight report (HTML with charts)")
    report.add_argument("--since", default="7d", help="7d, 24h, 2w or an ISO date (default 7d)")
    report.add_argument("--until", help="end of the period (ISO; default now)")
    report.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    report.set_defaults(handler=_report)

    insight = subparsers.add_parser("insight", help="feed the analytics store from the event broker")
    actions = insight.add_subparsers(dest="insight_command", metavar="ACTION")
    ingest = actions.add_parser("ingest", help="read new events from the SQL broker (events.db)")
    ingest.set_defaults(handler=_ingest)
    consume = actions.add_parser("consume",
                                 help="consume RabbitMQ events until stopped (production)")
    consume.add_argument("--port", type=int,
                         help="serve /health on this port (what a supervisor waits for)")
    consume.add_argument("--host", help="address of /health (default CARELINE_BIND_HOST)")
    consume.set_defaults(handler=_consume)
    insight.set_defaults(handler=lambda args: usage(insight))


def _service() -> InsightService:
    from careline.insight.service import InsightService, events_location
    from careline.settings import get_settings

    return InsightService(events=events_location(get_settings()))


def _report(args: argparse.Namespace) -> int:
    from careline.insight.period import parse_since
    from careline.insight.report import render_page

    now = clock.now()
    try:
        since = parse_since(args.since, now=now)
        until = parse_since(args.until, now=now) if args.until else now
    except ValueError as error:
        print(error)
        return 2
    service = _service()
    read = service.ingest_pending()
    report = service.report(since=since, until=until)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_page(report), encoding="utf-8")
    print(f"read {read} new events; {report.contacts} contacts, containment "
          f"{'—' if report.containment_rate is None else f'{report.containment_rate:.0%}'}; "
          f"wrote {args.out}")
    return 0


def _ingest(_args: argparse.Namespace) -> int:
    print(f"read {_service().ingest_pending()} new events")
    return 0


def _consume(args: argparse.Namespace) -> int:
    import asyncio

    from careline.insight.stream import PikaEventConsumer
    from careline.observability.logs import configure_logging
    from careline.settings import get_settings

    settings = get_settings()
    configure_logging("insight", settings)
    if settings.event_broker_url is None:
        print("CARELINE_EVENT_BROKER_URL is not set: the embedded SQL broker is read by "
              "`careline insight ingest` and `careline report`")
        return 2
    consumer = PikaEventConsumer(settings.event_broker_url.get_secret_value(),
                                 queue=settings.insight_event_queue,
                                 max_tries=settings.poison_max_tries)
    if args.port is not None:
        from careline.insight.consumer_service import serve

        running = serve(_service(), consumer, host=args.host or settings.bind_host,
                        port=args.port)
    else:
        running = _service().consume(consumer)
    try:
        asyncio.run(running)
    except KeyboardInterrupt:
        pass
    return 0
