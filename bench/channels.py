"""What Careline's Twilio channel costs over Rasa's REST channel: same model, same run.

50 conversations talk at once, each sending the same messages one after another:
first over Rasa's REST channel (latency: request → response carrying the replies),
then over the SMS channel (latency: signed webhook → the turn's last reply recorded
by the Twilio stand-in, i.e. through the real twilio client; the webhook's own
acknowledgement and the first reply are reported too). A turn's replies are
complete when no further one arrives within ``QUIET`` seconds; that wait is not
counted in the latency. Prints p50/p95, turns per second and the ratios.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from careline.channels.phone_simulator import Phone, PhoneMessage
from careline.settings import Settings
from tests.e2e.customers import FICTIONAL_NUMBERS

CONVERSATIONS = 50
MESSAGES = ("hi", "what is my balance", "is there an outage in my area", "thanks")
QUIET = 0.3


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    acks: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def rest_conversation(session: aiohttp.ClientSession, url: str, index: int,
                            figures: Figures) -> None:
    for text in MESSAGES:
        started = time.perf_counter()
        async with session.post(f"{url}/webhooks/rest/webhook",
                                json={"sender": f"bench-rest-{index}", "message": text}) as reply:
            await reply.read()
        if reply.status != 200:
            figures.errors += 1
            continue
        figures.latencies.append(time.perf_counter() - started)


async def _count_reaching(session: aiohttp.ClientSession, standin: str, to: str, count: int,
                          timeout: float) -> int:
    async with session.get(f"{standin}/_standin/wait",
                           params={"to": to, "count": str(count),
                                   "timeout": str(timeout)}) as waited:
        return len(await waited.json())


async def twilio_conversation(session: aiohttp.ClientSession, phone: Phone, standin: str,
                              figures: Figures) -> None:
    seen = 0
    for text in MESSAGES:
        form = phone.webhook_form(PhoneMessage(text=text))
        started = time.perf_counter()
        async with session.post(phone.server_url + phone.path, data=form,
                                headers={"X-Twilio-Signature": phone.signature(form)}) as reply:
            await reply.read()
        if reply.status != 200:  # not accepted: no turn will run
            figures.errors += 1
            continue
        figures.acks.append(time.perf_counter() - started)
        seen = await _count_reaching(session, standin, phone.number, seen + 1, 120)
        figures.first.append(time.perf_counter() - started)
        last = time.perf_counter()
        while True:  # the turn is over when no further reply arrives within QUIET
            now = await _count_reaching(session, standin, phone.number, seen + 1, QUIET)
            if now <= seen:
                break
            seen, last = now, time.perf_counter()
        figures.latencies.append(last - started)


async def run(settings: Settings, figures_rest: Figures, figures_twilio: Figures) -> None:
    standin = f"http://127.0.0.1:{settings.twilio_standin_port}"
    limits = aiohttp.TCPConnector(limit=4 * CONVERSATIONS)
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(connector=limits, timeout=timeout) as session:
        await rest_conversation(session, settings.rasa_url, 999, Figures())  # warm up
        started = time.perf_counter()
        await asyncio.gather(*(rest_conversation(session, settings.rasa_url, i, figures_rest)
                               for i in range(CONVERSATIONS)))
        figures_rest.seconds = time.perf_counter() - started
        phones = [Phone(settings=settings, channel="sms", number=number)
                  for number in FICTIONAL_NUMBERS[:CONVERSATIONS]]
        started = time.perf_counter()
        await asyncio.gather(*(twilio_conversation(session, phone, standin, figures_twilio)
                               for phone in phones))
        figures_twilio.seconds = time.perf_counter() - started - QUIET


def _line(name: str, values: list[float]) -> str:
    return (f"  {name:<34} p50 {percentile(values, 0.5) * 1000:8.1f} ms   "
            f"p95 {percentile(values, 0.95) * 1000:8.1f} ms")


def main() -> None:
    from careline.runtime.launch import prepare_and_start
    from tests.e2e.stack import stack_settings

    with tempfile.TemporaryDirectory(prefix="careline-bench-") as base:
        settings = stack_settings(Path(base))
        supervisor, _ = prepare_and_start(timeout=600, settings=settings)
        try:
            rest, twilio = Figures(), Figures()
            asyncio.run(run(settings, rest, twilio))
        finally:
            supervisor.stop()
    report(rest, twilio)


def report(rest: Figures, twilio: Figures) -> None:
    turns = CONVERSATIONS * len(MESSAGES)
    print(f"{CONVERSATIONS} concurrent conversations x {len(MESSAGES)} messages = {turns} turns "
          "per channel, same Rasa server and model")
    print("Rasa REST channel (request -> replies):")
    print(_line("latency", rest.latencies))
    print(f"  throughput                         {rest.throughput:8.2f} turns/s"
          f"   ({rest.errors} failed requests)")
    print("Careline SMS channel via Twilio stand-in:")
    print(_line("webhook acknowledged (TwiML)", twilio.acks))
    print(_line("webhook -> first reply sent", twilio.first))
    print(_line("latency (webhook -> last reply)", twilio.latencies))
    print(f"  throughput                         {twilio.throughput:8.2f} turns/s"
          f"   ({twilio.errors} webhooks not accepted)")
    p50 = percentile(twilio.latencies, 0.5) / percentile(rest.latencies, 0.5)
    p95 = percentile(twilio.latencies, 0.95) / percentile(rest.latencies, 0.95)
    print(f"Twilio/REST ratio: latency p50 {p50:.2f}, p95 {p95:.2f}, "
          f"throughput {rest.throughput / twilio.throughput:.2f} (goal: under 1.3)")
