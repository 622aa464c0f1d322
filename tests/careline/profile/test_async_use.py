"""Async callers (actions, channels) reach the service through run_blocking, off the loop."""

import asyncio
import functools

from careline.db.session import run_blocking


async def test_service_calls_run_in_a_thread_while_the_loop_keeps_serving(service, demo):
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    beat = asyncio.create_task(heartbeat())
    profiles = []
    try:
        # One call at a time: the test's sessions share one rolled-back connection.
        for customer_id in demo.values():
            profiles.append(await run_blocking(
                functools.partial(service.get_profile, customer_id=customer_id), timeout=60))
    finally:
        beat.cancel()
    assert [p.customer_id for p in profiles] == list(demo.values())
    assert ticks > len(demo)
