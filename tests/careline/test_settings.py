import pytest
from pydantic import ValidationError

from careline.settings import MissingSecret, Profile, Settings, get_settings, reset_settings
from tests.production_profile import PRODUCTION_ENVIRONMENT as PRODUCTION


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


def test_locally_an_unset_secret_is_generated_once_into_the_data_dir(tmp_path):
    generated = Settings(data_dir=tmp_path).secret("rasa_token")
    assert len(generated) >= 24
    assert (tmp_path / "secrets" / "rasa-token").read_text().strip() == generated
    assert Settings(data_dir=tmp_path).secret("rasa_token") == generated
    assert Settings(data_dir=tmp_path, rasa_token="configured").secret("rasa_token") == \
        "configured"


def test_production_returns_the_configured_secret_and_never_generates_one(environment,
                                                                          tmp_path):
    environment.setenv("CARELINE_DATA_DIR", str(tmp_path))
    settings = production_settings(environment)
    assert settings.secret("desk_api_token") == PRODUCTION["CARELINE_DESK_API_TOKEN"]
    with pytest.raises(MissingSecret, match="CARELINE_REST_TOKEN"):
        settings.secret("rest_token")  # optional in production, so the validator lets it be
    assert not (tmp_path / "secrets").exists()


#: Settings the tests here read from the environment; cleared first, because the
#: end-to-end stack shares some through this process's environment.
READ = (*PRODUCTION, "TWILIO_API_BASE_URL", "CARELINE_ALLOW_TWILIO_STANDIN",
        "TWILIO_MESSAGING_SERVICE_SID", "CARELINE_TWILIO_STANDIN_PORT", "CARELINE_BIND_HOST",
        "CARELINE_RASA_URL", "CARELINE_TLS_CERT_FILE", "CARELINE_TLS_KEY_FILE")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in READ:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def production_settings(monkeypatch: pytest.MonkeyPatch, **changes: str | None) -> Settings:
    """The production profile from the environment, with ``changes`` (None unsets)."""
    for name, value in {**PRODUCTION, **changes}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return Settings()


def refusal(monkeypatch: pytest.MonkeyPatch, **changes: str | None) -> str:
    with pytest.raises(ValidationError) as error:
        production_settings(monkeypatch, **changes)
    return str(error.value)


def test_production_accepts_every_real_value(environment):
    settings = production_settings(environment)
    assert settings.profile is Profile.PRODUCTION
    assert settings.resolved_twilio_api_base_url is None  # the client's own: api.twilio.com


@pytest.mark.parametrize("name", [
    "CARELINE_DATABASE_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "CARELINE_RASA_TOKEN",
    "CARELINE_ACTION_SECRET", "CARELINE_CONVERSATION_SECRET", "CARELINE_WEBCHAT_SECRET",
    "CARELINE_DESK_API_TOKEN", "CARELINE_INCIDENT_API_TOKEN", "CARELINE_PUBLIC_URL",
    "TWILIO_SMS_FROM", "TWILIO_WHATSAPP_FROM"])
def test_production_names_each_missing_setting(environment, name):
    message = refusal(environment, **{name: None})
    assert name in message
    others = set(PRODUCTION) - {name}
    assert not [other for other in others if other in message], message


@pytest.mark.parametrize(("name", "placeholder"), [
    ("TWILIO_ACCOUNT_SID", "ACtest"), ("TWILIO_AUTH_TOKEN", "test"),
    ("CARELINE_RASA_TOKEN", "change-me"), ("CARELINE_ACTION_SECRET", "local-dev-token"),
    ("CARELINE_WEBCHAT_SECRET", "change-me"), ("TWILIO_SMS_FROM", "+15005550006"),
    ("TWILIO_WHATSAPP_FROM", "+15005550007"),
    ("CARELINE_PUBLIC_URL", "http://careline.example.com")])
def test_production_refuses_placeholders_by_name_never_by_value(environment, name, placeholder):
    message = refusal(environment, **{name: placeholder})
    assert name in message
    assert placeholder not in message
    assert not [value for name, value in PRODUCTION.items()
                if name != "CARELINE_PROFILE" and value in message]


def test_production_lists_every_problem_at_once(environment):
    message = refusal(environment, CARELINE_RASA_TOKEN=None, TWILIO_AUTH_TOKEN="test",
                      CARELINE_PUBLIC_URL=None)
    for name in ("CARELINE_RASA_TOKEN", "TWILIO_AUTH_TOKEN", "CARELINE_PUBLIC_URL"):
        assert name in message


def test_a_messaging_service_replaces_the_sender_numbers(environment):
    settings = production_settings(environment, TWILIO_SMS_FROM=None, TWILIO_WHATSAPP_FROM=None,
                                   TWILIO_MESSAGING_SERVICE_SID="MG0123456789abcdef")
    assert settings.twilio_messaging_service_sid == "MG0123456789abcdef"


def test_production_refuses_the_standin_url_without_the_test_setting(environment):
    message = refusal(environment, TWILIO_API_BASE_URL="http://127.0.0.1:5099")
    assert "TWILIO_API_BASE_URL" in message and "CARELINE_ALLOW_TWILIO_STANDIN" in message


def test_the_test_setting_lets_production_send_to_the_standin(environment):
    settings = production_settings(environment, TWILIO_API_BASE_URL="http://127.0.0.1:5099",
                                   CARELINE_ALLOW_TWILIO_STANDIN="true",
                                   CARELINE_PUBLIC_URL="http://127.0.0.1:8080")
    assert settings.resolved_twilio_api_base_url == "http://127.0.0.1:5099"


def test_locally_the_twilio_client_sends_to_the_standin_by_default(environment):
    environment.setenv("CARELINE_TWILIO_STANDIN_PORT", "6099")
    assert Settings().resolved_twilio_api_base_url == "http://127.0.0.1:6099"
    environment.setenv("TWILIO_API_BASE_URL", "http://127.0.0.1:7099")
    assert Settings().resolved_twilio_api_base_url == "http://127.0.0.1:7099"


def test_tls_needs_both_files(environment, tmp_path):
    environment.setenv("CARELINE_TLS_CERT_FILE", str(tmp_path / "edge.pem"))
    with pytest.raises(ValidationError, match="CARELINE_TLS_KEY_FILE"):
        Settings()
    environment.setenv("CARELINE_TLS_KEY_FILE", str(tmp_path / "edge.key"))
    assert Settings().tls_key_file == tmp_path / "edge.key"


def test_local_urls_follow_the_rasa_and_edge_ports(monkeypatch):
    for name in ("CARELINE_PUBLIC_URL", "CARELINE_RASA_URL", "CARELINE_EDGE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(rasa_port=6005, edge_port=6006)
    assert settings.rasa_url == "http://127.0.0.1:6005"
    # Twilio's webhooks, and Rasa's messages outside a turn, go to the Twilio edge
    assert settings.public_url == settings.edge_url == "http://127.0.0.1:6006"
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
