"""``careline parked``: the messages consumers gave up on, wherever they were parked."""

from __future__ import annotations

import argparse
import dataclasses
import json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parked = subparsers.add_parser(
        "parked", help="list poison messages consumers parked after CARELINE_POISON_MAX_TRIES "
                       "tries (RabbitMQ parking queues and database-backed consumers)")
    parked.add_argument("--json", action="store_true", help="print JSON, one object per item")
    parked.add_argument("--limit", type=int, default=100,
                        help="at most this many from each RabbitMQ parking queue (default 100)")
    parked.set_defaults(handler=_parked)


def _parked(args: argparse.Namespace) -> int:
    import asyncio

    from careline.poison.ledger import PoisonLedger
    from careline.poison.rabbit import peek_parked
    from careline.rasa_integration.config import event_broker_url
    from careline.settings import get_settings

    settings = get_settings()
    items = PoisonLedger().parked()
    url = event_broker_url(settings)
    if url is not None:  # the desk's and insight's queues on Rasa's exchange
        for queue in (settings.desk_event_queue, settings.insight_event_queue):
            items += asyncio.run(peek_parked(url, queue, limit=args.limit))
    if args.json:
        for item in items:
            print(json.dumps(dataclasses.asdict(item), default=str))
        return 0
    if not items:
        print("nothing parked")
    for item in items:
        when = f" at {item.parked_at:%Y-%m-%d %H:%M}" if item.parked_at else ""
        print(f"{item.consumer} · {item.place} · {item.key} · {item.tries} tries{when}\n"
              f"    {item.error}")
    return 0
