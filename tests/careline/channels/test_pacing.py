"""Bulk sends keep Twilio's per-number rate, spread over the pool of numbers, in order."""

from __future__ import annotations

import asyncio

from careline.channels.outbound import Outbound
from careline.channels.pacing import SendPacer
from tests.careline.channels.test_outbound_bulk import FAN, _customers


class FakeTime:
    """A clock that moves only when the pacer sleeps, noting when each send may go."""

    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def _sends(pacer: SendPacer[str], time: FakeTime, count: int,
                 parts: int = 1) -> list[tuple[str, float]]:
    went = []
    for _ in range(count):
        async for origin in pacer.slots(parts):
            went.append((origin, time.now))
    return went


async def test_each_number_sends_at_most_its_rate_and_the_pool_shares_the_load():
    time = FakeTime()
    pacer = SendPacer(["+441", "+442"], per_second=4, clock=time.clock, sleep=time.sleep)
    went = await _sends(pacer, time, 6)
    assert [origin for origin, _ in went] == ["+441", "+442"] * 3
    for number in ("+441", "+442"):
        times = [at for origin, at in went if origin == number]
        assert [round(b - a, 6) for a, b in zip(times, times[1:])] == [0.25, 0.25]
    assert went[0][1] == went[1][1] == 100.0  # two numbers: two sends at once


async def test_every_part_of_a_message_goes_from_one_number_at_its_rate():
    time = FakeTime()
    pacer = SendPacer(["+441", "+442"], per_second=2, clock=time.clock, sleep=time.sleep)
    first = await _sends(pacer, time, 1, parts=3)
    second = await _sends(pacer, time, 1, parts=1)
    assert first == [("+441", 100.0), ("+441", 100.5), ("+441", 101.0)]
    assert second[0][0] == "+442"  # the free number, not behind the three parts


async def test_slots_go_in_the_order_they_were_asked_for():
    time = FakeTime()
    pacer = SendPacer(["+441"], per_second=10, clock=time.clock, sleep=time.sleep)
    order: list[int] = []

    async def send(n: int) -> None:
        async for _ in pacer.slots():
            order.append(n)

    await asyncio.gather(*(send(n) for n in range(8)))
    assert order == list(range(8))


async def test_outbound_sends_from_every_number_of_the_pool(settings_for, store, database,
                                                            standin):
    _customers(database, store)
    settings = settings_for.copy(update={"twilio_sms_numbers": "+447700900501, +447700900502",
                                         "twilio_sends_per_second": 50.0})
    outbound = Outbound(settings=settings, store=store, engine=database, batch_records=True)
    contacts = await outbound.lookup(channel="sms", numbers=[FAN])
    results = await asyncio.gather(*(outbound.send(channel="sms", address=FAN, text=f"n{n}",
                                                   contacts=contacts) for n in range(6)))
    await outbound.close()
    assert all(r.sent for r in results)
    pool = [settings.twilio_sms_from, "+447700900501", "+447700900502"]
    sent_from = {m.body: m.from_ for m in standin.state.messages}
    assert sent_from == {f"n{n}": pool[n % 3] for n in range(6)}
