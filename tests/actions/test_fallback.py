"""Misunderstanding, out-of-scope and failures all end in an answer, never silence."""

from actions.billing import ActionCheckBalance
from actions.fallback import (ActionAcceptHumanOffer, ActionDeclineOffer,
                              ActionDefaultAskAffirmation, ActionDefaultFallback,
                              ActionOutOfScope)
from careline.db.session import get_engine
from careline.settings import reset_settings
from tests.actions.conftest import Conversation, run, verified


async def test_out_of_scope_is_honest_and_offers_a_person():
    turn = await run(ActionOutOfScope(), Conversation(intent="out_of_scope"))
    assert turn.responses == ["utter_out_of_scope"]
    assert turn.slots() == {"offer": "human"}
    accepted = await run(ActionAcceptHumanOffer(), Conversation(slots={"offer": "human"}))
    assert accepted.slots()["handoff_reason"] == "requested"
    assert accepted.followup() == "action_handoff_to_agent"


async def test_change_of_mind_at_a_confirmation_changes_nothing():
    turn = await run(ActionDeclineOffer(), Conversation(slots={"offer": "confirm_plan_change"},
                                                        intent="deny"))
    assert turn.responses == ["utter_nothing_changed"] and turn.slots() == {"offer": None}


async def test_did_you_mean_uses_words_not_intent_names():
    turn = await run(ActionDefaultAskAffirmation(), Conversation(intent="ask_balance"))
    said = turn.kwargs("utter_ask_affirmation")
    assert said["guess"] == "your balance" and said["intent"] == "ask_balance"


async def test_repeated_misunderstanding_offers_then_hands_over():
    first = await run(ActionDefaultFallback(), Conversation(intent="nlu_fallback"))
    assert first.responses == ["utter_default"] and first.slots()["offer"] == "human"
    handed = None
    slots = first.slots()
    for _ in range(5):
        turn = await run(ActionDefaultFallback(), Conversation(slots=slots, intent="nlu_fallback"))
        if turn.followup():
            handed = turn
            break
        slots = turn.slots()
    assert handed is not None and handed.slots()["handoff_reason"] == "fallback"


async def test_a_broken_database_gives_an_apology_and_a_person(tmp_path, monkeypatch):
    monkeypatch.setenv("CARELINE_DATABASE_URL", f"sqlite:///{tmp_path}/missing/careline.db")
    monkeypatch.setenv("CARELINE_DATA_DIR", str(tmp_path))
    reset_settings()
    get_engine.cache_clear()
    try:
        turn = await run(ActionCheckBalance(), Conversation(slots=verified(1)))
    finally:
        get_engine.cache_clear()
        reset_settings()
    assert turn.responses == ["utter_service_trouble"]
    assert turn.slots()["offer"] == "human"
