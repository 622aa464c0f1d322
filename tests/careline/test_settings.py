import pytest
from pydantic import ValidationError

from careline.settings import Profile, Settings, get_settings, reset_settings


def test_settings_are_read_when_first_used(monkeypatch):
    reset_settings()
    monkeypatch.setenv("CARELINE_PUBLIC_URL", "https://careline.example.com")
    assert get_settings().public_url == "https://careline.example.com"
    reset_settings()


def test_database_defaults_to_sqlite_file_in_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("CARELINE_DATABASE_URL", raising=False)
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'careline.db'}"


def test_secrets_are_masked_in_repr_and_masked_view():
    settings = Settings(twilio_auth_token="s3cr3t-token-value",
                        database_url="postgresql://app:hunter2@db/careline")
    assert "s3cr3t-token-value" not in repr(settings)
    masked = settings.masked()
    assert masked["twilio_auth_token"] == "**********"
    assert "hunter2" not in masked["database_url"]
    assert "app" in masked["database_url"]


def test_production_refuses_placeholder_secrets(monkeypatch):
    # the end-to-end stack shares its conversation secret through this process's environment
    for name in ("CARELINE_RASA_TOKEN", "TWILIO_AUTH_TOKEN", "CARELINE_ACTION_SECRET",
                 "CARELINE_CONVERSATION_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError) as error:
        Settings(profile=Profile.PRODUCTION, database_url="postgresql://db/careline")
    assert "rasa_token" in str(error.value)
    assert "twilio_auth_token" in str(error.value)
    assert "action_secret" in str(error.value)
    assert "conversation_secret" in str(error.value)


def test_production_accepts_real_secrets():
    settings = Settings(profile=Profile.PRODUCTION, database_url="postgresql://db/careline",
                        rasa_token="a-long-random-token", twilio_auth_token="real-token-123",
                        action_secret="a-shared-action-secret",
                        conversation_secret="a-conversation-key-secret")
    assert settings.profile is Profile.PRODUCTION


def test_local_urls_follow_the_rasa_port(monkeypatch):
    monkeypatch.delenv("CARELINE_PUBLIC_URL", raising=False)
    monkeypatch.delenv("CARELINE_RASA_URL", raising=False)
    settings = Settings(rasa_port=6005)
    assert settings.public_url == settings.rasa_url == "http://127.0.0.1:6005"
    assert Settings(rasa_port=6005, public_url="https://bot.example.com").public_url == (
        "https://bot.example.com")


def test_internal_services_bind_to_loopback_unless_the_operator_names_an_address(monkeypatch):
    monkeypatch.delenv("CARELINE_BIND_HOST", raising=False)
    monkeypatch.delenv("CARELINE_RASA_URL", raising=False)
    monkeypatch.delenv("CARELINE_ACTION_ENDPOINT", raising=False)
    assert Settings().bind_host == "127.0.0.1"
    named = Settings(bind_host="10.0.0.5", actions_port=6055, rasa_port=6005)
    assert named.resolved_action_endpoint == "http://10.0.0.5:6055/webhook"
    assert named.rasa_url == "http://10.0.0.5:6005"
    # every interface is an operator's choice; Careline's own processes then use loopback
    assert Settings(bind_host="0.0.0.0", actions_port=6055).internal_host == "127.0.0.1"
