"""Profile-store fixtures: a ProfileService on each seeded backend, in a rolled-back transaction."""

from __future__ import annotations

from typing import Iterator

import pytest

from careline.profile.service import ProfileService
from careline.settings import Settings
from tests.conftest import SEEDED_AT, TestDatabase, demo_customer_ids


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(data_dir=tmp_path, arrangement_max_instalments=6,
                    arrangement_max_deferral_days=30, arrangement_min_instalment="10.00",
                    plan_price_tolerance="5.00")


@pytest.fixture
def service(seeded_db: TestDatabase, settings: Settings) -> Iterator[ProfileService]:
    with seeded_db.sessions() as sessions:
        yield ProfileService(sessions=sessions, settings=settings, clock=lambda: SEEDED_AT)


@pytest.fixture
def demo(service: ProfileService) -> dict[str, int]:
    """Demo customer ids by first name, found the way a channel would."""
    return demo_customer_ids(service)
