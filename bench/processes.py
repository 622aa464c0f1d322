"""What each supervised process costs: resident memory and CPU time, read from /proc.

Latency under load depends on what else the machine runs; CPU seconds per message
do much less, so the load bench prints both. Each child of the supervisor leads its
own process group; a group's figures include everything it spawned. PostgreSQL,
Redis and RabbitMQ are shared services outside these groups and are not counted.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from careline.runtime.supervisor import Supervisor

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _per_group(supervisor: Supervisor, read: Callable[[Path, list[str]], float]
               ) -> dict[str, float]:
    groups = {service.process.pid: service.spec.name for service in supervisor.running}
    totals = {name: 0.0 for name in groups.values()}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            name = groups.get(int(stat[2]))  # field 5: process group id
            if name is not None:
                totals[name] += read(entry, stat)
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we read it
    return totals


def _rss_mb(entry: Path, _stat: list[str]) -> float:
    for line in (entry / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds(_entry: Path, stat: list[str]) -> float:
    return (int(stat[11]) + int(stat[12])) / CLOCK_TICKS  # fields 14, 15: utime, stime


def rss_mb(supervisor: Supervisor) -> dict[str, float]:
    """Resident memory of each child's process group, in MB."""
    return _per_group(supervisor, _rss_mb)


def cpu_seconds(supervisor: Supervisor) -> dict[str, float]:
    """User plus system CPU seconds used so far by each child's process group."""
    return _per_group(supervisor, _cpu_seconds)


def cpu_ms_per_message(before: dict[str, float], after: dict[str, float],
                       messages: int) -> dict[str, float]:
    """CPU milliseconds each group spent per message between two readings."""
    if not messages:
        return {}
    return {name: (after[name] - before.get(name, 0.0)) * 1000 / messages
            for name in after}
