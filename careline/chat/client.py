"""A small client for Careline's REST channel, used by ``careline chat`` and tests."""

from __future__ import annotations

from dataclasses import dataclass, field
import requests


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
    """

    def __init__(self, rasa_url: str, sender: str, *, token: str,
                 timeout: float = 30.0) -> None:
        self.url = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
        self.sender = sender
        self.timeout = timeout
        self._headers = {"Authorization": f"Bearer {token}"}
        self._last_buttons: tuple[tuple[str, str], ...] = ()

    def send(self, text: str) -> list[BotMessage]:
        payload = {"sender": self.sender, "message": self._resolve_choice(text)}
        response = requests.post(self.url, json=payload, headers=self._headers,
                                 timeout=self.timeout)
        response.raise_for_status()
        messages = [
            BotMessage(
                text=item.get("text", "") or "",
                buttons=tuple((b.get("title", ""), b.get("payload", ""))
                              for b in item.get("buttons") or ()),
            )
            for item in response.json()
        ]
        offered = [m.buttons for m in messages if m.buttons]
        self._last_buttons = offered[-1] if offered else ()
        return messages

    def _resolve_choice(self, text: str) -> str:
        """Let the user type "2" for the second button the bot last offered."""
        stripped = text.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(self._last_buttons):
            return self._last_buttons[int(stripped) - 1][1]
        return text
