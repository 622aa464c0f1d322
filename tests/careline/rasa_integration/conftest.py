"""Fixtures for Careline's Rasa stores: a private key prefix on the local Redis, the domain."""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest
import redis
from rasa.shared.core.domain import Domain

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
