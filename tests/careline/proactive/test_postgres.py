"""The notification log on PostgreSQL: two workers racing on one update send each notice once."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from careline.proactive.routing import TwilioAndRasaChannel
from careline.proactive.service import OutageCare
from tests.careline.proactive.test_service import NOON, opening, recipients

pytestmark = pytest.mark.postgres


@pytest.fixture()
def engine(postgres_db):
    """The shared migrated PostgreSQL database; each test uses its own area and incident."""
    return postgres_db.engine


async def test_two_workers_handling_one_update_send_each_notice_once(add_area, add_customer,
                                                                     engine, settings, standin):
    from careline.settings import get_settings

    area = add_area(f"P{uuid.uuid4().hex[:6].upper()}")
    people = [add_customer(area=area, segment=segment)
              for segment in ("prepaid", "vip", "postpaid", "business") * 5]
    update = opening(incident_id=f"PG-{uuid.uuid4().hex[:8]}", areas=(area,))
    workers = [OutageCare(channel=TwilioAndRasaChannel(settings=get_settings()), engine=engine,
                          clock=lambda: NOON) for _ in range(2)]
    results = await asyncio.gather(*(worker.handle(update) for worker in workers))
    again = await workers[0].handle(update)
    for worker in workers:
        await worker.close()
    sent = recipients(standin)
    assert sorted(sent) == sorted(p.msisdn for p in people)
    assert sum(r.sent for r in results) == len(people) and again.sent == 0
    assert {r.duplicate for r in results} == {False, True}
