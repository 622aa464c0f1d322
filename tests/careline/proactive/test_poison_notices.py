"""A stored notice that cannot be read back is parked at once, and the rest of its incident
is still sent (a migrated database, the real Twilio client, the stand-in)."""

from __future__ import annotations

from sqlalchemy import update

from careline.db.session import session_scope
from careline.observability.metrics import registry_for
from careline.poison.ledger import PoisonLedger
from careline.proactive.models import Notification
from tests.careline.proactive.test_service import (  # noqa: F401 (fixtures)
    area, care, clock, opening, recipients,
)


def parked_total() -> float:
    return registry_for("incidents").get_sample_value(
        "careline_poison_parked_total", {"consumer": "notices"}) or 0.0


async def test_an_unreadable_notice_is_parked_and_the_others_go(area, add_customer,  # noqa: F811
                                                                care, standin, engine):
    broken = add_customer(area="M1", segment="vip")  # first in the batch
    fine = add_customer(area="M1")
    accepted = await care.accept(opening())
    with session_scope(engine) as session:
        session.execute(update(Notification).where(Notification.customer_id == broken.id)
                        .values(mode="carrier-pigeon"))
    before = parked_total()

    result = await care.dispatch(accepted)

    assert (result.sent, result.failed) == (1, 0)
    assert recipients(standin) == [fine.msisdn]
    assert care.incident_counts(incident_id="INC7") == {"sent": 1, "parked": 1}
    [parked] = PoisonLedger(engine).parked()
    assert parked.consumer == "notices" and "carrier-pigeon" in parked.error
    assert parked_total() == before + 1
    again = await care.handle(opening())
    assert again.sent == 0 and recipients(standin) == [fine.msisdn]
