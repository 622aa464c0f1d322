import logging

from careline.observability.redact import RedactingFilter, mask_account, mask_phone, redact


def test_mask_phone_keeps_country_and_last_two_digits():
    assert mask_phone("+447700900123") == "+44••••••••23"
    assert "7700900" not in mask_phone("whatsapp:+447700900123")


def test_mask_account_keeps_the_letters_and_last_two_digits():
    assert mask_account("CL10000104") == "CL••••••04"
    assert mask_account("CL12") == "••••"  # too short to show anything


def test_redact_masks_phone_numbers_and_cards_in_text():
    text = "customer +44 7700 900123 paid with 4111 1111 1111 1111 yesterday"
    cleaned = redact(text)
    assert "7700 900123" not in cleaned and "4111 1111 1111 1111" not in cleaned
    assert "[card •••• 1111]" in cleaned
    assert cleaned.startswith("customer +44")


def test_redact_leaves_amounts_and_dates_alone():
    assert redact("balance £42.50 due 2026-12-01") == "balance £42.50 due 2026-12-01"


def test_filter_redacts_formatted_log_records(caplog):
    logger = logging.getLogger("careline.test.redact")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="careline.test.redact"):
        logger.info("turn from %s", "+447700900123")
    assert "+447700900123" not in caplog.text
    assert "+44••••••••23" in caplog.text
