"""``careline incident open|update|resolve|status|release-held|sync-trackers|serve``."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Optional

from careline import clock
from careline.cli.main import usage

if TYPE_CHECKING:
    from careline.proactive.schemas import IncidentUpdate, NotifyResult
    from careline.proactive.service import OutageCare


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    incident = subparsers.add_parser(
        "incident", help="open, update or resolve a network incident and notify customers")
    actions = incident.add_subparsers(dest="incident_command", metavar="ACTION")
    for name, helptext in (("open", "open an incident: notify opted-in customers of the areas"),
                           ("update", "send an update on an open incident"),
                           ("resolve", "mark an incident fixed: tell those who were told")):
        action = actions.add_parser(name, help=helptext)
        action.add_argument("incident_id", help="the operator's incident id, e.g. INC-2041")
        action.add_argument("--area", action="append", dest="areas", metavar="CODE",
                            help="affected area code (repeat for more; update/resolve default "
                                 "to the incident's areas)")
        action.add_argument("--summary", help="one line the customer reads")
        action.add_argument("--detail", help="more detail, shown to VIP and business customers")
        action.add_argument("--eta", help="expected fix: ISO time or +2h / +30m")
        action.add_argument("--severity", choices=("minor", "major", "critical"))
        action.add_argument("--service", action="append", dest="services",
                            choices=("mobile_data", "voice", "sms", "broadband"))
        action.add_argument("--critical", action="store_true",
                            help="service-critical: may notify during quiet hours")
        action.add_argument("--version", type=int,
                            help="update version (default: 1 for open, else one more than "
                                 "the last)")
        action.add_argument("--no-rasa", action="store_true",
                            help="do not enter notices into Rasa conversations now")
        action.set_defaults(handler=_change, action=name)
    status = actions.add_parser("status", help="what was sent and skipped for an incident")
    status.add_argument("incident_id")
    status.set_defaults(handler=_status)
    sync = actions.add_parser("sync-trackers",
                              help="enter sent notices into their Rasa conversations")
    sync.set_defaults(handler=_sync)
    release = actions.add_parser("release-held",
                                 help="send notices held by quiet hours whose quiet hours ended")
    release.set_defaults(handler=_release)
    serve = actions.add_parser("serve", help="run the incidents HTTP API")
    serve.add_argument("--port", type=int, help="default: CARELINE_INCIDENT_API_PORT")
    serve.set_defaults(handler=_serve)
    incident.set_defaults(handler=lambda args: usage(incident))


def parse_eta(value: Optional[str], *, now: datetime) -> Optional[datetime]:
    """``+2h``/``+45m`` from now, or an ISO time (UTC when no zone is given)."""
    if not value:
        return None
    relative = re.fullmatch(r"\+(\d+)([hm])", value.strip())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now + (timedelta(hours=amount) if unit == "h" else timedelta(minutes=amount))
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _change(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from careline.proactive.schemas import IncidentUpdate
    from careline.proactive.service import UnknownArea, VersionConflict
    from careline.proactive.wiring import outage_care
    from careline.settings import get_settings

    care = outage_care(get_settings(), with_rasa=not args.no_rasa)
    previous = care.latest_update(incident_id=args.incident_id)
    if args.action != "open" and previous is None:
        print(f"no incident {args.incident_id} yet: open it first")
        return 2
    now = clock.now()
    base = previous.dict() if previous else {}
    fields = {
        "incident_id": args.incident_id, "action": args.action,
        # Opening is version 1, so repeating an open sends nothing twice.
        "version": args.version or (1 if args.action == "open" or previous is None
                                    else previous.version + 1),
        "areas": tuple(args.areas or base.get("areas") or ()),
        "summary": args.summary or base.get("summary") or
        ("service restored" if args.action == "resolve" else None),
        "detail": args.detail if args.detail is not None else base.get("detail"),
        "eta": parse_eta(args.eta, now=now) if args.eta else base.get("eta"),
        "severity": args.severity or base.get("severity") or "major",
        "services": tuple(args.services or base.get("services") or ("mobile_data",)),
        "service_critical": args.critical or bool(base.get("service_critical")),
        "occurred_at": now,
    }
    try:
        update = IncidentUpdate(**fields)
        result = asyncio.run(_handle(care, update))
    except ValidationError as error:
        print(f"invalid incident: {error}")
        return 2
    except (VersionConflict, UnknownArea) as error:
        print(error)
        return 2
    note = " (already received: nothing sent twice)" if result.duplicate else ""
    print(f"incident {update.incident_id} v{update.version} {args.action}{note}: "
          f"{result.sent} sent, {result.failed} failed, skipped {result.skipped or 'none'}")
    if result.failed:
        print("failed notices whose reason may pass (Twilio or Rasa away) are sent again by "
              "the incidents API (careline run, careline up) with backoff; "
              f"careline incident status {update.incident_id} shows them")
    return 0 if result.failed == 0 else 1


async def _handle(care: OutageCare, update: IncidentUpdate) -> NotifyResult:
    try:
        return await care.handle(update)
    finally:
        await care.close()


def _status(args: argparse.Namespace) -> int:
    from careline.proactive.wiring import outage_care
    from careline.settings import get_settings

    counts = outage_care(get_settings(), with_rasa=False).incident_counts(
        incident_id=args.incident_id)
    print(json.dumps(counts, indent=2) if counts else f"no notices for {args.incident_id}")
    return 0 if counts else 1


def _sync(_args: argparse.Namespace) -> int:
    from careline.proactive.wiring import outage_care
    from careline.settings import get_settings

    care = outage_care(get_settings())

    async def run() -> int:
        try:
            return await care.record_in_trackers()
        finally:
            await care.close()

    print(f"{asyncio.run(run())} notices entered into their conversations")
    return 0


def _release(_args: argparse.Namespace) -> int:
    from careline.proactive.wiring import outage_care
    from careline.settings import get_settings

    care = outage_care(get_settings())

    async def run() -> int:
        try:
            sent = await care.release_held()
            await care.record_in_trackers()
            return sent
        finally:
            await care.close()

    print(f"{asyncio.run(run())} held notices sent")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from careline.observability.logs import configure_logging
    from careline.proactive.views import build_app, incident_api_token
    from careline.proactive.wiring import outage_care
    from careline.settings import get_settings

    settings = get_settings()
    configure_logging("incidents", settings)
    app = build_app(outage_care(settings), token=incident_api_token(settings))
    web.run_app(app, host=settings.bind_host,
                port=args.port or settings.resolved_incident_api_port, print=None)
    return 0
