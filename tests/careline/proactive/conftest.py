"""Real rows in a freshly migrated SQLite database, one per test."""

from __future__ import annotations

import itertools
import shutil
import socket
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, NamedTuple, Optional

import pytest
import requests
from aiohttp import web
from sqlalchemy.engine import Engine

from careline.db.migrate import upgrade
from careline.db.session import get_engine, session_scope
from careline.profile.models import Customer, CustomerIdentity, NetworkArea
from careline.settings import get_settings, reset_settings
from careline.twilio_standin.app import build_app
from careline.twilio_standin.state import StandinState

_numbers = itertools.count(100000)


class Person(NamedTuple):
    id: int
    msisdn: str


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated to every head, copied for each test (migrating takes seconds)."""
    path = tmp_path_factory.mktemp("careline-template") / "careline.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture()
def engine(tmp_path: Path, migrated_template: Path) -> Engine:
    path = tmp_path / "careline.db"
    shutil.copyfile(migrated_template, path)
    return get_engine(f"sqlite:///{path}")


@pytest.fixture()
def add_area(engine: Engine) -> Callable[..., str]:
    def add(code: str, name: Optional[str] = None) -> str:
        with session_scope(engine) as session:
            session.add(NetworkArea(code=code, name=name or f"{code} district", region="North"))
        return code
    return add


@pytest.fixture()
def add_customer(engine: Engine) -> Callable[..., Person]:
    """A customer with an MSISDN (and optionally WhatsApp/web identities) in an area."""

    def add(*, area: str, segment: str = "postpaid", preferred: str = "sms",
            opted_in: bool = True, opted_out: tuple[str, ...] = (),
            whatsapp: bool = False, web: bool = False) -> Person:
        n = next(_numbers)
        msisdn = f"+447911{n:06d}"
        with session_scope(engine) as session:
            customer = Customer(
                account_number=f"AC{n}", first_name="Sam", last_name=f"Tester{n}",
                segment=segment, customer_since=date(2020, 1, 1), address_line1="1 High St",
                town="Town", postcode=f"{area[:4]} 1AA", area_code=area, preferred_channel=preferred,
                marketing_opt_in=False, outage_notifications=opted_in,
                created_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
            session.add(customer)
            session.flush()
            kinds = [("msisdn", msisdn)]
            if whatsapp:
                kinds.append(("whatsapp", msisdn))
            if web:
                kinds.append(("web_account", f"web-{n}"))
            for kind, value in kinds:
                channel = {"msisdn": "sms", "web_account": "webchat"}.get(kind, kind)
                session.add(CustomerIdentity(customer_id=customer.id, kind=kind, value=value,
                                             opted_out=channel in opted_out))
            return Person(customer.id, msisdn)
    return add


@pytest.fixture()
def settings(engine: Engine, monkeypatch: pytest.MonkeyPatch):
    """Settings aimed at the test database; the stand-in's URL is added by ``standin``."""
    monkeypatch.setenv("CARELINE_DATABASE_URL", str(engine.url))
    monkeypatch.setenv("CARELINE_PUBLIC_URL", "http://127.0.0.1:9")  # status callbacks: nowhere
    reset_settings()
    yield get_settings()
    reset_settings()


@pytest.fixture()
async def standin(settings, monkeypatch: pytest.MonkeyPatch):
    """The Twilio stand-in on a free port, in this event loop; yields its state."""
    state = StandinState(account_sid=settings.twilio_account_sid,
                         auth_token=settings.twilio_auth_token.get_secret_value())
    runner = web.AppRunner(build_app(state))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    monkeypatch.setenv("TWILIO_API_BASE_URL", f"http://127.0.0.1:{port}")
    reset_settings()
    yield state
    await runner.cleanup()


@pytest.fixture()
def standin_process(settings, monkeypatch: pytest.MonkeyPatch):
    """The stand-in in its own process (for commands that run their own event loop)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "careline.twilio_standin", "--port",
                                str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{base}/health", timeout=1).raise_for_status()
            break
        except requests.RequestException as error:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the Twilio stand-in did not start") from error
            time.sleep(0.05)
    monkeypatch.setenv("TWILIO_API_BASE_URL", base)
    reset_settings()
    yield base
    process.terminate()
    process.wait(timeout=10)
