import logging
from typing import Iterator

import pytest

from careline.observability.redact import (install_log_redaction, mask_account, mask_phone,
                                           redact, redact_log)


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


@pytest.fixture
def redacting_logs() -> Iterator[None]:
    """Log redaction installed in this process for one test, as an entry point installs it."""
    before = logging.getLogRecordFactory()
    install_log_redaction()
    install_log_redaction()  # twice, as two entry points in one process would: one wrapper
    try:
        yield
    finally:
        logging.setLogRecordFactory(before)


def test_every_record_is_redacted_whatever_logger_or_handler(redacting_logs, caplog):
    logger = logging.getLogger("careline.test.redact")
    with caplog.at_level(logging.INFO):
        logger.info("turn from %s said %s", "+447700900123", "my pin is 2468")
        logging.getLogger("rasa.core.processor").info("Received user message '602913'")
    assert "+447700900123" not in caplog.text and "2468" not in caplog.text
    assert "602913" not in caplog.text
    assert "+44••••••••23" in caplog.text and "my pin is ••••" in caplog.text


def test_log_redaction_leaves_ports_times_dates_and_figures_alone():
    line = ("Listening on http://127.0.0.1:5005 at 2026-12-01 08:00:00, "
            "latency_ms=1234, £1250.00 due, ticket 17, Twilio error 30003")
    assert redact_log(line) == line
    assert redact_log("code 602913, PIN 2468.") == "code ••••, PIN ••••."
    assert redact_log('"GET /_standin/messages?to=%2B447700900123 HTTP/1.1"') == (
        '"GET /_standin/messages?to=+44••••••••23 HTTP/1.1"')
