import pytest

from careline.profile.errors import InvalidIdentity
from careline.profile.phone import looks_like_phone_number, normalise_msisdn


@pytest.mark.parametrize("address, expected", [
    ("+447700900123", "+447700900123"),
    ("whatsapp:+447700900123", "+447700900123"),
    ("WhatsApp:+44 7700 900123", "+447700900123"),
    ("07700 900123", "+447700900123"),
    ("0044 7700 900123", "+447700900123"),
    ("(0)7911-123456", "+447911123456"),
    ("+1 (415) 555-2671", "+14155552671"),
])
def test_numbers_in_any_format_become_e164(address, expected):
    assert normalise_msisdn(address, region="GB") == expected


def test_national_numbers_use_the_region():
    assert normalise_msisdn("(415) 555-2671", region="US") == "+14155552671"


@pytest.mark.parametrize("address, reason", [
    ("", "empty"),
    ("   ", "empty"),
    ("hello", "not a phone number"),
    ("12", "too short"),
    ("+999 123456", "country code"),
    ("07700 9001234567", "too long"),
    ("+44 7700 90012", "not a number in use"),
    ("x" * 80, "too long"),
])
def test_malformed_numbers_are_refused_with_a_reason(address, reason):
    with pytest.raises(InvalidIdentity) as error:
        normalise_msisdn(address, region="GB")
    assert reason in error.value.reason


@pytest.mark.parametrize("text, expected", [
    ("+44 7700 900123", True), ("whatsapp:+447700900123", True), ("07700-900123", True),
    ("noah.w", False), ("CL10000101", False), ("a@b.com", False), ("123", False),
])
def test_phone_shape(text, expected):
    assert looks_like_phone_number(text) is expected
