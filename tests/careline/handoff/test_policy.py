from datetime import time

import pytest
from pydantic import ValidationError

from careline.handoff.policy import HandoffPolicy, load_policy
from careline.handoff.reasons import HandoffReason


def test_packaged_policy_configures_every_trigger():
    policy = load_policy()
    for reason in HandoffReason:
        assert policy.triggers.is_enabled(reason), reason
        assert reason in policy.priority.reason_points, reason
    assert policy.triggers.fallback.consecutive_fallbacks == 2
    assert policy.is_vip("vip") and not policy.is_vip("prepaid") and not policy.is_vip(None)


def test_a_typo_in_the_policy_fails_loudly(tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text("triggers:\n  fallback:\n    consecutive_fallback: 3\n")
    with pytest.raises(ValidationError, match="consecutive_fallback"):
        load_policy(path)


def test_an_impossible_weekday_is_refused():
    with pytest.raises(ValidationError, match="weekday 8"):
        HandoffPolicy.parse_obj({"service_hours": {"days": {8: "09:00-17:00"}}})


def test_midnight_closing_is_written_24_00(tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text("service_hours:\n  days: {7: '00:00-24:00'}\n")
    span = load_policy(path).service_hours.days[7]
    assert span.opens == time(0, 0) and span.closes == time.max


def test_disabling_a_trigger_in_the_file_disables_it(tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text("triggers:\n  cancellation_threat: {enabled: false}\n")
    policy = load_policy(path)
    assert not policy.triggers.is_enabled(HandoffReason.CANCELLATION_THREAT)
    assert policy.triggers.is_enabled(HandoffReason.REQUESTED)
