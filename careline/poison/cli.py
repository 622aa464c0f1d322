"""``careline parked``: the messages consumers gave up on, wherever they were parked, and
``--replay`` to hand them back once the cause is fixed.

The command is the one place in careline.poison that reaches into the consumers' features
(the handoff outbox, the desk's and insight's queues); the package's other modules stay
below them, as every consumer imports careline.poison.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Optional

#: Consumers that park, as ``--consumer`` names them.
CONSUMERS = ("desk", "insight", "handoff-outbox", "notices")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parked = subparsers.add_parser(
        "parked", help="list poison messages consumers parked after CARELINE_POISON_MAX_TRIES "
                       "tries (RabbitMQ parking queues and database-backed consumers), or "
                       "replay them once the cause is fixed",
        description="Without --replay, lists parked messages and leaves them parked. With "
                    "--replay, moves each RabbitMQ parking queue's messages back to their "
                    "queue and parked handoffs back to the worker, their tries forgotten, "
                    "and prints what it moved and what it leaves (SQL broker events and "
                    "unreadable notices cannot be replayed; it says why).")
    parked.add_argument("--replay", action="store_true",
                        help="hand parked messages back to their consumers, tries reset")
    parked.add_argument("--consumer", choices=CONSUMERS,
                        help="only this consumer's parked messages")
    parked.add_argument("--json", action="store_true", help="print JSON, one object per item")
    parked.add_argument("--limit", type=int, default=100,
                        help="at most this many from each RabbitMQ parking queue when listing "
                             "(default 100; a replay moves them all)")
    parked.set_defaults(handler=_parked)


def _queues(consumer: Optional[str]) -> tuple[str, dict[str, str]]:
    """The broker's URL and the RabbitMQ queues whose parked messages to read, by consumer
    (no queues on the SQL broker)."""
    from careline.rasa_integration.config import event_broker_url
    from careline.settings import get_settings

    settings = get_settings()
    url = event_broker_url(settings)
    if url is None:
        return "", {}
    queues = {"desk": settings.desk_event_queue, "insight": settings.insight_event_queue}
    return url, {name: queue for name, queue in queues.items() if consumer in (None, name)}


def _parked(args: argparse.Namespace) -> int:
    import asyncio

    from careline.poison.ledger import PoisonLedger
    from careline.poison.rabbit import peek_parked

    if args.replay:
        return _replay(args)
    items = [item for item in PoisonLedger().parked()
             if args.consumer in (None, item.consumer)]
    url, queues = _queues(args.consumer)
    for queue in queues.values():  # the desk's and insight's queues
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


def _replay(args: argparse.Namespace) -> int:
    import asyncio

    from careline.handoff.outbox import CONSUMER as HANDOFFS, OutboxService
    from careline.poison.ledger import PoisonLedger
    from careline.poison.rabbit import QueueGone, replay_parked
    from careline.poison.replay import left_behind
    from careline.poison.schemas import Replayed

    moved: list[Replayed] = []
    if args.consumer in (None, HANDOFFS):
        moved += [Replayed(consumer=HANDOFFS, place="handoff_outbox", key=item.idempotency_key,
                           to="pending") for item in OutboxService().replay_parked()]
    url, queues = _queues(args.consumer)
    failed = 0
    for consumer, queue in queues.items():
        try:
            moved += asyncio.run(replay_parked(url, queue, consumer=consumer))
        except QueueGone as error:
            print(f"careline parked --replay: {error}", file=sys.stderr)
            failed = 1
    left = left_behind([item for item in PoisonLedger().parked()
                        if args.consumer in (None, item.consumer)])
    if args.json:
        for row in ([{"outcome": "replayed", **dataclasses.asdict(item)} for item in moved]
                    + [{"outcome": "left", **dataclasses.asdict(kept)} for kept in left]):
            print(json.dumps(row))
        return failed
    if not moved:
        print("nothing to replay")
    for item in moved:
        print(f"replayed {item.consumer} · {item.place} → {item.to} · {item.key}")
    for kept in left:
        print(f"left {kept.consumer} · {kept.place} · {kept.key}\n    {kept.why}")
    return failed
