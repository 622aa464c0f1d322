"""When a notice refused for a passing reason is sent again.

Twilio's transient errors are first retried within the send itself, seconds apart
(careline/channels/sender.py). A notice still refused after that, because Twilio (or the
stand-in) or Rasa is down for longer, or Twilio answered 429 or 5xx, is marked ``failed``
with ``retry_at``; the incidents API's background loop sends it again once that time has
come (:meth:`careline.proactive.service.OutageCare.retry_failed`), minutes apart and a
bounded number of times, so a command run while Twilio was away still reaches customers.
A refusal that will not pass (an opt-out, a closed WhatsApp window, an invalid number
Twilio refused) is final.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, cast

#: The start of a failed notice's error when another try may succeed.
TRANSIENT = "transient"


@dataclass(frozen=True)
class NoticeRetry:
    #: Sends in all, the first one included.
    attempts: int = 5
    first_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(minutes=30)

    def next_at(self, *, attempts: int, now: datetime) -> Optional[datetime]:
        """When to send again after ``attempts`` failed sends; None once they are used up."""
        if attempts >= self.attempts:
            return None
        return cast("datetime | None", now + min(self.first_delay * 2 ** max(0, attempts - 1), self.max_delay))
