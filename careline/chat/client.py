"""A small client for Careline's REST channel, used by ``careline chat``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from careline.rasa_client import RasaClient


@dataclass(frozen=True)
class BotMessage:
    text: str
    buttons: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def render(self) -> str:
        lines = [self.text] if self.text else []
        lines += [f"  {n}. {title}" for n, (title, _) in enumerate(self.buttons, 1)]
        return "\n".join(lines)


class RestChatClient:
    """Sends text to ``/webhooks/rest/webhook`` with the REST channel's token and returns
    the replies. The conversation is the channel's anonymous ``rest:<sender>``: a REST
    caller signs in like any stranger (account number, then a code to the number on file).

    Synchronous for a terminal loop: one event loop for the client's life, so the
    connection to Rasa is kept between messages. Raises :class:`careline.rasa_client.RasaError`.
    """

    def __init__(self, rasa_url: str, sender: str, *, token: str,
                 timeout: float = 30.0) -> None:
        self.sender = sender
        self._token = token
        self._rasa = RasaClient(base_url=rasa_url, token="", timeout=timeout)
        self._loop = asyncio.new_event_loop()
        self._last_buttons: tuple[tuple[str, str], ...] = ()

    def send(self, text: str) -> list[BotMessage]:
        answers = self._loop.run_until_complete(self._rasa.rest_message(
            sender=self.sender, text=self._resolve_choice(text), rest_token=self._token))
        messages = [_bot_message(item) for item in answers if isinstance(item, dict)]
        offered = [m.buttons for m in messages if m.buttons]
        self._last_buttons = offered[-1] if offered else ()
        return messages

    def close(self) -> None:
        self._loop.run_until_complete(self._rasa.close())
        self._loop.close()

    def _resolve_choice(self, text: str) -> str:
        """Let the user type "2" for the second button the bot last offered."""
        stripped = text.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(self._last_buttons):
            return self._last_buttons[int(stripped) - 1][1]
        return text


def _bot_message(item: dict[str, Any]) -> BotMessage:
    return BotMessage(text=item.get("text", "") or "",
                      buttons=tuple((b.get("title", ""), b.get("payload", ""))
                                    for b in item.get("buttons") or ()))
