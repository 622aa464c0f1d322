"""``careline handoffs``: open handoffs for operators; ``careline handoff-worker``: delivery."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

SCHEMA_FILE = Path(__file__).resolve().parent / "context_package.schema.json"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listing = subparsers.add_parser(
        "handoffs", help="list open handoffs (desk tickets and undelivered ones) with context")
    listing.add_argument("--json", action="store_true",
                         help="print JSON with each handoff's full context package")
    listing.add_argument("--write-schema", action="store_true",
                         help="regenerate the committed context package JSON Schema and exit")
    listing.set_defaults(handler=_handoffs)

    worker = subparsers.add_parser(
        "handoff-worker", help="deliver handoffs from the outbox to the desk, with retries")
    worker.add_argument("--port", type=int,
                        help="health port (default: CARELINE_HANDOFF_WORKER_PORT)")
    worker.add_argument("--desk-url", help="the desk to deliver to (default: CARELINE_DESK_URL)")
    worker.set_defaults(handler=_worker)


def schema_text() -> str:
    from careline.handoff.schemas import ContextPackage

    return ContextPackage.schema_json(indent=2) + "\n"


def _handoffs(args: argparse.Namespace) -> int:
    if args.write_schema:
        SCHEMA_FILE.write_text(schema_text())
        print(f"wrote {SCHEMA_FILE}")
        return 0
    from careline.desk.service import DeskService
    from careline.handoff.outbox import OutboxService

    desk = DeskService()
    tickets = [desk.detail(ticket_id=entry.ticket_id) for entry in desk.queue()]
    undelivered = OutboxService().undelivered()
    if args.json:
        rows = [{"state": "on_desk", "ticket_id": t.entry.ticket_id, "status": t.entry.status,
                 "assigned_to": t.entry.assigned_to, "priority_now": t.entry.priority.score,
                 "waiting_seconds": round(t.entry.waiting_seconds),
                 "context": json.loads(t.package.json())} for t in tickets]
        rows += [{"state": f"outbox_{item.status}", "attempts": item.attempts,
                  "last_error": item.last_error, "context": json.loads(item.payload)}
                 for item in undelivered]
        print(json.dumps(rows, indent=2))
        return 0
    if not tickets and not undelivered:
        print("no open handoffs")
        return 0
    for t in tickets:
        e = t.entry
        print(f"#{e.ticket_id} [{e.priority.level} {e.priority.score}] "
              f"{e.customer_name or 'unidentified'} ({e.segment or '-'}) via {e.channel} · "
              f"{e.reason} · {e.status}{' · ' + e.assigned_to if e.assigned_to else ''} · "
              f"waiting {int(e.waiting_seconds // 60)} min\n    {t.package.summary}")
    for item in undelivered:
        package = item.package()
        print(f"(not on the desk yet: {item.status}, {item.attempts} attempt(s), "
              f"last error: {item.last_error or '-'}) {package.conversation.conversation_id} · "
              f"{package.reason.value}\n    {package.summary}")
    return 0


def _worker(args: argparse.Namespace) -> int:
    from aiohttp import web

    from careline.desk.api_auth import desk_api_token
    from careline.handoff.outbox import OutboxService
    from careline.handoff.worker import OutboxWorker, build_worker_app
    from careline.observability.logs import configure_logging
    from careline.settings import get_settings

    settings = get_settings()
    configure_logging("handoff-worker", settings)
    worker = OutboxWorker(outbox=OutboxService(), desk_url=args.desk_url or settings.desk_url,
                          token=desk_api_token(settings),
                          max_backoff=settings.handoff_retry_max_seconds,
                          max_tries=settings.poison_max_tries)
    web.run_app(build_worker_app(worker), host=settings.bind_host,
                port=args.port or settings.resolved_handoff_worker_port, print=None)
    return 0
