import base64
import hashlib

import pytest
from sqlalchemy import select

from careline.db.session import session_scope
from careline.desk.agents import AgentExists, AgentService
from careline.desk.models import Agent
from careline.desk.passwords import hash_password, needs_rehash, verify_password


def test_passwords_are_salted_hashes_checked_in_constant_time():
    stored = hash_password("correct horse")
    assert "correct horse" not in stored and stored.startswith("$argon2id$")
    assert "m=65536" in stored and not needs_rehash(stored)
    assert hash_password("correct horse") != stored
    assert verify_password("correct horse", stored)
    assert not verify_password("correct hors", stored)
    assert not verify_password("x", "md5$abc")


def test_short_passwords_are_refused():
    with pytest.raises(ValueError):
        hash_password("short")


def test_sign_in_gives_a_session_that_sign_out_ends(engine):
    agents = AgentService(engine)
    agents.create_agent(username="ana", password="correct horse", display_name="Ana")
    with pytest.raises(AgentExists):
        agents.create_agent(username="ana", password="whatever123", display_name="Ana 2")
    assert agents.sign_in(username="ana", password="wrong password") is None
    assert agents.sign_in(username="nobody", password="correct horse") is None
    token, signed_in = agents.sign_in(username="ana", password="correct horse")
    assert agents.session_for(token=token) == signed_in
    assert agents.session_for(token=token + "x") is None
    agents.sign_out(token=token)
    assert agents.session_for(token=token) is None


def test_ensure_agent_is_the_idempotent_seed_step(engine):
    agents = AgentService(engine)
    first = agents.ensure_agent(username="agent", password="demo-pass-1", display_name="Demo")
    again = agents.ensure_agent(username="agent", password="demo-pass-2", display_name="Demo")
    assert first.agent_id == again.agent_id
    assert agents.sign_in(username="agent", password="demo-pass-2") is not None
    assert agents.sign_in(username="agent", password="demo-pass-1") is None


def _legacy_scrypt(password: str) -> str:
    """A hash as the desk stored them before argon2id (scrypt, n=2^14)."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_an_old_scrypt_hash_still_signs_in_and_becomes_argon2id(engine):
    agents = AgentService(engine)
    agents.create_agent(username="old", password="correct horse", display_name="Old")
    with session_scope(engine) as session:
        session.execute(select(Agent).where(Agent.username == "old")).scalar_one() \
            .password_hash = _legacy_scrypt("correct horse")
    assert agents.sign_in(username="old", password="wrong horse!") is None

    def stored() -> str:
        with session_scope(engine) as session:
            return session.execute(select(Agent.password_hash)
                                   .where(Agent.username == "old")).scalar_one()

    assert stored().startswith("scrypt$"), "a wrong password upgrades nothing"
    assert agents.sign_in(username="old", password="correct horse") is not None
    assert stored().startswith("$argon2id$")
    assert agents.sign_in(username="old", password="correct horse") is not None
