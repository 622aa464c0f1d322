"""A notice sender killed mid-batch: the next one sends each stranded notice exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import datetime, timezone

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from careline.db.session import session_scope
from careline.proactive import repository
from careline.proactive.models import HandledUpdate, Notification
from careline.proactive.routing import TwilioAndRasaChannel
from careline.proactive.service import OutageCare
from careline.proactive.trackers import notice_of
from careline.proactive.views import build_app
from careline.proactive.wiring import outage_care
from tests.careline.proactive.test_service import opening, recipients

#: The sender's clock: any day before the stand-in's (real) one, at a daytime hour.
PLANNED = datetime(2020, 6, 1, 11, 0, tzinfo=timezone.utc)


def _killed_mid_batch(engine, limit: int) -> list:
    """What a sender leaves when killed mid-batch: its claimed notices ``sending``."""
    with session_scope(engine) as session:
        rows = repository.claim_for_sending(session=session, incident_id="INC7", version=1,
                                            limit=limit)
        return [notice_of(row) for row in rows]


def _statuses(engine) -> Counter:
    with session_scope(engine) as session:
        return Counter(session.execute(select(Notification.status)).scalars())


async def test_a_restarted_sender_sends_each_stranded_notice_once(add_area, add_customer,
                                                                  engine, settings, standin):
    from careline.settings import get_settings

    add_area("M1")
    people = [add_customer(area="M1") for _ in range(4)]
    channel = TwilioAndRasaChannel(settings=get_settings())
    killed = OutageCare(channel=channel, engine=engine, clock=lambda: PLANNED)
    await killed.accept(opening())  # planned: four notices pending
    claimed = _killed_mid_batch(engine, limit=3)
    # it sent the first of its batch; the kill came before any outcome was recorded
    await channel.deliver(claimed[0])
    await killed.close()
    assert len(standin.messages) == 1 and _statuses(engine)["sending"] == 3

    restarted = OutageCare(channel=TwilioAndRasaChannel(settings=get_settings()),
                           engine=engine, clock=lambda: PLANNED)
    settled = await restarted.settle()
    assert (settled.sent, settled.released, settled.unknown) == (1, 2, 0)
    assert await restarted.resume() == 3
    await restarted.close()

    assert Counter(recipients(standin)) == Counter({p.msisdn: 1 for p in people})
    assert _statuses(engine) == Counter({"sent": 4})
    with session_scope(engine) as session:
        first = session.execute(select(Notification).where(
            Notification.address == claimed[0].address)).scalar_one()
        assert first.provider_id == standin.messages[0].sid  # Twilio's own record of it
        assert session.execute(select(HandledUpdate.state)).scalar_one() == "done"


async def test_a_same_text_sent_before_the_plan_is_not_taken_for_the_notice(
        add_area, add_customer, engine, settings, standin):
    from careline.settings import get_settings

    add_area("M1")
    person = add_customer(area="M1")
    channel = TwilioAndRasaChannel(settings=get_settings())
    care = OutageCare(channel=channel, engine=engine, clock=lambda: PLANNED)
    await care.accept(opening())
    [notice] = _killed_mid_batch(engine, limit=1)
    await channel.deliver(notice)
    later = PLANNED.replace(year=2200)  # planned after that send, so that send is not it
    with session_scope(engine) as session:
        session.execute(Notification.__table__.update().values(created_at=later))
    settled = await care.settle()
    await care.resume()
    await care.close()
    assert (settled.sent, settled.released) == (0, 1)
    assert recipients(standin) == [person.msisdn] * 2


async def test_the_incidents_api_finishes_a_killed_senders_notices_when_it_starts(
        add_area, add_customer, engine, settings, standin):
    from careline.settings import get_settings

    add_area("M1")
    people = [add_customer(area="M1") for _ in range(3)]
    channel = TwilioAndRasaChannel(settings=get_settings())
    killed = OutageCare(channel=channel, engine=engine)
    await killed.accept(opening(service_critical=True))  # never held by quiet hours
    claimed = _killed_mid_batch(engine, limit=2)
    await channel.deliver(claimed[0])
    await killed.close()

    care = outage_care(get_settings(), engine=engine, with_rasa=False)
    async with TestClient(TestServer(build_app(care, token="t", tracker_sync_seconds=3600))):
        deadline = time.monotonic() + 20
        while _statuses(engine) != Counter({"sent": 3}) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    assert _statuses(engine) == Counter({"sent": 3})
    assert Counter(recipients(standin)) == Counter({p.msisdn: 1 for p in people})
