from datetime import datetime, timezone

from careline.handoff.policy import load_policy
from careline.handoff.service_hours import expected_wait_minutes, window_at

HOURS = load_policy().service_hours  # Europe/London, Mon-Fri 08-20, Sat 09-17


def test_open_on_a_weekday_afternoon():
    assert window_at(HOURS, datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)).open_now


def test_closed_at_night_names_the_next_morning():
    window = window_at(HOURS, datetime(2026, 11, 25, 23, 30, tzinfo=timezone.utc))
    assert not window.open_now
    assert (window.next_opening.day, window.next_opening.hour) == (26, 8)


def test_saturday_evening_waits_for_monday():
    window = window_at(HOURS, datetime(2026, 11, 28, 18, 0, tzinfo=timezone.utc))
    assert window.next_opening.isoweekday() == 1 and window.next_opening.hour == 8


def test_expected_wait_grows_with_the_queue_and_shrinks_with_agents():
    alone = expected_wait_minutes(HOURS, customers_ahead=0, agents=1)
    busy = expected_wait_minutes(HOURS, customers_ahead=5, agents=1)
    staffed = expected_wait_minutes(HOURS, customers_ahead=5, agents=3)
    assert alone >= HOURS.minimum_wait_minutes
    assert busy > staffed > alone - 1
    assert expected_wait_minutes(HOURS, customers_ahead=3, agents=0) == \
        expected_wait_minutes(HOURS, customers_ahead=3, agents=1)
