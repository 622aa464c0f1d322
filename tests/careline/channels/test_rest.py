"""The REST channel's door: who gets through, and when it is off."""

from __future__ import annotations

import uuid

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from careline.channels.rest import CarelineRestInput, refusal, rest_token
from careline.deploy.nginx import REQUEST_ID_HEADER
from careline.settings import Profile, Settings
from tests.e2e.stack import free_port
from tests.production_profile import production_fields

REAL = "a-long-random-rest-token"


def production(**values: str) -> Settings:
    return Settings(**{**production_fields(), "profile": Profile.PRODUCTION, **values})


def test_locally_a_generated_secret_is_kept_in_the_data_dir(tmp_path):
    local = Settings(data_dir=tmp_path, rest_token="")
    token = rest_token(local)
    assert token and len(token) >= 24 and rest_token(local) == token
    assert (tmp_path / "secrets" / "rest-token").read_text().strip() == token
    assert rest_token(Settings(data_dir=tmp_path, rest_token=REAL)) == REAL


@pytest.mark.parametrize("configured", ["", "change-me", "test", "local-dev-token"])
def test_production_turns_the_channel_off_without_a_real_token(tmp_path, configured: str):
    assert rest_token(production(data_dir=str(tmp_path), rest_token=configured)) is None
    assert not (tmp_path / "secrets").exists()
    assert rest_token(production(rest_token=REAL)) == REAL


@pytest.mark.parametrize("authorization, token, expected", [
    (None, None, 403), (f"Bearer {REAL}", None, 403),
    (None, REAL, 401), ("", REAL, 401), ("Bearer wrong", REAL, 401), (REAL, REAL, 401),
    (f"Basic {REAL}", REAL, 401), (f"Bearer {REAL} ", REAL, 401),
    (f"Bearer {REAL}", REAL, None),
])
def test_only_the_bearer_token_opens_the_door(authorization, token, expected):
    refused = refusal(authorization, token)
    assert (refused[0] if refused else None) == expected


async def test_a_turn_s_message_id_is_nginx_s_request_id(tmp_path):
    """nginx keeps a request's X-Request-ID when it passes the request on to another
    replica, so the turn run again there has the first run's message id (and write keys)."""
    seen: list[str] = []

    async def on_new_message(message: UserMessage) -> None:
        seen.append(message.message_id)

    Sanic.test_mode = True
    app = Sanic(f"rest-{uuid.uuid4().hex[:8]}")
    channel = CarelineRestInput(settings=Settings(data_dir=tmp_path, rest_token=REAL))
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/rest")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    try:
        async with aiohttp.ClientSession() as session:
            for request_id in ("f00d", "f00d", None, None):
                headers = {"Authorization": f"Bearer {REAL}",
                           **({REQUEST_ID_HEADER: request_id} if request_id else {})}
                async with session.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                                        json={"sender": "s", "message": "yes"},
                                        headers=headers) as reply:
                    assert reply.status == 200
    finally:
        server.close()
        await server.wait_closed()
    assert seen[:2] == ["rest-f00d", "rest-f00d"]
    assert len(set(seen[2:])) == 2 and not any(m.startswith("rest-") for m in seen[2:])
