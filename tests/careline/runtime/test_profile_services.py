"""What each profile starts: `make run`'s stand-in and demo agent exist only locally, and
the production profile's children send to Twilio itself unless a test allowed the stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from careline.channels.phone_simulator import Phone
from careline.channels.twilio_client import twilio_destination
from careline.cli.main import main
from careline.runtime.services import local_services, rasa_environment
from careline.settings import Profile, Settings, reset_settings
from tests.production_profile import PRODUCTION_ENVIRONMENT, production_fields


def production(tmp_path: Path, **changes: object) -> Settings:
    return Settings(**{**production_fields(), "profile": Profile.PRODUCTION,
                       "data_dir": tmp_path, "twilio_api_base_url": None, **changes})


def test_make_run_locally_starts_the_standin_and_seeds_the_demo_agent(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, twilio_standin_port=6099, profile=Profile.LOCAL)
    specs = {spec.name: spec for spec in local_services(settings, tmp_path / "model")}
    assert "twilio-standin" in specs
    assert "--seed-demo-agent" in specs["desk"].argv
    password = (tmp_path / "secrets" / "desk-demo-password").read_text().strip()
    assert any(password in url for url in specs["desk"].urls)
    env = rasa_environment(settings, "token")
    assert env["TWILIO_API_BASE_URL"] == "http://127.0.0.1:6099"


def test_production_starts_no_standin_and_no_demo_agent(tmp_path: Path) -> None:
    specs = local_services(production(tmp_path), tmp_path / "model")
    names = {spec.name for spec in specs}
    assert "twilio-standin" not in names
    assert {"actions", "rasa", "desk", "handoff-worker", "incidents"} <= names
    desk = next(spec for spec in specs if spec.name == "desk")
    assert "--seed-demo-agent" not in desk.argv
    assert not (tmp_path / "secrets" / "desk-demo-password").exists()  # no password made
    assert "careline desk agent add" in " ".join(desk.urls)


def test_production_children_send_to_twilio_itself(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # a stale variable in the operator's shell must not reach the children
    monkeypatch.setenv("TWILIO_API_BASE_URL", "http://127.0.0.1:5099")
    env = rasa_environment(production(tmp_path), "token")
    assert "TWILIO_API_BASE_URL" not in env
    assert env["TWILIO_ACCOUNT_SID"] == PRODUCTION_ENVIRONMENT["TWILIO_ACCOUNT_SID"]


def test_production_children_reach_the_standin_only_with_the_test_setting(tmp_path: Path) -> None:
    settings = production(tmp_path, twilio_api_base_url="http://127.0.0.1:7099",
                          allow_twilio_standin=True)
    assert rasa_environment(settings, "token")["TWILIO_API_BASE_URL"] == "http://127.0.0.1:7099"


def test_children_send_rasa_no_usage_or_crash_reports(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa reports usage and crashes over the network when ~/.config/rasa says so (its
    default): not from Careline's processes, unless the operator sets the variable."""
    from rasa import telemetry

    for key, value in rasa_environment(production(tmp_path), "token").items():
        monkeypatch.setenv(key, value)
    assert not telemetry.is_telemetry_enabled()
    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "true")
    assert rasa_environment(production(tmp_path), "token")["RASA_TELEMETRY_ENABLED"] == "true"


def test_the_desk_refuses_a_demo_agent_under_production(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in PRODUCTION_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CARELINE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TWILIO_API_BASE_URL", raising=False)
    reset_settings()
    try:
        assert main(["desk", "--seed-demo-agent", "--port", "9"]) == 2
    finally:
        reset_settings()
    assert "no demo agent" in capsys.readouterr().out
    assert not (tmp_path / "secrets" / "desk-demo-password").exists()


def test_the_phone_simulator_plays_only_against_a_standin(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    local = Phone(settings=Settings(data_dir=tmp_path, profile=Profile.LOCAL,
                                    twilio_standin_port=6099, twilio_api_base_url=None),
                  channel="sms", number="+447700900123")
    assert local.settings.twilio_api_base_url == "http://127.0.0.1:6099"
    for name, value in PRODUCTION_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TWILIO_API_BASE_URL", raising=False)
    reset_settings()
    try:
        # refused before anything is sent: the reply would go to a real phone
        assert main(["sms", "--from", "+447700900123", "hello"]) == 2
    finally:
        reset_settings()
    assert "stand-in" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["up", "--replicas", "1"],
                                     ["incident", "status", "INC-1"],
                                     ["desk", "agent", "disable", "someone"]])
def test_every_command_refuses_an_incomplete_production_profile_by_name(
        command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in PRODUCTION_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CARELINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "test")  # the local placeholder
    monkeypatch.delenv("CARELINE_DESK_API_TOKEN")
    monkeypatch.delenv("TWILIO_API_BASE_URL", raising=False)
    reset_settings()
    try:
        assert main(command) == 2
    finally:
        reset_settings()
    error = capsys.readouterr().err
    assert "TWILIO_AUTH_TOKEN" in error and "CARELINE_DESK_API_TOKEN" in error
    assert PRODUCTION_ENVIRONMENT["CARELINE_RASA_TOKEN"] not in error


def test_the_banner_says_where_messages_go(tmp_path: Path) -> None:
    assert "api.twilio.com" in twilio_destination(production(tmp_path))
    local = twilio_destination(Settings(data_dir=tmp_path, profile=Profile.LOCAL,
                                        twilio_standin_port=6099, twilio_api_base_url=None))
    assert "http://127.0.0.1:6099" in local and "stand-in" in local
    allowed = production(tmp_path, twilio_api_base_url="http://127.0.0.1:7099",
                         allow_twilio_standin=True)
    assert "http://127.0.0.1:7099" in twilio_destination(allowed)


def test_chat_by_phone_refuses_production_without_a_standin_in_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in PRODUCTION_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TWILIO_API_BASE_URL", raising=False)
    reset_settings()
    try:
        assert main(["chat", "--phone", "+447700900123"]) == 2
    finally:
        reset_settings()
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "careline chat --phone" in err
    assert "Traceback" not in err and err.count("\n") == 1
