"""JSON and text log lines: every process's one handler, redacted, with the turn's id."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from pathlib import Path
from typing import Iterator

import pytest

from careline.observability import correlation
from careline.observability.logs import JsonFormatter, TextFormatter, configure_logging
from careline.settings import Settings


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """The root logger's handlers, level and record factory as they were before the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    factory = logging.getLogRecordFactory()
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            if handler not in handlers:
                handler.close()
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        logging.setLogRecordFactory(factory)


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("careline.test", logging.WARNING, __file__, 1, message, args,
                               None)
    record.__dict__.update(extra)
    return record


def test_json_line_masks_a_phone_number_a_code_and_a_token():
    record = _record("text from %s with code %s, called with Authorization: Bearer %s",
                     "+447700900123", "602913", "tok_9f8e7d6c5b4a")
    line = json.loads(JsonFormatter("gateway").format(record))
    text = json.dumps(line)
    assert "+447700900123" not in text and "602913" not in text
    assert "tok_9f8e7d6c5b4a" not in text
    assert "+44••••••••23" in line["message"] and "code ••••" in line["message"]
    assert "Bearer [redacted]" in line["message"]
    assert line["level"] == "WARNING" and line["service"] == "gateway"
    assert line["logger"] == "careline.test" and line["time"].endswith("+00:00")


def test_structured_fields_and_tracebacks_are_masked_too():
    try:
        raise ValueError("no customer for +447700900456")
    except ValueError:
        import sys

        record = _record("lookup failed", turn={"channel": "sms", "pin": "1357",
                                                "api_token": "abc", "actions": ["x"]})
        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter("rasa").format(record))
    assert line["turn"] == {"channel": "sms", "pin": "••••", "api_token": "[redacted]",
                            "actions": ["x"]}
    assert "900456" not in line["exception"] and "ValueError" in line["exception"]


def test_rasa_structlog_json_becomes_fields():
    record = _record('{"event": "processor.actions.log", "action_name": "utter_greet"}')
    line = json.loads(JsonFormatter("rasa").format(record))
    assert line["message"] == "processor.actions.log"
    assert line["fields"] == {"action_name": "utter_greet"}


def test_each_line_carries_the_correlation_id_of_its_own_task():
    formatter = JsonFormatter("gateway")

    async def turn(message_sid: str) -> str:
        correlation.use(message_sid)
        await asyncio.sleep(0)  # the other turn runs meanwhile
        return json.loads(formatter.format(_record("reply sent")))["correlation_id"]

    async def both() -> list[str]:
        return list(await asyncio.gather(turn("SMaaa111"), turn("SMbbb222")))

    assert asyncio.run(both()) == ["SMaaa111", "SMbbb222"]


def test_text_lines_name_the_correlation_id_or_a_dash():
    def in_a_turn() -> str:
        correlation.use("SMtext01")
        return TextFormatter().format(_record("hello"))

    assert "[SMtext01]" in contextvars.Context().run(in_a_turn)
    outside = contextvars.Context().run(TextFormatter().format, _record("hello"))
    assert outside.endswith("[-]: hello")


def test_configure_logging_routes_every_logger_through_one_rotating_file(
        tmp_path: Path, restored_logging: None):
    stray = logging.getLogger("sanic.access.careline_test")
    stray.addHandler(logging.StreamHandler())
    stray.propagate = False
    log_file = tmp_path / "logs" / "gateway.log"
    settings = Settings(log_format="json", log_file=log_file, log_max_bytes=10_000,
                        log_backups=2, data_dir=tmp_path)
    configure_logging("gateway", settings)
    configure_logging("gateway", settings)  # twice: still one handler
    assert len(logging.getLogger().handlers) == 1
    assert not stray.handlers and stray.propagate
    for index in range(200):  # past 10 kB: rotated, two backups kept
        logging.getLogger("careline.fill").warning("line %d %s", index, "x" * 100)
    stray.warning("from %s", "+447700900789")
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert all(line["service"] == "gateway" for line in lines)
    assert lines[-1]["logger"] == "sanic.access.careline_test"
    assert lines[-1]["message"] == "from +44••••••••89"
    rotated = sorted(p.name for p in log_file.parent.iterdir())
    assert rotated == ["gateway.log", "gateway.log.1", "gateway.log.2"]
    everything = "".join(p.read_text() for p in log_file.parent.iterdir())
    assert "900789" not in everything


def test_the_log_format_setting_takes_json_or_text_only(tmp_path: Path):
    assert Settings(data_dir=tmp_path).log_format == "text"
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, log_format="xml")


def test_configuring_again_keeps_one_redacting_and_one_stamping_factory(
        tmp_path: Path, restored_logging: None):
    settings = Settings(data_dir=tmp_path)
    for _ in range(3):  # Rasa's process configures at start, on its channel and when serving
        configure_logging("rasa", settings)
    factory, depth = logging.getLogRecordFactory(), 0
    while getattr(factory, "__closure__", None):
        wrapped = [cell.cell_contents for cell in factory.__closure__
                   if callable(cell.cell_contents)]
        factory, depth = wrapped[0], depth + 1
    assert depth == 2

    async def turn() -> logging.LogRecord:
        correlation.use("SMstamped01")
        return logging.getLogger("careline.test").makeRecord(
            "careline.test", logging.INFO, __file__, 1, "pin %s", ("1357",), None)

    record = asyncio.run(turn())  # formatted later, outside the turn: the id came with it
    assert record.correlation_id == "SMstamped01" and record.getMessage() == "pin ••••"
