"""The load bench plays each phase on every target before the next, in alternating order,
so drift in the machine's pace during a run does not fall on one target."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web

import bench.load as load
from bench.load import Phases, Running, Target, measure
from bench.load_figures import TargetFigures
from careline.runtime.supervisor import Supervisor


async def _rest_bot(name: str, heard: list[str]) -> web.AppRunner:
    """A bot that answers Rasa's REST webhook and notes which target each message reached."""
    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        heard.append(name)
        return web.json_response([{"recipient_id": body["sender"], "text": "hello"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


def _url(runner: web.AppRunner) -> str:
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}"


async def test_phases_alternate_between_targets(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(load, "THINK_MEAN_SECONDS", 0.05)  # think-time phases in a blink
    heard: list[str] = []
    names = ("plain ×1", "careline ×1", "careline ×2")
    runners = [await _rest_bot(name, heard) for name in names]
    try:
        running = [Running(TargetFigures(name), Target(url=_url(runner)),
                           Supervisor(tmp_path, {}, tmp_path), ("rest",))
                   for name, runner in zip(names, runners)]
        phases = Phases(seconds=0.4, saturation_seconds=0.4, saturation_customers=2,
                        conversations=(3, 5), warm_up_seconds=0.3)
        await measure(running, ("rest",), phases)
    finally:
        for runner in runners:
            await runner.cleanup()

    played = [tuple(line.split()[:4]) for line in capsys.readouterr().out.splitlines()
              if line.startswith("  ") and " rest " in line]
    forward = [("plain", "×1"), ("careline", "×1"), ("careline", "×2")]
    expected = [(*who, "rest", label)
                for label, order in (("3", forward), ("5", forward[::-1]),
                                     ("saturation", forward))
                for who in order]
    assert played == expected
    for each in running:
        assert set(each.figures.phases) == {("rest", "3 conv"), ("rest", "5 conv"),
                                           ("rest", "saturation")}
        saturation = each.figures.phases[("rest", "saturation")]
        assert saturation.latencies and saturation.errors == 0
    assert set(heard) == set(names)
