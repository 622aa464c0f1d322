"""A message without words: a photo or a location is out of scope, nothing at all a prompt."""

from __future__ import annotations

from typing import Any, Optional

import pytest
import yaml
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from careline.rasa_integration.guard import BLANK, WORDLESS, _wordless
from careline.settings import PROJECT_ROOT


@pytest.mark.parametrize("metadata, said", [
    (None, BLANK),
    ({"channel": "sms"}, BLANK),
    ({"media": [{"url": "https://example.com/bill.jpg", "content_type": "image/jpeg"}]},
     WORDLESS),
    ({"location": {"latitude": 53.8, "longitude": -1.55}}, WORDLESS),
])
def test_what_a_message_without_words_says(metadata: Optional[dict[str, Any]], said: str):
    message = UserMessage("", CollectingOutputChannel(), "s1", metadata=metadata)
    assert _wordless(message) == said


def test_the_blank_intent_is_declared_and_answered() -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "domain" / "languages.yml").read_text("utf-8"))
    rules = yaml.safe_load((PROJECT_ROOT / "data" / "rules" / "languages.yml").read_text("utf-8"))
    assert BLANK.lstrip("/") in domain["intents"]
    assert [{"intent": BLANK.lstrip("/")}, {"action": "utter_blank_message"}] in [
        r["steps"] for r in rules["rules"]]
