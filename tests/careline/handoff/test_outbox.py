from datetime import datetime, timedelta, timezone

from careline.handoff.outbox import OutboxService, backoff_seconds
from tests.careline.handoff.builders import package


def test_the_same_handoff_is_stored_once(engine):
    outbox = OutboxService(engine)
    built = package()
    first, created = outbox.enqueue(package=built)
    again, created_again = outbox.enqueue(package=package())
    assert created and not created_again
    assert first.entry_id == again.entry_id
    assert len(outbox.undelivered()) == 1


def test_a_failed_attempt_is_retried_later_with_growing_backoff(engine):
    outbox = OutboxService(engine)
    now = datetime.now(timezone.utc)
    item, _ = outbox.enqueue(package=package(), now=now)
    assert [d.entry_id for d in outbox.due(now=now)] == [item.entry_id]
    failed = outbox.mark_failed(entry_id=item.entry_id, error="desk unreachable",
                                permanent=False, max_backoff=60, now=now)
    assert failed.attempts == 1 and failed.status == "pending"
    assert outbox.due(now=now) == []
    assert outbox.due(now=now + timedelta(seconds=2))
    second = outbox.mark_failed(entry_id=item.entry_id, error="again", permanent=False,
                                max_backoff=60, now=now)
    assert second.next_attempt_at - now > failed.next_attempt_at - now - timedelta(seconds=0.5)


def test_backoff_doubles_and_is_capped():
    assert 0.8 <= backoff_seconds(1, maximum=60) <= 1.2
    assert 3.2 <= backoff_seconds(3, maximum=60) <= 4.8
    assert backoff_seconds(20, maximum=60) <= 72


def test_a_rejected_handoff_stays_visible_and_is_not_retried(engine):
    outbox = OutboxService(engine)
    item, _ = outbox.enqueue(package=package())
    outbox.mark_failed(entry_id=item.entry_id, error="HTTP 422", permanent=True, max_backoff=60)
    assert outbox.due(now=datetime.now(timezone.utc) + timedelta(days=1)) == []
    [rejected] = outbox.undelivered()
    assert rejected.status == "rejected" and rejected.last_error == "HTTP 422"


def test_delivered_handoffs_leave_the_undelivered_list(engine):
    outbox = OutboxService(engine)
    item, _ = outbox.enqueue(package=package())
    outbox.mark_delivered(entry_id=item.entry_id)
    assert outbox.undelivered() == []
    assert outbox.get(idempotency_key=item.idempotency_key).status == "delivered"
