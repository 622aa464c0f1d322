"""OutageCare end to end: a migrated database, the real twilio client, the Twilio stand-in."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from careline.db.session import session_scope
from careline.profile.models import Incident
from careline.proactive.models import Notification
from careline.proactive.routing import TwilioAndRasaChannel
from careline.proactive.schemas import IncidentUpdate
from careline.proactive.service import OutageCare, VersionConflict

NOON = datetime(2026, 6, 1, 11, 0, tzinfo=timezone.utc)


def opening(version: int = 1, action: str = "open", **fields) -> IncidentUpdate:
    values = dict(incident_id="INC7", version=version, action=action, areas=("M1",),
                  summary="no mobile data", detail="Mast power failure.", occurred_at=NOON)
    values.update(fields)
    return IncidentUpdate(**values)


def recipients(standin) -> list[str]:
    return [m.to for m in standin.messages]


@pytest.fixture()
def area(add_area):
    add_area("M1")
    add_area("LS6")


@pytest.fixture()
def clock() -> list[datetime]:
    return [NOON]


@pytest.fixture()
async def care(engine, settings, standin, clock):
    from careline.settings import get_settings

    channel = TwilioAndRasaChannel(settings=get_settings())
    yield OutageCare(channel=channel, engine=engine, clock=lambda: clock[0])
    await channel.close()


async def test_opening_notifies_exactly_the_opted_in_customers_of_the_area_in_segment_order(
        area, add_customer, care, standin, engine):
    prepaid = add_customer(area="M1", segment="prepaid")
    vip = add_customer(area="M1", segment="vip", preferred="whatsapp", whatsapp=True)
    postpaid = add_customer(area="M1", segment="postpaid")
    add_customer(area="M1", segment="postpaid", opted_in=False)
    add_customer(area="M1", segment="vip", opted_out=("sms",))
    add_customer(area="LS6", segment="vip")

    result = await care.handle(opening())

    assert recipients(standin) == [f"whatsapp:{vip.msisdn}", postpaid.msisdn, prepaid.msisdn]
    template, *texts = standin.messages
    # The VIP has not written on WhatsApp in 24 hours: the approved template, with variables.
    assert template.content_sid and json.loads(template.content_variables)["1"] == "M1"
    assert all("no mobile data" in m.body and "Mast power" not in m.body for m in texts)
    assert result.sent == 3 and result.failed == 0
    assert result.skipped == {"not_opted_in": 1, "opted_out": 1}
    with session_scope(engine) as session:
        incident = session.execute(select(Incident).where(Incident.reference == "INC7")
                                   ).scalar_one()
        assert (incident.area_code, incident.status) == ("M1", "investigating")


async def test_a_retried_update_sends_nothing_twice(area, add_customer, care, standin):
    for _ in range(3):
        add_customer(area="M1")
    first = await care.handle(opening())
    again = await care.handle(opening())
    assert first.sent == 3 and not first.duplicate
    assert again.duplicate and again.sent == 0 and again.already_sent == 3
    assert len(standin.messages) == 3


async def test_a_retry_sends_only_what_twilio_refused(area, add_customer, care, standin, engine):
    first_customer = add_customer(area="M1", segment="vip")
    second = add_customer(area="M1")
    standin.faults.fail_next, standin.faults.fail_status = 1, 400
    first = await care.handle(opening())
    assert (first.sent, first.failed) == (1, 1)
    retry = await care.handle(opening())
    assert retry.sent == 1 and retry.duplicate
    assert recipients(standin) == [second.msisdn, first_customer.msisdn]
    with session_scope(engine) as session:
        statuses = session.execute(select(Notification.status)).scalars().all()
    assert statuses == ["sent", "sent"]


async def test_an_older_version_sends_nothing_and_a_reused_version_is_refused(
        area, add_customer, care, standin):
    add_customer(area="M1")
    await care.handle(opening(version=2))
    stale = await care.handle(opening(version=1, summary="older news"))
    assert stale.sent == 0 and len(standin.messages) == 1
    with pytest.raises(VersionConflict):
        await care.handle(opening(version=2, summary="different words, same version"))
    assert len(standin.messages) == 1


async def test_rate_limited_and_opted_out_customers_get_nothing(area, add_customer, care,
                                                                  standin, clock):
    busy = add_customer(area="M1")
    stopped = add_customer(area="M1", opted_out=("sms",))
    for n in range(4):
        clock[0] = NOON + timedelta(minutes=10 * n)
        result = await care.handle(opening(incident_id=f"INC{n}", occurred_at=clock[0]))
    assert result.skipped == {"rate_limited": 1, "opted_out": 1}
    assert recipients(standin) == [busy.msisdn] * 3
    assert stopped.msisdn not in recipients(standin)
    clock[0] = NOON + timedelta(days=2)
    later = await care.handle(opening(incident_id="INC9", occurred_at=clock[0]))
    assert later.sent == 1 and later.skipped == {"opted_out": 1}


async def test_resolving_sends_a_fixed_message_to_those_who_were_told(area, add_customer, care,
                                                                      standin, engine):
    told = add_customer(area="M1", segment="vip")
    await care.handle(opening())
    add_customer(area="M1")
    result = await care.handle(opening(version=2, action="resolve"))
    fixed = standin.messages[-1]
    assert (fixed.to, result.sent) == (told.msisdn, 1)
    assert "is fixed" in fixed.body and "Mast power failure." in fixed.body
    assert result.skipped == {"not_told": 1}
    with session_scope(engine) as session:
        incident = session.execute(select(Incident)).scalar_one()
        assert incident.status == "resolved" and incident.resolved_at is not None


class BreaksFor:
    """The real channel, except that it breaks mid-way for one customer's number."""

    def __init__(self, inner, number: str) -> None:
        self.inner, self.number = inner, number

    async def prepare(self, notices) -> None:
        await self.inner.prepare(notices)

    async def deliver(self, notice):
        if notice.address == self.number:
            raise TimeoutError("database too slow after the send")
        return await self.inner.deliver(notice)

    async def flush(self) -> None:
        await self.inner.flush()

    async def close(self) -> None:
        await self.inner.close()


async def test_a_notice_with_an_unknown_outcome_is_never_resent(area, add_customer, engine,
                                                               settings, standin):
    from careline.settings import get_settings

    broken = add_customer(area="M1", segment="vip")
    fine = add_customer(area="M1")
    channel = BreaksFor(TwilioAndRasaChannel(settings=get_settings()), broken.msisdn)
    care = OutageCare(channel=channel, engine=engine, clock=lambda: NOON)
    first = await care.handle(opening())
    again = await care.handle(opening())
    await care.close()
    assert (first.sent, first.failed, again.sent) == (1, 1, 0)
    assert recipients(standin) == [fine.msisdn]
    assert care.incident_counts(incident_id="INC7") == {"sent": 1, "unknown": 1}


async def test_quiet_hours_hold_a_notice_until_morning_and_only_the_newest_version(
        area, add_customer, care, standin, clock):
    sleeper = add_customer(area="M1")
    night = datetime(2026, 6, 1, 22, 30, tzinfo=timezone.utc)  # 23:30 in London
    clock[0] = night
    held = await care.handle(opening(occurred_at=night))
    await care.handle(opening(version=2, action="update", summary="engineers on site",
                              occurred_at=night + timedelta(minutes=30)))
    assert held.skipped == {"quiet_hours": 1} and standin.messages == []
    clock[0] = night + timedelta(hours=3)  # 02:30: still quiet
    assert await care.release_held() == 0
    clock[0] = datetime(2026, 6, 2, 7, 30, tzinfo=timezone.utc)  # 08:30 in London
    assert await care.release_held() == 1
    assert await care.release_held() == 0
    assert recipients(standin) == [sleeper.msisdn]
    assert "engineers on site" in standin.messages[0].body
