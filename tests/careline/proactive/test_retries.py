"""Notices refused for a passing reason are sent again later, boundedly; a command run
beside `make run` sends to its stand-in. Real twilio client, real stand-in, real database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import select

from careline.cli.main import main
from careline.db.session import session_scope
from careline.proactive.models import Notification
from careline.proactive.retries import NoticeRetry
from careline.proactive.routing import TwilioAndRasaChannel
from careline.proactive.schemas import IncidentUpdate
from careline.proactive.service import CareOptions, OutageCare
from careline.settings import get_settings, reset_settings

NOON = datetime(2026, 6, 1, 11, 0, tzinfo=timezone.utc)


def opening() -> IncidentUpdate:
    return IncidentUpdate(incident_id="INC9", version=1, action="open", areas=("M1",),
                          summary="no mobile data", occurred_at=NOON)


def notice_row(engine) -> tuple[str, int, datetime | None]:
    with session_scope(engine) as session:
        row = session.execute(select(Notification)).scalar_one()
        return row.status, row.attempts, row.retry_at


@pytest.fixture()
def clock() -> list[datetime]:
    return [NOON]


@pytest.fixture()
async def care(engine, settings, standin, clock, add_area):
    add_area("M1")
    channel = TwilioAndRasaChannel(settings=get_settings())
    options = CareOptions(retry=NoticeRetry(attempts=2, first_delay=timedelta(minutes=1)))
    yield OutageCare(channel=channel, engine=engine, clock=lambda: clock[0], options=options)
    await channel.close()


def test_the_backoff_doubles_up_to_its_cap_and_stops_after_the_last_attempt() -> None:
    policy = NoticeRetry(attempts=5, first_delay=timedelta(minutes=1),
                         max_delay=timedelta(minutes=5))
    assert [policy.next_at(attempts=n, now=NOON) for n in range(1, 6)] == [
        NOON + timedelta(minutes=1), NOON + timedelta(minutes=2), NOON + timedelta(minutes=4),
        NOON + timedelta(minutes=5), None]


async def test_twilio_away_longer_than_the_send_retries_is_tried_again_when_due(
        care, add_customer, standin, engine, clock):
    customer = add_customer(area="M1")
    standin.faults.fail_next, standin.faults.fail_status = 4, 503  # every in-send retry
    result = await care.handle(opening())
    assert (result.sent, result.failed) == (0, 1)
    assert notice_row(engine) == ("failed", 1, NOON + timedelta(minutes=1))
    assert await care.retry_failed() == 0  # not due yet
    assert standin.messages == []
    clock[0] = NOON + timedelta(minutes=1)
    assert await care.retry_failed() == 1
    assert [m.to for m in standin.messages] == [customer.msisdn]
    assert notice_row(engine)[0] == "sent"
    assert await care.retry_failed() == 0  # nothing twice


async def test_retries_are_bounded(care, add_customer, standin, engine, clock):
    add_customer(area="M1")
    standin.faults.fail_next, standin.faults.fail_status = 8, 503  # two sends of four tries
    await care.handle(opening())
    clock[0] = NOON + timedelta(minutes=1)
    assert await care.retry_failed() == 0
    assert notice_row(engine) == ("failed", 2, None)  # the policy's two attempts used up
    clock[0] = NOON + timedelta(days=1)
    assert await care.retry_failed() == 0 and standin.messages == []


async def test_a_refusal_that_will_not_pass_is_final(care, add_customer, standin, engine, clock):
    add_customer(area="M1")
    standin.faults.fail_next, standin.faults.fail_status = 1, 400  # e.g. an invalid number
    await care.handle(opening())
    assert notice_row(engine) == ("failed", 1, None)
    clock[0] = NOON + timedelta(days=1)
    assert await care.retry_failed() == 0 and standin.messages == []


def test_a_command_beside_make_run_sends_to_its_standin(engine, add_area, add_customer,
                                                        standin_process, monkeypatch, capsys):
    """Only what `make run` itself knows: the stand-in's port, no TWILIO_API_BASE_URL."""
    monkeypatch.delenv("TWILIO_API_BASE_URL")
    monkeypatch.setenv("CARELINE_TWILIO_STANDIN_PORT", standin_process.rsplit(":", 1)[1])
    reset_settings()
    add_area("M1")
    customer = add_customer(area="M1")
    # --critical: sent whatever the hour (quiet hours would hold it back at night)
    assert main(["incident", "open", "INC-SHELL", "--area", "M1", "--summary", "no data",
                 "--critical", "--no-rasa"]) == 0
    assert "1 sent, 0 failed" in capsys.readouterr().out
    sent = requests.get(f"{standin_process}/_standin/messages", timeout=5).json()
    assert [message["to"] for message in sent] == [customer.msisdn]
