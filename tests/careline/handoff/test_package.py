from datetime import datetime, timedelta, timezone

from careline.handoff.package import idempotency_key
from careline.handoff.reasons import REASON_LABELS, HandoffReason
from careline.handoff.schemas import InteractionSnapshot
from careline.handoff.transcript import consecutive_fallbacks, read_conversation
from tests.careline.handoff.builders import bot, conversation, package, slot, user
from tests.masking import holds_secret


def test_transcript_keeps_every_line_with_its_time_and_speaker():
    built = package()
    speakers = [(t.speaker, t.text) for t in built.transcript]
    assert speakers[0] == ("customer", "hi")
    assert ("bot", "Your bill went up because of roaming charges.") in speakers
    assert speakers[-1] == ("customer", "that's ridiculous, I was never abroad!!")
    assert built.transcript[0].at < built.transcript[-1].at


def test_understanding_records_intent_confidence_entities_slots_and_actions():
    turns = package().understanding
    bill = turns[1]
    assert (bill.intent, bill.confidence) == ("ask_bill_increase", 0.91)
    assert bill.entities[0].entity == "amount" and bill.entities[0].value == "40"
    assert bill.slots == {"pending_request": "bill_increase"}
    assert bill.actions == ("action_explain_bill",)


def test_summary_tells_the_agent_who_why_what_and_mood():
    built = package(reason=HandoffReason.FRUSTRATION)
    assert "Test Person (postpaid, account CL1, verified)" in built.summary
    assert "customer is frustrated" in built.summary
    assert "Topics: asked why the bill went up." in built.summary
    assert "ask_bill_increase" not in built.summary, "intent names are the bot's words"
    assert "never abroad" in built.summary
    assert built.sentiment.score < 0 and built.sentiment.label in built.summary


def test_a_repeat_contact_is_said_outright_and_the_reason_once():
    now = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
    earlier = tuple(InteractionSnapshot(occurred_at=now - timedelta(days=days), channel="sms",
                                        summary="no signal at home", outcome="handed_off")
                    for days in (1, 3, 5, 20))
    built = package(reason=HandoffReason.FRUSTRATION, now=now, interactions=earlier,
                    detail=REASON_LABELS[HandoffReason.FRUSTRATION])
    assert "was handed over because customer is frustrated. " in built.summary
    assert "3 earlier contact(s) in the last 7 days" in built.summary  # not the 20-day-old one
    first_time = package(reason=HandoffReason.FRUSTRATION, now=now, interactions=earlier[3:])
    assert "earlier contact" not in first_time.summary
    assert "customer is frustrated (test frustration)" in first_time.summary


def test_an_unidentified_customer_still_gets_a_package():
    built = package(segment=None)
    assert built.customer is None
    assert built.summary.startswith("An unidentified customer on webchat")


def test_idempotency_key_is_stable_for_a_retry_and_new_for_a_new_message():
    events = conversation()
    assert idempotency_key("c", events) == idempotency_key("c", events)
    later = events + (user("hello?", events[-1]["timestamp"] + 5),)
    assert idempotency_key("c", later) != idempotency_key("c", events)
    assert idempotency_key("other", events) != idempotency_key("c", events)
    assert package().handoff_id == package().handoff_id


def test_consecutive_fallbacks_counts_only_the_latest_run():
    base = 1_790_000_000.0
    events = (user("x", base, intent="nlu_fallback"), user("ok", base + 1, intent="affirm"),
              user("y", base + 2, intent="nlu_fallback"), user("z", base + 3, intent="nlu_fallback"))
    assert consecutive_fallbacks(events) == 2
    assert consecutive_fallbacks(events[:2]) == 0


def test_conversation_start_is_the_first_event():
    record = read_conversation(conversation())
    assert record.started_at is not None
    assert record.customer_messages[0] == "hi"


def test_a_pin_typed_in_the_turn_that_hands_off_is_masked_in_the_package():
    """The handoff runs in the turn of the third wrong PIN, before the tracker store masks
    it: the transcript, the understanding and the summary must not carry it."""
    start = 1_790_000_000.0
    events = (*conversation(start), slot("requested_slot", "security_code", start + 40),
              bot("For your security, please send your 4-digit account PIN.", start + 41),
              user("3333", start + 50), slot("security_code", "3333", start + 50.1),
              slot("verification_attempts", 3, start + 50.2))
    built = package(events=events, reason=HandoffReason.FAILED_VERIFICATION)
    assert built.transcript[-1].text == "••••"
    assert built.understanding[-1].slots["security_code"] == "••••"
    assert not holds_secret(built.json(), "3333")


def test_a_pressed_button_reads_as_its_title_and_a_photo_as_media():
    start = 1_790_000_000.0
    offer = bot("Is this about your mobile line?", start + 1)
    offer["data"] = {"buttons": [{"title": "Yes, my mobile", "payload": "/affirm"},
                                 {"title": "No, broadband", "payload": "/deny"}]}
    photo = user("/out_of_scope", start + 5, intent="out_of_scope", metadata={
        "media": [{"url": "https://media.example/router.jpg", "content_type": "image/jpeg"}],
        "location": {"latitude": 53.48, "longitude": -2.24, "label": "Home",
                     "address": None}})
    events = (offer, user("/deny", start + 2, intent="deny"),
              user("/check_outage", start + 3, intent="check_outage"), photo)
    built = package(events=events)
    lines = [(t.text, [m.url for m in t.media], t.location and t.location.label)
             for t in built.transcript if t.speaker == "customer"]
    assert lines == [("No, broadband", [], None), ("[reported a service problem]", [], None),
                     ("", ["https://media.example/router.jpg"], "Home")]
    assert "/deny" not in built.json() and "/out_of_scope" not in built.summary
