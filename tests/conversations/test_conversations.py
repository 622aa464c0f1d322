"""Every script in ``scripts/``, played in order against the session's one stack."""

from __future__ import annotations

import asyncio

import pytest

from tests.conversations.play import play
from tests.conversations.script import Conversation, load_all
from tests.e2e.stack import CarelineStack

pytestmark = pytest.mark.slow

CONVERSATIONS = load_all()


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c.id for c in CONVERSATIONS])
def test_conversation(careline_stack: CarelineStack, conversation: Conversation) -> None:
    """play() raises, with the transcript so far, at the first reply or effect that is wrong."""
    transcript = asyncio.run(play(careline_stack, conversation))
    assert transcript.lines[-1][0] != "Customer"  # the customer's last message was answered
