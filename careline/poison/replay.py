"""What ``careline parked --replay`` leaves parked, and why.

A replay hands a parked message back where its consumer takes it again when that place
still exists: the RabbitMQ parking queues (:func:`careline.poison.rabbit.replay_parked`)
and the parked rows of the handoff outbox (``OutboxService.replay_parked``). The rest of
the ledger's parked messages cannot go back: the SQL broker's consumers read Rasa's
``events`` table in order and have moved past the row, and a notice that could not be read
back would fail the same way again. They stay listed, each with its reason.
"""

from __future__ import annotations

from careline.poison.schemas import Left, ParkedItem

#: Why replay leaves each database-backed consumer's parked messages, by consumer.
WHY_LEFT: dict[str, str] = {
    "desk": "the desk reads Rasa's events table in order and has moved past this row; "
            "handled now, its line would land out of order (the row stays in the table)",
    "insight": "insight folds Rasa's events table in order and has moved past this row; "
               "folded now, after the events that followed it, it would skew the figures "
               "(the row stays in the table)",
    "notices": "a stored notice that cannot be read back fails the same way every time; "
               "the incident's next update plans this customer's notice afresh",
}
#: For a consumer without a reason above (none today): say so rather than guess.
NO_REPLAY = "careline parked --replay has no way back for this consumer"


def left_behind(items: list[ParkedItem]) -> list[Left]:
    """The ledger's parked messages a replay does not move, each with why."""
    return [Left(consumer=item.consumer, place=item.place, key=item.key,
                 why=WHY_LEFT.get(item.consumer, NO_REPLAY)) for item in items]
