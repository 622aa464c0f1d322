import pytest

from careline.profile.pins import hash_pin, pin_matches
from tests.masking import holds_secret


def test_a_pin_is_stored_salted_and_never_in_clear():
    first, second = hash_pin("2468"), hash_pin("2468")
    assert not holds_secret(first, "2468")
    assert first != second
    assert pin_matches("2468", first) and pin_matches("2468", second)


def test_wrong_or_missing_pins_do_not_match():
    stored = hash_pin("2468")
    assert not pin_matches("2469", stored)
    assert not pin_matches("", stored)
    assert not pin_matches("2468", None)
    assert not pin_matches("2468", "garbage")
    assert not pin_matches("2468", "bcrypt$1$2$3$00$00")


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", ""])
def test_only_4_to_8_digit_pins_can_be_set(pin):
    with pytest.raises(ValueError):
        hash_pin(pin)
