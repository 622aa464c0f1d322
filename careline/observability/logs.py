"""Every process's logging: one handler on the root logger, JSON lines or text, redacted,
each line carrying the current turn's correlation id.

``CARELINE_LOG_FORMAT=json`` (``careline up``, containers) writes one JSON object a line
for a log shipper; ``text`` (the default, ``make run``'s terminal) writes plain lines.
The record factory of careline/observability/redact.py masks each message; the
formatters here also mask what the factory never sees: exception tracebacks (an error's
text may quote a number) and structured fields passed with ``extra=``.

``CARELINE_LOG_FILE`` sends the lines to that file instead of stderr, rotated at
``CARELINE_LOG_MAX_BYTES`` with ``CARELINE_LOG_BACKUPS`` old files kept; unset, they go
to stderr, which a container runtime or the supervisor collects.

Rasa, rasa_sdk, Sanic and coloredlogs install handlers of their own, some on loggers
that do not propagate to the root; :func:`configure_logging` takes those handlers away
and lets every logger propagate, so each line passes the one handler. Processes whose
framework sets logging up late (Rasa, the action server) call it again when the server
starts (careline/observability/sanic_metrics.py).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import sys
from datetime import datetime, timezone
from typing import Any, Optional

from careline.observability import correlation
from careline.observability.redact import install_log_redaction, redact_log
from careline.settings import Settings, get_settings

#: Attributes every LogRecord has; anything else on a record came with ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "correlation_id", "taskName"}
#: A structured field with a credential's name is never written, whatever its value.
_SECRET_NAME = re.compile(r"(?i)(token|secret|password|api_key|authorization)")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s]: %(message)s"


def _clean(value: Any) -> Any:
    """``value`` with every string in it redacted (dicts and lists walked)."""
    if isinstance(value, str):
        return redact_log(value)
    if isinstance(value, dict):
        return {str(k): "[redacted]" if _SECRET_NAME.search(str(k)) else _clean(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return redact_log(str(value))


def _structlog_event(message: str) -> Optional[dict[str, Any]]:
    """The fields of a line Rasa's structlog rendered as JSON, or None for any other line."""
    if not message.startswith("{"):
        return None
    try:
        parsed = json.loads(message)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) and "event" in parsed else None


class TextFormatter(logging.Formatter):
    """Plain lines with the correlation id; tracebacks redacted."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        record.correlation_id = getattr(record, "correlation_id", None) \
            or correlation.current() or "-"
        return super().format(record)

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return redact_log(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return redact_log(super().formatStack(stack_info))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, service, message, correlation id,
    the ``extra=`` fields, and the traceback if any; every string redacted."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc)
            .isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "service": self.service,
            "message": redact_log(record.getMessage()),
            "correlation_id": getattr(record, "correlation_id", None) or correlation.current(),
        }
        structured = _structlog_event(line["message"])
        if structured is not None:  # Rasa's structlog lines: their fields, not a string
            line["message"] = str(structured.pop("event", ""))
            line["fields"] = _clean(structured)
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                line[name] = "[redacted]" if _SECRET_NAME.search(name) else _clean(value)
        if record.exc_info:
            line["exception"] = redact_log(self.formatException(record.exc_info))
        if record.stack_info:
            line["stack"] = redact_log(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def formatter_for(service: str, settings: Settings) -> logging.Formatter:
    return JsonFormatter(service) if settings.log_format == "json" else TextFormatter()


def handler_for(settings: Settings) -> logging.Handler:
    """stderr, or the rotated ``CARELINE_LOG_FILE``."""
    if settings.log_file is None:
        return logging.StreamHandler(sys.stderr)
    settings.log_file.parent.mkdir(parents=True, exist_ok=True)
    return logging.handlers.RotatingFileHandler(
        settings.log_file, maxBytes=settings.log_max_bytes, backupCount=settings.log_backups,
        encoding="utf-8")


def configure_logging(service: str, settings: Optional[Settings] = None) -> None:
    """Route every logger of this process through one redacting handler (idempotent:
    a second call replaces the first one's handler)."""
    settings = settings or get_settings()
    install_log_redaction()
    correlation.stamp_log_records()
    handler = handler_for(settings)
    handler.setFormatter(formatter_for(service, settings))
    handler.careline_handler = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        if getattr(old, "careline_handler", False):
            old.close()
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and logger.handlers:
            for own in list(logger.handlers):
                logger.removeHandler(own)
            logger.propagate = True
