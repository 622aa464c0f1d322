"""OutageCare against a migrated database and a channel that records what it was given."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from careline.db.session import session_scope
from careline.profile.models import Incident
from careline.proactive.delivery import DeliveryError
from careline.proactive.models import Notification
from careline.proactive.schemas import DeliveryMode, DeliveryReceipt, IncidentUpdate, PlannedNotice
from careline.proactive.service import OutageCare, VersionConflict

NOON = datetime(2026, 6, 1, 11, 0, tzinfo=timezone.utc)


class RecordingChannel:
    """A NoticeChannel that keeps every notice; ``refuse`` customers it fails for."""

    def __init__(self) -> None:
        self.sent: list[PlannedNotice] = []
        self.refuse: set[int] = set()

    async def deliver(self, notice: PlannedNotice) -> DeliveryReceipt:
        if notice.customer_id in self.refuse:
            raise DeliveryError("failed: 30003 unreachable")
        self.sent.append(notice)
        return DeliveryReceipt(provider_id=f"SM{len(self.sent):032d}")

    async def close(self) -> None:
        pass


def opening(version: int = 1, action: str = "open", **fields) -> IncidentUpdate:
    values = dict(incident_id="INC7", version=version, action=action, areas=("M1",),
                  summary="no mobile data", detail="Mast power failure.", occurred_at=NOON)
    values.update(fields)
    return IncidentUpdate(**values)


@pytest.fixture()
def area(add_area):
    add_area("M1")
    add_area("LS6")


@pytest.fixture()
def channel() -> RecordingChannel:
    return RecordingChannel()


@pytest.fixture()
def care(engine, channel) -> OutageCare:
    return OutageCare(channel=channel, engine=engine, clock=lambda: NOON)


async def test_opening_notifies_exactly_the_opted_in_customers_of_the_area_in_segment_order(
        area, add_customer, care, channel, engine):
    prepaid = add_customer(area="M1", segment="prepaid")
    vip = add_customer(area="M1", segment="vip", preferred="whatsapp", whatsapp=True)
    postpaid = add_customer(area="M1", segment="postpaid")
    add_customer(area="M1", segment="postpaid", opted_in=False)
    add_customer(area="M1", segment="vip", opted_out=("sms",))
    add_customer(area="LS6", segment="vip")

    result = await care.handle(opening())

    assert [n.customer_id for n in channel.sent] == [vip, postpaid, prepaid]
    assert [n.mode for n in channel.sent] == [DeliveryMode.WHATSAPP_TEMPLATE, DeliveryMode.SMS,
                                             DeliveryMode.SMS]
    assert result.sent == 3 and result.failed == 0
    assert result.skipped == {"not_opted_in": 1, "opted_out": 1}
    with session_scope(engine) as session:
        incident = session.execute(select(Incident).where(Incident.reference == "INC7")
                                   ).scalar_one()
        assert (incident.area_code, incident.status) == ("M1", "investigating")


async def test_a_retried_update_sends_nothing_twice(area, add_customer, care, channel):
    for _ in range(3):
        add_customer(area="M1")
    first = await care.handle(opening())
    again = await care.handle(opening())
    assert first.sent == 3 and not first.duplicate
    assert again.duplicate and again.sent == 0 and again.already_sent == 3
    assert len(channel.sent) == 3


async def test_a_retry_sends_only_what_the_channel_refused(area, add_customer, care, channel,
                                                             engine):
    ok = add_customer(area="M1")
    refused = add_customer(area="M1")
    channel.refuse = {refused}
    first = await care.handle(opening())
    assert (first.sent, first.failed) == (1, 1)
    channel.refuse = set()
    retry = await care.handle(opening())
    assert retry.sent == 1
    assert [n.customer_id for n in channel.sent] == [ok, refused]
    with session_scope(engine) as session:
        statuses = session.execute(select(Notification.status)).scalars().all()
    assert statuses == ["sent", "sent"]


async def test_an_older_version_sends_nothing_and_a_reused_version_is_refused(
        area, add_customer, care, channel):
    add_customer(area="M1")
    await care.handle(opening(version=2))
    stale = await care.handle(opening(version=1, summary="older news"))
    assert stale.sent == 0 and len(channel.sent) == 1
    with pytest.raises(VersionConflict):
        await care.handle(opening(version=2, summary="different words, same version"))


async def test_rate_limited_and_opted_out_customers_get_nothing(area, add_customer, engine,
                                                                  channel):
    busy = add_customer(area="M1")
    stopped = add_customer(area="M1", opted_out=("sms",))
    clock = [NOON]
    care = OutageCare(channel=channel, engine=engine, clock=lambda: clock[0])
    for n in range(4):
        clock[0] = NOON + timedelta(minutes=10 * n)
        await care.handle(opening(incident_id=f"INC{n}", occurred_at=clock[0]))
    assert [n.incident_id for n in channel.sent if n.customer_id == busy] == [
        "INC0", "INC1", "INC2"]
    assert all(n.customer_id != stopped for n in channel.sent)
    clock[0] = NOON + timedelta(days=2)
    later = await care.handle(opening(incident_id="INC9", occurred_at=clock[0]))
    assert later.skipped == {"opted_out": 1}


async def test_resolving_sends_a_fixed_message_to_those_who_were_told(area, add_customer, care,
                                                                      channel, engine):
    told = add_customer(area="M1", segment="vip")
    await care.handle(opening())
    newcomer = add_customer(area="M1")
    result = await care.handle(opening(version=2, action="resolve"))
    fixed = channel.sent[-1]
    assert (fixed.customer_id, result.sent) == (told, 1)
    assert "is fixed" in fixed.text and "Mast power failure." in fixed.text
    assert result.skipped == {"not_told": 1} and newcomer != told
    with session_scope(engine) as session:
        incident = session.execute(select(Incident)).scalar_one()
        assert incident.status == "resolved" and incident.resolved_at is not None
