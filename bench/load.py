"""Load bench: Careline's replicated stack against a plain `rasa init` bot, same run.

Virtual customers play multi-turn conversations (billing, outage, plan, handoff)
through Rasa's REST channel, pausing between messages (exponential think time, 5 s
mean). For each target it prints p50/p95/p99 turn latency, messages/s, errors and
RSS per process, at 20 and 100 conversations, and the saturation throughput (16
customers, no think time). Targets: the plain bot (one `rasa run`, Rasa defaults),
Careline with one replica (one Rasa process addressed directly) and with two
(behind nginx), on the local PostgreSQL, Redis and RabbitMQ. Ratios compare
Careline with the plain bot at the same load. Bounded: ~6 minutes with models cached.

Environment: BENCH_LOAD_SECONDS (per phase, default 25), BENCH_LOAD_SATURATION_SECONDS (15),
BENCH_LOAD_MODEL (a Careline model to load instead of the current one, to compare versions).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import aiohttp

from careline.deploy.launch import start_stack
from careline.deploy.stack import StackPlan
from careline.rasa_stores.errors import TRY_AGAIN_SHORTLY
from careline.runtime.model_cache import cache_dir, ensure_model
from careline.runtime.services import ServiceSpec
from careline.runtime.supervisor import Supervisor
from careline.settings import PROJECT_ROOT

PLAIN_PROJECT = Path(__file__).resolve().parent / "plain_rasa"
SERVER = "postgresql://postgres@127.0.0.1:5432"
SCENARIOS: dict[str, tuple[str, ...]] = {
    "billing": ("hi", "what's my balance", "why is my bill so high this month", "thanks"),
    "outage": ("hello", "is there an outage in my area", "my internet is down", "bye"),
    "plan": ("hey", "what plans do you have", "can you recommend a cheaper plan", "thank you"),
    "handoff": ("hello", "this is useless, I want to talk to a human", "ok thanks"),
}
THINK_MEAN_SECONDS = 5.0
SATURATION_CUSTOMERS = 16


@dataclass
class PhaseResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


async def _customer(session: aiohttp.ClientSession, url: str, result: PhaseResult,
                    stop_at: float, think: float) -> None:
    loop = asyncio.get_running_loop()
    if think:
        await asyncio.sleep(random.uniform(0, think))  # customers arrive spread out
    while loop.time() < stop_at:
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        for text in random.choice(list(SCENARIOS.values())):
            if loop.time() >= stop_at:
                return
            started = loop.time()
            try:
                async with session.post(url, json={"sender": sender, "message": text}) as reply:
                    body = await reply.json(content_type=None) if reply.status == 200 else None
                ok = bool(body) and TRY_AGAIN_SHORTLY not in {m.get("text") for m in body}
            except (aiohttp.ClientError, asyncio.TimeoutError):
                ok = False
            if loop.time() <= stop_at:
                result.latencies.append(loop.time() - started)
                result.errors += 0 if ok else 1
            if think:
                await asyncio.sleep(random.expovariate(1 / think))


async def run_phase(base_url: str, customers: int, seconds: float, think: float) -> PhaseResult:
    result = PhaseResult()
    url = f"{base_url}/webhooks/rest/webhook"
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(*(_customer(session, url, result, started + seconds, think)
                               for _ in range(customers)))
        result.seconds = loop.time() - started
    return result


def rss_mb(supervisor: Supervisor) -> dict[str, float]:
    """Resident memory of each child's process group, in MB."""
    groups = {service.process.pid: service.spec.name for service in supervisor.running}
    totals = {name: 0.0 for name in groups.values()}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        name = groups.get(int(stat[2]))  # field 5: process group id
        if name is None:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                totals[name] += int(line.split()[1]) / 1024
    return totals


def ensure_plain_model() -> Path:
    """Train the plain bot once into the model cache (keyed by its files and Rasa's version)."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"rasa=={version('rasa')}".encode())
    for path in sorted(p for p in PLAIN_PROJECT.rglob("*.yml")):
        digest.update(path.read_bytes())
    name = f"plain-{digest.hexdigest()[:16]}"
    model = cache_dir() / f"{name}.tar.gz"
    if not model.exists():
        print(f"training the plain bot into {model} …", flush=True)
        with tempfile.TemporaryDirectory() as rasa_cache:  # keep .rasa/ out of the tree
            subprocess.run(["nice", "-n", "10", sys.executable, "-m", "rasa", "train",
                            "--config", "config.yml", "--domain", "domain.yml", "--data",
                            "data", "--out", str(model.parent), "--fixed-model-name", name],
                           cwd=PLAIN_PROJECT, check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ, "RASA_CACHE_DIRECTORY": rasa_cache})
    return model


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_plain(model: Path, workdir: Path) -> tuple[Supervisor, str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARELINE_")}
    supervisor = Supervisor(workdir / "logs", env, PLAIN_PROJECT)
    supervisor.start([ServiceSpec(
        name="plain-rasa",
        argv=(sys.executable, "-m", "rasa", "run", "--model", str(model), "--port", str(port)),
        health_url=f"http://127.0.0.1:{port}/",
    )], timeout=900)
    return supervisor, f"http://127.0.0.1:{port}"


def start_careline(workdir: Path) -> tuple[Supervisor, StackPlan]:
    from sqlalchemy import create_engine, text

    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:  # fresh databases: runs stay comparable
        for name in ("careline_bench", "careline_bench_tracker"):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    ports = [_free_port() for _ in range(6)]
    plan = StackPlan(
        replicas=2, port=ports[0], actions_port=ports[1],
        rasa_base_port=_consecutive_free(), action_base_port=_consecutive_free(),
        data_dir=workdir, token=uuid.uuid4().hex,
        model=Path(os.environ.get("BENCH_LOAD_MODEL") or ensure_model().path),
        database_url=f"{SERVER}/careline_bench", tracker_store_url=f"{SERVER}/careline_bench_tracker",
        lock_key_prefix="bench", event_queue="careline_bench_events",
    )
    return start_stack(plan, timeout=900), plan


def _consecutive_free() -> int:
    import socket

    while True:
        base = _free_port()
        try:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", base + 1))
            return base
        except OSError:
            continue


@dataclass
class TargetFigures:
    name: str
    phases: dict[str, PhaseResult]
    rss: dict[str, float]


async def measure(name: str, url: str, supervisor: Supervisor, seconds: float,
                  saturation_seconds: float) -> TargetFigures:
    await run_phase(url, 4, 3, 0)  # warm-up: first inferences build TF graphs
    phases = {}
    for label, customers, think, duration in (
        ("20 conv", 20, THINK_MEAN_SECONDS, seconds),
        ("100 conv", 100, THINK_MEAN_SECONDS, seconds),
        ("saturation", SATURATION_CUSTOMERS, 0.0, saturation_seconds),
    ):
        phases[label] = await run_phase(url, customers, duration, think)
        report_phase(name, label, phases[label])
    return TargetFigures(name, phases, rss_mb(supervisor))


def report_phase(target: str, label: str, result: PhaseResult) -> None:
    print(f"  {target:<18} {label:<11} n={len(result.latencies):>5}  "
          f"p50={result.percentile(50):7.0f} ms  p95={result.percentile(95):7.0f} ms  "
          f"p99={result.percentile(99):7.0f} ms  {result.rate:6.1f} msg/s  "
          f"errors={result.errors}", flush=True)


def report(figures: list[TargetFigures]) -> None:
    plain = figures[0]
    print("\nmemory (RSS, MB):")
    for target in figures:
        shown = ", ".join(f"{name}={mb:.0f}" for name, mb in sorted(target.rss.items()))
        print(f"  {target.name:<18} {shown}  total={sum(target.rss.values()):.0f}")
    print(f"\nratios against {plain.name} (p95 latency: lower is better; throughput: higher):")
    for target in figures[1:]:
        for label in ("20 conv", "100 conv"):
            ours, base = target.phases[label], plain.phases[label]
            print(f"  {target.name:<18} {label:<11} p95 ×{ours.percentile(95) / base.percentile(95):.2f}")
        ours, base = target.phases["saturation"], plain.phases["saturation"]
        print(f"  {target.name:<18} saturation  throughput ×{ours.rate / base.rate:.2f}")


def main() -> None:
    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "25"))
    saturation = float(os.environ.get("BENCH_LOAD_SATURATION_SECONDS", "15"))
    workdir = Path(os.environ.get("BENCH_LOAD_DIR", PROJECT_ROOT / ".careline" / "bench-load"))
    workdir.mkdir(parents=True, exist_ok=True)
    figures = []
    plain_model = ensure_plain_model()
    supervisor, url = start_plain(plain_model, workdir / "plain")
    try:
        print("plain rasa init bot, 1 process:", flush=True)
        figures.append(asyncio.run(measure("plain ×1", url, supervisor, seconds, saturation)))
    finally:
        supervisor.stop()
    supervisor, plan = start_careline(workdir / "careline")
    try:
        print("Careline on PostgreSQL/Redis/RabbitMQ:", flush=True)
        one = f"http://127.0.0.1:{plan.rasa_ports[0]}"
        figures.append(asyncio.run(measure("careline ×1", one, supervisor, seconds, saturation)))
        figures.append(asyncio.run(measure("careline ×2 nginx", plan.url, supervisor, seconds,
                                           saturation)))
    finally:
        supervisor.stop()
    report(figures)


if __name__ == "__main__":
    main()
