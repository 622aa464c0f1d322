"""A command beside `careline up` shares the stack's secrets and is told what else to set."""

from __future__ import annotations

from pathlib import Path

from careline.channels.conversation_key import customer_sender_id
from careline.deploy.beside import SHARED_SECRETS, beside_hint, shared_local_secrets
from careline.desk.api_auth import desk_api_token
from careline.settings import Profile, Settings
from tests.production_profile import production_fields


def test_the_stack_is_handed_the_data_dirs_own_secrets(tmp_path: Path) -> None:
    beside = Settings(data_dir=tmp_path, profile=Profile.LOCAL, conversation_secret="",
                      desk_api_token="", webchat_secret="", rest_token="",
                      incident_api_token="")
    handed = shared_local_secrets(beside)
    assert set(handed) == set(SHARED_SECRETS)
    # a child of the stack keeps its files elsewhere, yet keys conversations and
    # authenticates the desk's API exactly as a command beside it does
    child = Settings(data_dir=tmp_path / "up", profile=Profile.LOCAL,
                     conversation_secret=handed["CARELINE_CONVERSATION_SECRET"],
                     desk_api_token=handed["CARELINE_DESK_API_TOKEN"])
    assert customer_sender_id(42, settings=child) == customer_sender_id(42, settings=beside)
    assert desk_api_token(child) == desk_api_token(beside)
    assert not (tmp_path / "up" / "secrets").exists()


def test_an_operators_secret_and_production_are_left_alone(tmp_path: Path) -> None:
    operator = Settings(data_dir=tmp_path, profile=Profile.LOCAL, webchat_secret="theirs",
                        conversation_secret="", desk_api_token="", rest_token="",
                        incident_api_token="")
    assert "CARELINE_WEBCHAT_SECRET" not in shared_local_secrets(operator)
    production = Settings(**{**production_fields(), "profile": Profile.PRODUCTION,
                             "data_dir": tmp_path, "twilio_api_base_url": None})
    assert shared_local_secrets(production) == {}


def test_the_banner_names_what_a_command_beside_the_stack_needs(tmp_path: Path) -> None:
    plain = Settings(data_dir=tmp_path, database_url=None, rasa_url="")
    hint = beside_hint(plain, database_url="postgresql://postgres@127.0.0.1/careline",
                       api_url="http://127.0.0.1:8077")
    assert hint is not None
    assert "CARELINE_DATABASE_URL=postgresql://postgres@127.0.0.1/careline" in hint
    assert "CARELINE_RASA_URL=http://127.0.0.1:8077" in hint
    told = Settings(data_dir=tmp_path, database_url="postgresql://db/careline",
                    rasa_url="http://127.0.0.1:8077")
    assert beside_hint(told, database_url="postgresql://db/careline",
                       api_url="http://127.0.0.1:8077") is None
