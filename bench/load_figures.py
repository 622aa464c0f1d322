"""The load bench's figures: what one phase measured, and the report of a whole run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def load_average() -> float:
    return os.getloadavg()[0]


@dataclass
class PhaseResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    completed_in_window: int = 0
    seconds: float = 0.0
    #: CPU milliseconds per message of each of the target's processes during the phase.
    cpu_ms: dict[str, float] = field(default_factory=dict)
    #: The machine's 1-minute load average when the phase started.
    load: float = 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    @property
    def rate(self) -> float:
        return self.completed_in_window / self.seconds if self.seconds else 0.0

    def record(self, started: float, finished: float, stop_at: float, ok: bool) -> None:
        """A turn started inside the window counts even if it ends after it (no survivor
        bias); only turns finished inside the window count towards messages/s."""
        self.latencies.append(finished - started)
        self.errors += 0 if ok else 1
        self.completed_in_window += 1 if finished <= stop_at else 0


@dataclass
class TargetFigures:
    name: str
    phases: dict[tuple[str, str], PhaseResult] = field(default_factory=dict)
    rss: dict[str, float] = field(default_factory=dict)


def report_phase(target: str, channel: str, label: str, result: PhaseResult) -> None:
    print(f"  {target:<12} {channel:<5} {label:<11} n={len(result.latencies):>5}  "
          f"p50={result.percentile(50):7.0f} ms  p95={result.percentile(95):7.0f} ms  "
          f"p99={result.percentile(99):7.0f} ms  {result.rate:6.1f} msg/s  "
          f"errors={result.errors}  (load {result.load:.1f})", flush=True)
    shown = ", ".join(f"{name} {ms:.1f}" for name, ms in sorted(result.cpu_ms.items())
                      if ms >= 0.05)
    print(f"{'':<31}CPU ms per message: {shown}", flush=True)


def report(figures: list[TargetFigures]) -> None:
    """Memory per process, then each Careline phase's ratios against the plain bot's phase of
    the same label (``figures[0]``): over REST, and for the Twilio channels over its SMS."""
    plain = figures[0]
    print("\nmemory (RSS, MB, after the run's last phase):")
    for target in figures:
        shown = ", ".join(f"{name}={mb:.0f}" for name, mb in sorted(target.rss.items()))
        print(f"  {target.name:<12} {shown}  total={sum(target.rss.values()):.0f}")
    print(f"\nratios against {plain.name} at the same load, over REST and over its Twilio "
          "channel (SMS) (p95 latency: lower is better; throughput: higher is better):")
    for target in figures[1:]:
        for channel, label in target.phases:
            ours = target.phases[(channel, label)]
            bases = [("REST", plain.phases.get(("rest", label)))]
            if channel != "rest":
                bases.append(("SMS", plain.phases.get(("sms", label))))
            if label == "saturation":
                shown = "  ".join(f"×{ours.rate / base.rate:.2f} (plain {name})"
                                  for name, base in bases if base and base.rate)
                print(f"  {target.name:<12} {channel:<5} {label:<11} throughput {shown}")
            else:
                shown = "  ".join(
                    f"×{ours.percentile(95) / base.percentile(95):.2f} (plain {name})"
                    for name, base in bases if base and base.latencies)
                print(f"  {target.name:<12} {channel:<5} {label:<11} p95 {shown}")
