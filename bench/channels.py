"""What Careline's Twilio channel costs over Rasa's REST channel: same model, same run.

50 conversations talk at once, each sending the same messages one after another:
over Rasa's REST channel (latency: request → response carrying the replies) and
over the SMS channel (latency: signed webhook → the turn's last reply recorded by the
Twilio stand-in, i.e. through the real twilio client; the webhook's acknowledgement
and the first reply are reported too). How many replies each message gets on SMS is
learnt once before timing (a warm-up conversation), so a turn ends exactly when its
last reply arrives, with no idle wait. The two channels take turns (REST, SMS, REST,
SMS) so both see the same machine. Prints p50/p95, turns per second and the ratios,
and the 1-minute load average at start and end.

The stack's logs are kept in ``BENCH_CHANNELS_DIR`` (default ``.careline/bench-channels``).
``BENCH_CHANNELS_CONVERSATIONS`` (50) and ``BENCH_CHANNELS_ROUNDS`` (2) shrink or grow it.
"""

from __future__ import annotations

import asyncio
import collections
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from careline.channels.rest import rest_token
from careline.channels.phone_simulator import Phone, PhoneMessage
from careline.settings import PROJECT_ROOT, Settings

MESSAGES = ("hi", "what is my balance", "is there an outage in my area", "thanks")
REPLY_TIMEOUT = 120.0


def bench_numbers(count: int, *, offset: int = 0) -> list[str]:
    """Valid mobile numbers nobody in the seed has (Australia's +61 4915 7xxxx block);
    they only ever reach the local Twilio stand-in."""
    return [f"+6149157{n:04d}" for n in range(offset, offset + count)]


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    acks: list[float] = field(default_factory=list)
    refused: collections.Counter = field(default_factory=collections.Counter)
    missing_replies: int = 0
    seconds: float = 0.0

    @property
    def errors(self) -> int:
        return sum(self.refused.values()) + self.missing_replies

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def load_average() -> float:
    return os.getloadavg()[0]


async def rest_conversation(session: aiohttp.ClientSession, settings: Settings, sender: str,
                            figures: Figures) -> None:
    headers = {"Authorization": f"Bearer {rest_token(settings)}"}
    for text in MESSAGES:
        started = time.perf_counter()
        async with session.post(f"{settings.rasa_url}/webhooks/rest/webhook", headers=headers,
                                json={"sender": sender, "message": text}) as reply:
            await reply.read()
        if reply.status != 200:
            figures.refused[reply.status] += 1
            continue
        figures.latencies.append(time.perf_counter() - started)


async def _messages_to(session: aiohttp.ClientSession, standin: str, to: str, count: int,
                       timeout: float) -> int:
    """How many messages the stand-in has sent ``to``, waiting up to ``timeout`` for ``count``."""
    async with session.get(f"{standin}/_standin/wait",
                           params={"to": to, "count": str(count),
                                   "timeout": str(timeout)}) as waited:
        return len(await waited.json())


async def twilio_conversation(session: aiohttp.ClientSession, phone: Phone, standin: str,
                              replies: tuple[int, ...], figures: Figures) -> None:
    """One customer texting ``MESSAGES``; ``replies[i]`` is how many SMS message i gets."""
    seen = 0
    for text, expected in zip(MESSAGES, replies):
        form = phone.webhook_form(PhoneMessage(text=text))
        started = time.perf_counter()
        async with session.post(phone.server_url + phone.path, data=form,
                                headers={"X-Twilio-Signature": phone.signature(form)}) as reply:
            body = await reply.read()
        if reply.status != 200:  # not accepted: no turn will run
            figures.refused[reply.status] += 1
            if figures.refused[reply.status] == 1:
                print(f"  first refused webhook: {reply.status} {body[:200]!r}", flush=True)
            continue
        figures.acks.append(time.perf_counter() - started)
        now = await _messages_to(session, standin, phone.number, seen + 1, REPLY_TIMEOUT)
        figures.first.append(time.perf_counter() - started)
        if now < seen + expected:
            now = await _messages_to(session, standin, phone.number, seen + expected,
                                     REPLY_TIMEOUT)
        if now < seen + expected:
            figures.missing_replies += 1
        else:
            figures.latencies.append(time.perf_counter() - started)
        seen = now


async def learn_replies(session: aiohttp.ClientSession, phone: Phone,
                        standin: str) -> tuple[int, ...]:
    """How many SMS each message gets: one unhurried conversation, 2 s of quiet per turn."""
    counts, seen = [], 0
    for text in MESSAGES:
        result = await phone.send(PhoneMessage(text=text))
        assert result.status == 200, f"warm-up webhook refused: {result.status}"
        now = await _messages_to(session, standin, phone.number, seen + 1, REPLY_TIMEOUT)
        while True:
            more = await _messages_to(session, standin, phone.number, now + 1, 2.0)
            if more <= now:
                break
            now = more
        counts.append(now - seen)
        seen = now
    return tuple(counts)


async def run(settings: Settings, conversations: int, rounds: int) -> tuple[Figures, Figures]:
    standin = f"http://127.0.0.1:{settings.twilio_standin_port}"
    limits = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=300)
    rest, twilio = Figures(), Figures()
    async with aiohttp.ClientSession(connector=limits, timeout=timeout) as session:
        await rest_conversation(session, settings, "bench-rest-warm", Figures())
        [warm] = bench_numbers(1, offset=9999)
        replies = await learn_replies(
            session, Phone(settings=settings, channel="sms", number=warm), standin)
        print(f"SMS replies per message: {dict(zip(MESSAGES, replies))}", flush=True)
        for round_ in range(rounds):
            started = time.perf_counter()
            await asyncio.gather(*(
                rest_conversation(session, settings, f"bench-rest-{round_}-{i}", rest)
                for i in range(conversations)))
            rest.seconds += time.perf_counter() - started
            phones = [Phone(settings=settings, channel="sms", number=number)
                      for number in bench_numbers(conversations, offset=round_ * conversations)]
            started = time.perf_counter()
            await asyncio.gather(*(twilio_conversation(session, phone, standin, replies, twilio)
                                   for phone in phones))
            twilio.seconds += time.perf_counter() - started
    return rest, twilio


def _line(name: str, values: list[float]) -> str:
    return (f"  {name:<34} p50 {percentile(values, 0.5) * 1000:8.1f} ms   "
            f"p95 {percentile(values, 0.95) * 1000:8.1f} ms")


def main() -> None:
    from careline.runtime.launch import prepare_and_start
    from tests.e2e.stack import stack_settings

    conversations = int(os.environ.get("BENCH_CHANNELS_CONVERSATIONS", "50"))
    rounds = int(os.environ.get("BENCH_CHANNELS_ROUNDS", "2"))
    base = Path(os.environ.get("BENCH_CHANNELS_DIR", PROJECT_ROOT / ".careline" / "bench-channels"))
    shutil.rmtree(base, ignore_errors=True)  # a fresh database and fresh logs each run
    base.mkdir(parents=True)
    print(f"load average (1 min) at start: {load_average():.2f}", flush=True)
    settings = stack_settings(base)
    supervisor, _ = prepare_and_start(timeout=600, settings=settings)
    try:
        rest, twilio = asyncio.run(run(settings, conversations, rounds))
    finally:
        supervisor.stop()
    report(rest, twilio, conversations, rounds)
    print(f"stack logs: {settings.data_dir / 'logs'}")
    print(f"load average (1 min) at end: {load_average():.2f}", flush=True)


def report(rest: Figures, twilio: Figures, conversations: int, rounds: int) -> None:
    turns = conversations * len(MESSAGES)
    print(f"{conversations} concurrent conversations x {len(MESSAGES)} messages = {turns} turns "
          f"per channel and round, {rounds} rounds alternating, same Rasa server and model")
    print("Rasa REST channel (request -> replies):")
    print(_line("latency", rest.latencies))
    print(f"  throughput                         {rest.throughput:8.2f} turns/s"
          f"   (failed requests: {dict(rest.refused) or 0})")
    print("Careline SMS channel via Twilio stand-in:")
    print(_line("webhook acknowledged (TwiML)", twilio.acks))
    print(_line("webhook -> first reply sent", twilio.first))
    print(_line("latency (webhook -> last reply)", twilio.latencies))
    print(f"  throughput                         {twilio.throughput:8.2f} turns/s"
          f"   (webhooks not accepted: {dict(twilio.refused) or 0}, "
          f"turns missing replies: {twilio.missing_replies})")
    if not (rest.latencies and twilio.latencies):
        print("no ratio: a channel completed no turn")
        return
    p50 = percentile(twilio.latencies, 0.5) / percentile(rest.latencies, 0.5)
    p95 = percentile(twilio.latencies, 0.95) / percentile(rest.latencies, 0.95)
    print(f"Twilio/REST ratio: latency p50 {p50:.2f}, p95 {p95:.2f}, "
          f"throughput {rest.throughput / twilio.throughput:.2f} (REST/Twilio; goal: under 1.3)")
    if twilio.errors or rest.errors:
        print("NOT VALID: some turns failed (see above and the stack logs)")
