"""Action responses are still checked against Rasa's schema, with Rasa's verdicts and message."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from careline.rasa_integration.action_results import validate_action_result
from careline.rasa_integration.tracker_store import CarelineTrackerStore
from careline.settings import reset_settings

VALID = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "channel", "value": "sms", "timestamp": None}],
     "responses": [{"response": "utter_greet", "text": None}]},
    {"events": [{"event": "followup", "name": "action_handoff_to_agent"},
                {"event": "active_loop", "name": None}], "responses": []},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot event needs its name
    {"events": [{"event": "no_such_event"}]},
    {"responses": ["a string, not an object"]},
    ["not an object"],
]


@pytest.fixture
def hooked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RemoteAction:
    """A RemoteAction after Rasa built Careline's store (which installs the hooks)."""
    monkeypatch.delenv("CARELINE_TRACKER_STORE_URL", raising=False)
    monkeypatch.setenv("CARELINE_TRACKER_DB", str(tmp_path / "tracker.db"))
    reset_settings()
    CarelineTrackerStore()
    reset_settings()
    return RemoteAction("action_check_balance", None)


def test_building_the_store_installs_the_compiled_check(hooked: RemoteAction) -> None:
    patched = RemoteAction._validate_action_result.__code__.co_filename
    assert patched == validate_action_result.__code__.co_filename


@pytest.mark.parametrize("response", VALID)
def test_valid_responses_pass_as_with_jsonschema_validate(
    hooked: RemoteAction, response: dict
) -> None:
    jsonschema.validate(response, RemoteAction.action_response_format_spec())
    assert hooked._validate_action_result(response) is True


@pytest.mark.parametrize("response", INVALID)
def test_invalid_responses_fail_with_the_same_error_as_rasa(
    hooked: RemoteAction, response: object
) -> None:
    with pytest.raises(jsonschema.ValidationError) as expected:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as raised:
        hooked._validate_action_result(response)  # type: ignore[arg-type]
    assert raised.value.message.startswith(expected.value.message)
    assert raised.value.message.endswith("/custom-actions")
    assert list(raised.value.absolute_path) == list(expected.value.absolute_path)
