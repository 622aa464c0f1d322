"""Payment-arrangement and recommendation policy comes from the environment, validated."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from careline.settings import Settings


def test_policy_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CARELINE_ARRANGEMENT_MAX_INSTALMENTS", "3")
    monkeypatch.setenv("CARELINE_ARRANGEMENT_MAX_DEFERRAL_DAYS", "14")
    monkeypatch.setenv("CARELINE_ARRANGEMENT_MIN_INSTALMENT", "12.50")
    monkeypatch.setenv("CARELINE_PLAN_PRICE_TOLERANCE", "7")
    settings = Settings()
    assert settings.arrangement_max_instalments == 3
    assert settings.arrangement_max_deferral_days == 14
    assert settings.arrangement_min_instalment == Decimal("12.50")
    assert settings.plan_price_tolerance == Decimal("7")


@pytest.mark.parametrize("name, value", [
    ("CARELINE_ARRANGEMENT_MAX_INSTALMENTS", "0"),
    ("CARELINE_ARRANGEMENT_MAX_INSTALMENTS", "many"),
    ("CARELINE_ARRANGEMENT_MAX_DEFERRAL_DAYS", "-1"),
    ("CARELINE_ARRANGEMENT_MIN_INSTALMENT", "-5"),
    ("CARELINE_PLAN_PRICE_TOLERANCE", "-0.01"),
])
def test_nonsense_policy_values_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()
