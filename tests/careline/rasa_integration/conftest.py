"""Fixtures for Careline's Rasa hooks and stores: a private key prefix on the local Redis,
the domain, and a MessageProcessor with no model."""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest
import redis
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain

from careline.rasa_integration.patches import install_all
from careline.settings import PROJECT_ROOT

LOCAL_REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the shared Redis; its keys are deleted after."""
    prefix = f"test-lock-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(LOCAL_REDIS)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="session")
def domain() -> Domain:
    """The project's domain, as Rasa loads it."""
    return Domain.load(str(PROJECT_ROOT / "domain"))


@pytest.fixture
def processor(domain: Domain) -> MessageProcessor:
    """Rasa's MessageProcessor, patched, with no model and no action endpoint: enough for
    slot extraction and the session update (in-process actions only); anything that needs
    a prediction or a remote action call fails the test."""
    install_all()
    bare = MessageProcessor.__new__(MessageProcessor)
    bare.domain = domain
    bare.action_endpoint = None
    bare.nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return bare
