"""The stand-in's long poll: a test or bench waits for the replies to one number."""

from __future__ import annotations

import asyncio

import aiohttp

from tests.conftest import RunningStandin


async def _send(session: aiohttp.ClientSession, standin: RunningStandin, to: str) -> None:
    async with session.post(f"{standin.url}/2010-04-01/Accounts/ACtest/Messages.json",
                            data={"To": to, "From": "+15005550006", "Body": "hello"},
                            auth=aiohttp.BasicAuth("ACtest", "test")) as reply:
        assert reply.status == 201


async def _wait(session: aiohttp.ClientSession, standin: RunningStandin, to: str,
                timeout: float) -> tuple[int, list[dict]]:
    async with session.get(f"{standin.url}/_standin/wait",
                           params={"to": to, "count": "1", "timeout": str(timeout)}) as reply:
        return reply.status, await reply.json()


async def test_a_long_poll_is_answered_by_its_own_number_only(standin: RunningStandin):
    async with aiohttp.ClientSession() as session:
        waiting = asyncio.create_task(_wait(session, standin, "+447700900123", 10))
        await asyncio.sleep(0.1)  # the poll is parked before anything is sent
        await _send(session, standin, "+447700900999")
        await asyncio.sleep(0.1)
        assert not waiting.done()
        await _send(session, standin, "+447700900123")
        status, found = await asyncio.wait_for(waiting, 5)
    assert status == 200 and [m["to"] for m in found] == ["+447700900123"]


async def test_a_long_poll_times_out_with_what_arrived(standin: RunningStandin):
    async with aiohttp.ClientSession() as session:
        status, found = await _wait(session, standin, "+447700900123", 0.2)
    assert (status, found) == (408, [])
