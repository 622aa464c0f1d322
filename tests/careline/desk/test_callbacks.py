"""After hours, CALLBACK gets three times to choose from and a booking confirmed in the chat."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from careline.desk.callbacks import call_back_slots, chosen_slot, slot_title
from careline.desk.follow_up import FollowUpService
from careline.desk.service import DeskService
from careline.handoff.policy import load_policy
from tests.careline.handoff.builders import package

HOURS = load_policy().service_hours  # the packaged policy: weekdays 08-20, Saturday 09-17
LONDON = ZoneInfo("Europe/London")


def test_slots_are_the_next_times_inside_opening_hours():
    saturday_night = datetime(2026, 12, 5, 22, 15, tzinfo=LONDON)
    slots = [s.strftime("%a %H:%M") for s in call_back_slots(HOURS, saturday_night)]
    assert slots == ["Mon 08:00", "Mon 10:00", "Mon 12:00"], "Sunday is closed"
    friday_evening = datetime(2026, 12, 4, 18, 20, tzinfo=LONDON)
    slots = [s.strftime("%a %H:%M") for s in call_back_slots(HOURS, friday_evening)]
    assert slots == ["Fri 19:00", "Sat 09:00", "Sat 11:00"]


def test_the_customer_picks_by_title_or_number():
    offered = call_back_slots(HOURS, datetime(2026, 12, 5, 22, 15, tzinfo=LONDON))
    assert chosen_slot(slot_title(offered[1], HOURS), offered, HOURS) == offered[1]
    assert chosen_slot("3", offered, HOURS) == offered[2]
    assert chosen_slot("tomorrow please", offered, HOURS) is None


def test_callback_is_offered_then_booked_and_confirmed(engine):
    desk, follow_up = DeskService(engine), FollowUpService(engine)
    built = package(conversation_id="night", open_now=False)
    ticket = desk.receive_handoff(package=built).ticket_id
    assert follow_up.callback_step(conversation_id="night", text="hello?") is None, "not asked for"
    desk.record_event(conversation_id="night", speaker="customer", text="CALLBACK",
                      at=built.created_at + timedelta(seconds=1), source_key="night:1")
    offer = follow_up.callback_step(conversation_id="night", text="CALLBACK")
    assert offer.text.startswith("When should we call you?") and len(offer.choices) == 3
    assert follow_up.callback_step(conversation_id="night", text="whenever") is None
    booked = follow_up.callback_step(conversation_id="night", text=offer.choices[1])
    assert booked.text.startswith("Booked: we'll call you on " + offer.choices[1])
    entry = desk.detail(ticket_id=ticket).entry
    assert slot_title(entry.callback_at, HOURS) == offer.choices[1]
    lines = [m.text for m in desk.detail(ticket_id=ticket).messages if m.speaker == "bot"]
    assert lines == [offer.text, booked.text], "the agent sees what was offered and booked"
    assert follow_up.callback_step(conversation_id="night", text="2") is None, "booked once"
    assert entry.callback_at > datetime.now(timezone.utc)
