"""The audit's accepted risks: what they cover, and that they lapse when a pin moves."""

from __future__ import annotations

from careline.deploy.audit import ACCEPTED_PINS, classify
from careline.settings import PROJECT_ROOT


def _pins() -> dict[str, str]:
    pins = {}
    for line in (PROJECT_ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.split(";")[0].strip()
    return pins


def _report(*dependencies: dict) -> dict:
    return {"dependencies": list(dependencies)}


def test_every_accepted_pin_is_the_version_we_install() -> None:
    pins = _pins()
    stale = [f"{p.name}=={p.version} (installed {pins.get(p.name.lower())})"
             for p in ACCEPTED_PINS if pins.get(p.name.lower()) != p.version]
    assert not stale, f"accepted risks for versions we no longer pin: {stale}"


def test_a_finding_in_an_accepted_pin_is_accepted_and_still_listed() -> None:
    outcome = classify(_report(
        {"name": "sanic", "version": "21.12.2",
         "vulns": [{"id": "GHSA-test-0001", "fix_versions": ["22.6.0"]}]}))
    assert [f.vulnerability for f in outcome.findings] == ["GHSA-test-0001"]
    assert outcome.unaccepted == ()
    assert "Rasa 3.6.21 requires" in outcome.findings[0].accepted_because


def test_an_acceptance_lapses_when_the_version_moves() -> None:
    outcome = classify(_report(
        {"name": "sanic", "version": "22.6.0",
         "vulns": [{"id": "GHSA-test-0002", "fix_versions": ["23.0.0"]}]}))
    assert [f.vulnerability for f in outcome.unaccepted] == ["GHSA-test-0002"]


def test_an_unlisted_package_fails_and_accepted_ids_pass() -> None:
    outcome = classify(_report(
        {"name": "urllib3", "version": "2.8.0",
         "vulns": [{"id": "GHSA-test-0003", "fix_versions": []}]},
        {"name": "aiohttp", "version": "3.10.0",
         "vulns": [{"id": "GHSA-8495-4g3g-x7pr", "fix_versions": ["3.10.11"]}]},
        {"name": "rasa", "version": "3.6.21", "skip_reason": "service unreachable"}))
    assert [f.name for f in outcome.unaccepted] == ["urllib3"]
    assert (outcome.packages, outcome.audited) == (3, 2)
