"""endpoints.yml works in a plain shell: Careline fills in the action server and its secret."""

from __future__ import annotations

import pytest
from rasa.core.agent import Agent
from rasa.core.utils import read_endpoints_from_path
from rasa.utils.endpoints import EndpointConfig

from careline.rasa_integration.action_endpoint import resolved
from careline.runtime.action_secret import action_secret
from careline.settings import PROJECT_ROOT, Settings, get_settings, reset_settings
from careline.rasa_integration.patches import install_all

ACTION_VARIABLES = ("CARELINE_ACTION_ENDPOINT", "CARELINE_ACTION_SECRET")


@pytest.fixture
def plain_shell(monkeypatch, tmp_path):
    """No action variables set, as in a designer's terminal; a data dir of the test's own."""
    for name in ACTION_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CARELINE_DATA_DIR", str(tmp_path))
    reset_settings()
    yield tmp_path
    reset_settings()


def _file_endpoint() -> EndpointConfig:
    """The action endpoint as Rasa's own loader reads endpoints.yml (``rasa run`` does this)."""
    endpoint = read_endpoints_from_path(PROJECT_ROOT / "endpoints.yml").action
    assert endpoint is not None
    return endpoint


def test_endpoints_file_reads_without_variables_and_names_no_secret(plain_shell):
    endpoint = _file_endpoint()
    assert endpoint.url is None and endpoint.headers == {}
    assert endpoint.kwargs == {"enable_selective_domain": True}


def test_local_default_is_the_local_action_server_with_the_data_dirs_secret(plain_shell):
    settings = Settings(actions_port=5123)
    endpoint = resolved(_file_endpoint(), settings)
    secret = (plain_shell / "secrets" / "action-secret").read_text().strip()
    assert endpoint.url == "http://127.0.0.1:5123/webhook"
    assert endpoint.headers == {"Authorization": f"Bearer {secret}"}
    # the local action server reads the same secret: the two meet without configuration
    assert action_secret(settings) == secret and len(secret) >= 24
    assert endpoint.kwargs == {"enable_selective_domain": True}
    assert endpoint.params == {} and endpoint.token is None  # never in the URL


def test_the_environment_wins(plain_shell, monkeypatch):
    monkeypatch.setenv("CARELINE_ACTION_ENDPOINT", "http://actions.internal:8000/webhook")
    monkeypatch.setenv("CARELINE_ACTION_SECRET", "from-the-environment")
    endpoint = resolved(_file_endpoint(), Settings())
    assert endpoint.url == "http://actions.internal:8000/webhook"
    assert endpoint.headers == {"Authorization": "Bearer from-the-environment"}
    assert not (plain_shell / "secrets").exists()


def test_what_a_file_says_wins_over_the_defaults(plain_shell):
    written = EndpointConfig(url="http://elsewhere:5055/webhook",
                             headers={"authorization": "Bearer written"})
    endpoint = resolved(written, Settings())
    assert endpoint.url == "http://elsewhere:5055/webhook"
    assert endpoint.headers == {"authorization": "Bearer written"}


def test_no_action_endpoint_stays_none(plain_shell):
    assert resolved(None, Settings()) is None


def test_every_agent_made_after_install_calls_the_resolved_endpoint(plain_shell):
    """Fails if Rasa's Agent stops taking ``action_endpoint`` as the hook expects."""
    install_all()
    install_all()  # idempotent
    agent = Agent(action_endpoint=_file_endpoint())
    settings = get_settings()
    assert agent.action_endpoint.url == settings.resolved_action_endpoint
    assert agent.action_endpoint.headers == {
        "Authorization": f"Bearer {action_secret(settings)}"}
    assert agent.action_endpoint.kwargs["enable_selective_domain"] is True
    assert Agent().action_endpoint is None


def test_production_refuses_to_start_without_the_secret(plain_shell, monkeypatch):
    """No generated secret in production: the settings refuse first (careline/settings.py)."""
    monkeypatch.setenv("CARELINE_PROFILE", "production")
    with pytest.raises(ValueError, match="CARELINE_ACTION_SECRET"):
        Settings()
