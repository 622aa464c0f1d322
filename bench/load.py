"""Load bench: Careline's replicated stack against a plain `rasa init` bot, same run.

Virtual customers play multi-turn conversations (billing, outage, plan, handoff),
pausing between messages (exponential think time, 5 s mean), through Rasa's REST
channel and through Careline's Twilio channels (signed webhooks in; a turn ends when its
last reply reaches the local Twilio stand-in through the real twilio client). REST and
SMS customers are strangers, so account questions lead to sign-in; WhatsApp customers
are the seeded store's own (WhatsApp vouches for the number), so every account answer
is read from their unified profile. For each target and channel it prints p50/p95/p99
turn latency, messages/s and errors at 20 and 100 conversations, the saturation
throughput (customers with no think time), the CPU milliseconds per message of every
process in each phase (steadier than latency on a busy machine) and the resident
memory of every process. Targets: the plain bot (one `rasa run`, Rasa defaults, over REST
and over SMS through Rasa's own Twilio channel, whose real twilio client
`bench/plain_twilio/sitecustomize.py` aims at the same stand-in) and
`careline up --replicas N` for N = 1 and 2 (N Rasa + N action servers behind nginx on
the local PostgreSQL, Redis and RabbitMQ, plus the Twilio gateway and the Twilio
stand-in), each on fresh databases of its own with a seeded profile store. All targets
run side by side for the whole run and each phase is played on every target before the
next, in alternating order, so drift in a shared machine's pace does not favour one
target. Ratios compare Careline with the plain bot at the same load: over REST, and over
the plain bot's Twilio channel (SMS; Rasa serves WhatsApp with the same channel code, so
WhatsApp is compared with it too). Each phase prints the 1-minute load average at its
start.

Environment (defaults: about 25 minutes on 2 cores with the models cached;
BENCH_LOAD_SECONDS=10 BENCH_LOAD_MIN_TURNS=0 BENCH_LOAD_REPLICAS=2 is a quick check):
BENCH_LOAD_SECONDS (per phase, 25), BENCH_LOAD_MIN_TURNS (300: a think-time phase lasts
long enough for about that many turns, 75 s at 20 conversations),
BENCH_LOAD_SATURATION_SECONDS (15),
BENCH_LOAD_CONVERSATIONS ("20,100"), BENCH_LOAD_REPLICAS ("1,2"),
BENCH_LOAD_CHANNELS ("rest,sms,whatsapp"), BENCH_LOAD_SATURATION_CUSTOMERS (16),
BENCH_LOAD_MODEL (a Careline model to load instead of the current one),
BENCH_LOAD_DIR (logs; default .careline/bench-load).
"""
from __future__ import annotations

import asyncio
import itertools
import os
import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import aiohttp

from bench._targets import ensure_plain_model, start_careline, start_plain
from bench.load_figures import (PhaseResult, TargetFigures, load_average, report,
                                 report_phase)
from bench.processes import cpu_ms_per_message, cpu_seconds, rss_mb
from careline.channels.phone_simulator import Phone, PhoneMessage
from careline.channels.apology import APOLOGY
from careline.channels.twilio_client import twilio_address
from careline.rasa_integration.errors import TRY_AGAIN_SHORTLY
from careline.runtime.supervisor import Supervisor
from careline.channels.rest import rest_token
from careline.settings import PROJECT_ROOT, Settings

#: After a handoff the bot stays silent (a person answers), so the handoff story ends there.
SCENARIOS: dict[str, tuple[str, ...]] = {
    "billing": ("hi", "what's my balance", "why is my bill so high this month", "thanks"),
    "outage": ("hello", "is there an outage in my area", "my internet is down", "bye"),
    "plan": ("hey", "what plans do you have", "can you recommend a cheaper plan", "thank you"),
    "handoff": ("hello", "this is useless, I want to talk to a human"),
}
THINK_MEAN_SECONDS = 5.0
REPLY_TIMEOUT = 60.0
#: A WhatsApp turn ends this long after its last reply (not counted in its latency): what a
#: seeded customer is told depends on their account, so no count can be learnt beforehand.
QUIET_SECONDS = 1.0
FAILED = {TRY_AGAIN_SHORTLY, APOLOGY}


@dataclass(frozen=True)
class Target:
    """Where customers send their messages, and how to reach the Twilio stand-in."""

    url: str
    settings: Settings | None = None  # signs Twilio webhooks; None: REST only
    #: Where the REST channel is served, when not at ``url``: careline up keeps it off the
    #: public edge, on nginx's internal API port.
    rest_url: str | None = None
    #: What the REST channel asks of a caller (careline's bearer token; the plain bot: none).
    rest_headers: dict[str, str] = field(default_factory=dict)
    standin: str | None = None
    #: Each Twilio channel's customer numbers, one per conversation.
    numbers: dict[str, Iterator[str]] = field(default_factory=dict)
    #: Replies each (channel, scenario) step gets, learnt before timing starts.
    replies: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    #: The target's name for a bench channel's webhook (the plain bot: Rasa's "twilio").
    webhooks: dict[str, str] = field(default_factory=dict)

    def phone(self, channel: str) -> Phone:
        """A new customer on ``channel``, posting to this target's webhook for it."""
        return Phone(settings=self.settings, channel=self.webhooks.get(channel, channel),
                     number=next(self.numbers[channel]), server_url=self.url)


def bench_numbers(offset: int) -> Iterator[str]:
    """Valid mobile numbers nobody in the seed has (+61 4915 7xxxx), one per conversation:
    a handed-off number stays with a person. They only reach the local stand-in."""
    return (f"+6149157{n:04d}" for n in itertools.count(offset))


def seeded_whatsapp_numbers(database_url: str) -> Iterator[str]:
    """The bench store's customers on WhatsApp, one per conversation (~70% of the seeded
    customers; they come round again only in runs far longer than the default)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        numbers = list(connection.execute(text(
            "SELECT value FROM crm_identities WHERE kind = 'whatsapp' ORDER BY customer_id"
        )).scalars())
    engine.dispose()
    random.Random(8).shuffle(numbers)
    return itertools.cycle(numbers)


async def _rest_turn(session: aiohttp.ClientSession, target: Target, sender: str,
                     text: str) -> bool:
    try:
        async with session.post(f"{target.rest_url or target.url}/webhooks/rest/webhook",
                                json={"sender": sender, "message": text},
                                headers=target.rest_headers) as reply:
            body = await reply.json(content_type=None) if reply.status == 200 else None
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False
    return bool(body) and not FAILED & {m.get("text") for m in body}


async def _waited(session: aiohttp.ClientSession, target: Target, to: str,
                  count: int, timeout: float) -> list[dict]:
    async with session.get(f"{target.standin}/_standin/wait",
                           params={"to": to, "count": str(count),
                                   "timeout": str(timeout)}) as waited:
        return await waited.json()


async def _twilio_turn(session: aiohttp.ClientSession, target: Target, phone: Phone, text: str,
                       seen: int, expected: Optional[int], quiet: float = QUIET_SECONDS,
                       first_wait: float = REPLY_TIMEOUT) -> tuple[bool, int, float]:
    """Post a signed webhook and wait for the turn's replies: ``expected`` of them, or, when
    the count is not known (None), the first for up to ``first_wait`` seconds and then until
    ``quiet`` seconds pass without another. A step learnt to get no reply (the plain bot's
    silence) fails as soon as the webhook answers, as an empty REST reply does. Returns
    (ok, messages seen so far, loop time the last reply arrived)."""
    loop = asyncio.get_running_loop()
    form = phone.webhook_form(PhoneMessage(text=text))
    address = _address(phone)
    try:
        async with session.post(phone.server_url + phone.path, data=form,
                                headers={"X-Twilio-Signature": phone.signature(form)}) as reply:
            await reply.read()
        if reply.status // 100 != 2 or expected == 0:  # Rasa's Twilio channel answers 204
            return False, seen, loop.time()
        found = await _waited(session, target, address, seen + (expected or 1),
                              first_wait if expected is None else REPLY_TIMEOUT)
        finished = loop.time()
        if expected is None:
            while len(more := await _waited(session, target, address, len(found) + 1,
                                            quiet)) > len(found):
                found, finished = more, loop.time()
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False, seen, loop.time()
    fresh = {m["body"] for m in found[seen:]}
    return len(found) >= seen + (expected or 1) and not FAILED & fresh, len(found), finished


async def _customer(session: aiohttp.ClientSession, target: Target, channel: str,
                    result: PhaseResult, stop_at: float, think: float) -> None:
    loop = asyncio.get_running_loop()
    if think:
        await asyncio.sleep(random.uniform(0, think))  # customers arrive spread out
    while loop.time() < stop_at:
        name = random.choice(list(SCENARIOS))
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        phone = None if channel == "rest" else target.phone(channel)
        seen = 0
        for step, text in enumerate(SCENARIOS[name]):
            if loop.time() >= stop_at:
                return
            started = loop.time()
            if phone is None:
                ok, finished = await _rest_turn(session, target, sender, text), loop.time()
            else:
                counts = target.replies.get((channel, name))
                ok, seen, finished = await _twilio_turn(session, target, phone, text, seen,
                                                        counts[step] if counts else None)
            result.record(started, finished, stop_at, ok)
            if think:
                await asyncio.sleep(random.expovariate(1 / think))


async def run_phase(target: Target, channel: str, customers: int, seconds: float,
                    think: float) -> PhaseResult:
    result = PhaseResult()
    timeout = aiohttp.ClientTimeout(total=REPLY_TIMEOUT + 30)
    async with aiohttp.ClientSession(timeout=timeout,
                                     connector=aiohttp.TCPConnector(limit=0)) as session:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(*(_customer(session, target, channel, result, started + seconds,
                                         think) for _ in range(customers)))
        result.seconds = seconds
    return result


def _address(phone: Phone) -> str:
    """The ``To`` the stand-in files the phone's replies under (``whatsapp:+44…``)."""
    return twilio_address(phone.channel, phone.number)


async def learn_replies(target: Target, channel: str) -> dict[tuple[str, str], tuple[int, ...]]:
    """How many messages each scenario step gets on a Twilio channel: every scenario once,
    unhurried (2 s of quiet ends a turn), before timing starts; timed turns then end at
    exactly that count."""
    async with aiohttp.ClientSession() as session:
        async def one(texts: tuple[str, ...]) -> tuple[int, ...]:
            phone = target.phone(channel)
            counts, seen = [], 0
            for text in texts:
                ok, now, _ = await _twilio_turn(session, target, phone, text, seen, None,
                                                quiet=2.0, first_wait=10.0)
                if not ok:
                    print(f"  warm-up {channel} {text!r}: no proper reply", flush=True)
                counts.append(now - seen)
                seen = now
            return tuple(counts)
        counts = await asyncio.gather(*(one(texts) for texts in SCENARIOS.values()))
    return {(channel, name): count for name, count in zip(SCENARIOS, counts)}


@dataclass(frozen=True)
class Phases:
    seconds: float
    saturation_seconds: float
    saturation_customers: int
    conversations: tuple[int, ...]
    #: A think-time phase lasts long enough for about this many turns: a p95 of 110 turns
    #: (20 conversations for 25 s) is their sixth-slowest, and moved by ×1.5 between runs.
    min_turns: int = 0
    #: Each target's warm-up on each channel: its first inferences build TF graphs.
    warm_up_seconds: float = 3.0

    def load_seconds(self, conversations: int) -> float:
        """The phase's length: ``seconds``, or longer for ``min_turns`` at light load."""
        return max(self.seconds, self.min_turns * THINK_MEAN_SECONDS / conversations)

    def plan(self) -> list[tuple[str, int, float, float]]:
        """(label, customers, think, seconds) of each phase."""
        loads = [(f"{n} conv", n, THINK_MEAN_SECONDS, self.load_seconds(n))
                 for n in self.conversations]
        return loads + [("saturation", self.saturation_customers, 0.0,
                         self.saturation_seconds)]


@dataclass
class Running:
    """A started target: its figures so far, where its customers go, its processes and the
    bench channels it serves."""

    figures: TargetFigures
    target: Target
    supervisor: Supervisor
    channels: tuple[str, ...]


async def measure(running: list[Running], channels: tuple[str, ...], phases: Phases) -> None:
    """Each phase on every target before the next phase, in alternating order (A B C, then
    C B A): a shared machine's pace drifts during a run, and measuring the targets one after
    another, as the bench first did, let that drift fall on one target more than another."""
    flip = False
    for channel in channels:
        serving = [r for r in running if channel in r.channels]
        for each in serving:
            await run_phase(each.target, channel, 4, phases.warm_up_seconds, 0)
        for label, customers, think, seconds in phases.plan():
            if not think and channel == "whatsapp":
                continue  # each turn ends with a quiet second: no saturation to find this way
            for each in (serving[::-1] if flip else serving):
                load, before = load_average(), cpu_seconds(each.supervisor)
                result = await run_phase(each.target, channel, customers, seconds, think)
                result.load = load
                result.cpu_ms = cpu_ms_per_message(before, cpu_seconds(each.supervisor),
                                                   len(result.latencies))
                each.figures.phases[(channel, label)] = result
                report_phase(each.figures.name, channel, label, result)
            flip = not flip


def _ints(name: str, default: str) -> tuple[int, ...]:
    return tuple(int(v) for v in os.environ.get(name, default).split(",") if v.strip())


def main() -> None:
    phases = Phases(seconds=float(os.environ.get("BENCH_LOAD_SECONDS", "25")),
                    saturation_seconds=float(os.environ.get("BENCH_LOAD_SATURATION_SECONDS",
                                                            "15")),
                    saturation_customers=int(os.environ.get("BENCH_LOAD_SATURATION_CUSTOMERS",
                                                            "16")),
                    conversations=_ints("BENCH_LOAD_CONVERSATIONS", "20,100"),
                    min_turns=int(os.environ.get("BENCH_LOAD_MIN_TURNS", "300")))
    replicas = _ints("BENCH_LOAD_REPLICAS", "1,2")
    channels = tuple(c.strip() for c in os.environ.get("BENCH_LOAD_CHANNELS",
                                                      "rest,sms,whatsapp")
                     .split(",") if c.strip())
    workdir = Path(os.environ.get("BENCH_LOAD_DIR", PROJECT_ROOT / ".careline" / "bench-load"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"load average (1 min) at start: {load_average():.2f}", flush=True)
    plain_model = ensure_plain_model()
    running: list[Running] = []
    try:  # every target runs for the whole run; phases alternate between them (measure)
        supervisor, url, settings = start_plain(plain_model, workdir / "plain")
        # Rasa's Twilio channel is one webhook for SMS and WhatsApp: measured as SMS
        plain = Target(url=url, settings=settings,
                       standin=f"http://127.0.0.1:{settings.twilio_standin_port}",
                       numbers={"sms": bench_numbers(0)}, webhooks={"sms": "twilio"})
        plain_channels = ("rest",) + (("sms",) if set(channels) - {"rest"} else ())
        running.append(Running(TargetFigures("plain ×1"), plain, supervisor, plain_channels))
        if "sms" in plain_channels:
            plain.replies.update(asyncio.run(learn_replies(plain, "sms")))
            print(f"plain bot's replies per scenario step: {plain.replies}", flush=True)
        for index, count in enumerate(replicas):
            supervisor, plan, settings = start_careline(workdir / f"careline-{count}", count)
            token = rest_token(Settings(data_dir=plan.data_dir))
            target = Target(url=plan.url, rest_url=plan.api_url, settings=settings,
                            rest_headers={"Authorization": f"Bearer {token}"},
                            standin=f"http://127.0.0.1:{settings.twilio_standin_port}",
                            numbers={"sms": bench_numbers(index * 5000),
                                     "whatsapp": seeded_whatsapp_numbers(plan.database_url)})
            running.append(Running(TargetFigures(f"careline ×{count}"), target, supervisor,
                                   channels))
            if "sms" in channels:  # strangers: every SMS customer gets the same replies
                target.replies.update(asyncio.run(learn_replies(target, "sms")))
                print(f"careline ×{count}'s replies per scenario step: {target.replies}",
                      flush=True)
        print(f"all targets up: load average {load_average():.2f}", flush=True)
        asyncio.run(measure(running, channels, phases))
        for each in running:
            each.figures.rss = rss_mb(each.supervisor)
    finally:
        for each in reversed(running):
            each.supervisor.stop()
    figures = [each.figures for each in running]
    report(figures)
    print(f"logs: {workdir}")
    print(f"load average (1 min) at end: {load_average():.2f}", flush=True)


if __name__ == "__main__":
    main()
