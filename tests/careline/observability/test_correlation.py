"""Turn ids: what is accepted from outside, and where the action server finds one."""

from __future__ import annotations

import contextvars
import uuid

from careline.observability import correlation


def test_a_usable_id_is_kept_and_anything_else_replaced_by_a_fresh_one():
    contextvars.Context().run(_replaced)


def _replaced() -> None:
    assert correlation.use("SM0123456789abcdef0123456789abcdef") == \
        "SM0123456789abcdef0123456789abcdef"
    assert correlation.current() == "SM0123456789abcdef0123456789abcdef"
    for forged in ("id\nlevel=ERROR fake line", 'x" injected', "x" * 65, "", None):
        fresh = correlation.use(forged)
        assert fresh != forged and uuid.UUID(hex=fresh)
        assert correlation.current() == fresh


def test_the_action_server_reads_the_turn_id_from_the_latest_message():
    call = {"next_action": "action_balance",
            "tracker": {"sender_id": "c1", "latest_message": {"message_id": "SMabc123",
                                                               "text": "what do I owe"}}}
    assert correlation.from_action_call(call) == "SMabc123"
    assert correlation.from_action_call({"tracker": {"latest_message": None}}) is None
    assert correlation.from_action_call({"tracker": {"latest_message": {"message_id": 42}}}) \
        is None
    assert correlation.from_action_call(["not", "a", "call"]) is None
