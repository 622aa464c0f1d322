"""Masking secret answers in Rasa's JSON events: which turns, which fields, what is kept."""

from careline.identity.secret_answers import MASK, mask_digits, masked_events


def user(text: str, **parse) -> dict:
    return {"event": "user", "text": text, "parse_data": {"text": text, **parse}}


def slot(name: str, value) -> dict:
    return {"event": "slot", "name": name, "value": value}


def test_only_a_turn_that_answers_a_requested_secret_is_masked():
    events = [user("I owe 1234?"), slot("requested_slot", "otp_code"), user("602 913"),
              slot("otp_code", "602 913"), slot("account_number", "602913"),
              slot("otp_code", "verified"), slot("customer_id", 4),
              slot("requested_slot", None), user("thanks, order 55512")]
    masked = masked_events(events)
    assert masked[0] is events[0]  # nothing asked: left as it was
    assert masked[2]["text"] == MASK and masked[2]["parse_data"]["text"] == MASK
    assert [e["value"] for e in masked[3:7]] == [MASK, MASK, "verified", 4]
    assert masked[8] is events[8]
    assert "602" not in str(masked)


def test_a_secret_asked_before_the_events_given_counts_and_a_restart_ends_it():
    assert masked_events([user("2468")], requested_slot="security_code")[0]["text"] == MASK
    assert masked_events([{"event": "restart"}, user("2468")],
                         requested_slot="security_code")[1]["text"] == "2468"


def test_a_pin_entity_is_masked_in_any_turn_and_other_entities_only_in_a_secret_turn():
    said = user("pin 9753 for CL10000104", intent={"name": "inform"},
                entities=[{"entity": "pin", "value": "9753", "text": "9753"},
                          {"entity": "account_number", "value": "CL10000104"}])
    masked = masked_events([said])[0]
    assert masked["text"] == f"pin {MASK} for CL10000104"
    assert [e["value"] for e in masked["parse_data"]["entities"]] == [MASK, "CL10000104"]
    assert masked["parse_data"]["intent"] == {"name": "inform"}
    asked = masked_events([said], requested_slot="security_code")[0]
    assert [e["value"] for e in asked["parse_data"]["entities"]] == [MASK, MASK]


def test_short_numbers_stay_and_grouped_digits_are_one_secret():
    assert mask_digits("2 months, 3 days") == "2 months, 3 days"
    assert mask_digits("code 12-34-56 ok") == f"code {MASK} ok"
