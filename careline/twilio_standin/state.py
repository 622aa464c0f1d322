"""What the stand-in remembers: messages sent, raw requests, faults to inject."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any, Optional

from careline import clock


@dataclass
class StoredMessage:
    sid: str
    account_sid: str
    to: str
    from_: Optional[str]
    messaging_service_sid: Optional[str]
    body: str
    media_urls: list[str]
    content_sid: Optional[str]
    content_variables: Optional[str]
    status_callback: Optional[str]
    created: datetime
    status: str = "queued"
    error_code: Optional[int] = None

    def resource(self) -> dict[str, Any]:
        """The message in the shape of Twilio's Message resource (JSON)."""
        stamp = format_datetime(self.created)
        return {
            "sid": self.sid, "account_sid": self.account_sid, "to": self.to,
            "from": self.from_, "messaging_service_sid": self.messaging_service_sid,
            "body": self.body, "status": self.status, "num_media": str(len(self.media_urls)),
            "num_segments": str(max(1, -(-len(self.body) // 153))), "direction": "outbound-api",
            "date_created": stamp, "date_updated": stamp, "date_sent": None,
            "error_code": self.error_code, "error_message": None, "price": None,
            "price_unit": "USD", "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{self.sid}.json",
            "subresource_uris": {}, "media_urls": self.media_urls,
            "content_sid": self.content_sid,
        }


@dataclass
class Faults:
    """Failures to inject: API errors for the next requests, numbers that never receive."""

    fail_next: int = 0
    fail_status: int = 500
    undeliverable: dict[str, int] = field(default_factory=dict)


@dataclass
class StandinState:
    account_sid: str
    auth_token: str
    messages: list[StoredMessage] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    #: Messages by recipient: long polls for one number stay cheap after thousands of sends.
    by_recipient: dict[str, list[StoredMessage]] = field(default_factory=dict)

    def add(self, message: StoredMessage) -> None:
        self.messages.append(message)
        self.by_recipient.setdefault(message.to, []).append(message)

    def sent_to(self, to: Optional[str]) -> list[StoredMessage]:
        """Messages sent to ``to`` (every message when None), oldest first."""
        return list(self.messages if to is None else self.by_recipient.get(to, ()))

    def new_sid(self) -> str:
        return "SM" + secrets.token_hex(16)

    def now(self) -> datetime:
        return clock.now()

    def reset(self) -> None:
        self.messages.clear()
        self.by_recipient.clear()
        self.requests.clear()
        self.faults = Faults()
