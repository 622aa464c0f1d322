"""Every script in ``scripts/``, played in order against the session's one stack."""

from __future__ import annotations

import asyncio

import pytest

from tests.conversations.play import play
from tests.conversations.script import load_all
from tests.e2e.stack import CarelineStack

pytestmark = pytest.mark.slow

CONVERSATIONS = load_all()


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c.id for c in CONVERSATIONS])
def test_conversation(careline_stack: CarelineStack, conversation) -> None:  # type: ignore[no-untyped-def]
    transcript = asyncio.run(play(careline_stack, conversation))
    assert transcript.lines[-1][0] != "Customer"
