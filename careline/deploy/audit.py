"""`make audit`: pip-audit over every pinned package, with accepted risks written down.

pip-audit runs from its own tool environment (.venv/tools/audit, requirements-audit.txt):
its dependencies (CacheControl ≥ 0.13, packaging ≥ 23) conflict with pins Rasa 3.6
holds, and CONTRIBUTING forbids moving those. It audits constraints.txt, which pins
the whole tree, without installing anything (``--no-deps --disable-pip``).

Risks are accepted two ways, both mirrored in docs/production.md:

- by advisory id (:data:`ACCEPTED_IDS`), for a finding we have read and judged;
- by exact pin (:data:`ACCEPTED_PINS`), for packages Rasa 3.6.21 holds below their fixes.
  The acceptance names the version, so it lapses by itself the day the pin moves, and
  every finding it covers is still printed with its id.

Exit status: 1 when a vulnerability outside both lists is found. When the vulnerability
service cannot be reached (every package skipped), the audit did not happen: that is
printed loudly and fails only with ``AUDIT_STRICT=1``, so an offline CI does not claim a
clean bill of health, nor turn red for the network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from careline.settings import PROJECT_ROOT

TOOL = PROJECT_ROOT / ".venv" / "tools" / "audit" / "bin" / "pip-audit"

#: Advisory id → why Careline accepts it.
ACCEPTED_IDS: dict[str, str] = {
    "GHSA-8495-4g3g-x7pr": "aiohttp request smuggling in the pure-Python parser only; the "
                           "installed wheel uses the C parser and nginx fronts every replica",
    "GHSA-9548-qrrj-x5pj": "aiohttp trailer-section smuggling in the pure-Python parser only "
                           "(same exposure as GHSA-8495-4g3g-x7pr)",
    "GHSA-27mf-ghqm-j3j8": "aiohttp memory growth on MatchInfoError with middlewares; only the "
                           "agent desk serves aiohttp, behind login and nginx",
}


@dataclass(frozen=True)
class AcceptedPin:
    """A package held at ``version`` by Rasa 3.6.21, with why its findings are tolerable."""

    name: str
    version: str
    reason: str


_RASA_HOLDS = "Rasa 3.6.21 requires"
ACCEPTED_PINS: tuple[AcceptedPin, ...] = (
    AcceptedPin("aiohttp", "3.9.5", f"{_RASA_HOLDS} <3.10; server side only in the desk, "
                "behind nginx; see the ids above"),
    AcceptedPin("sanic", "21.12.2", f"{_RASA_HOLDS} <21.13; Rasa's HTTP API needs a token; the web "
                "chat's few files go through our own handler, not Sanic's static"),
    AcceptedPin("tensorflow", "2.12.0", f"{_RASA_HOLDS} ==2.12.0; models are trained here from "
                "our own data, never loaded from an untrusted source"),
    AcceptedPin("keras", "2.12.0", "TensorFlow 2.12 requires <2.13; same exposure as tensorflow"),
    AcceptedPin("transformers", "4.36.2", f"{_RASA_HOLDS} <4.37; only the bundled MiniLM "
                "weights are loaded, offline"),
    AcceptedPin("protobuf", "4.23.3", f"{_RASA_HOLDS} <4.23.4; parses only messages Rasa and "
                "TensorFlow write themselves"),
    AcceptedPin("pydantic", "1.10.9", f"{_RASA_HOLDS} <1.10.10; email validation is not used "
                "on untrusted input"),
    AcceptedPin("scikit-learn", "1.1.3", f"{_RASA_HOLDS} <1.2; vectorizers hold only our "
                "training vocabulary"),
    AcceptedPin("dnspython", "2.3.0", f"{_RASA_HOLDS} ==2.3.0; no DNS resolution of "
                "attacker-chosen names"),
    AcceptedPin("sentry-sdk", "1.14.0", f"{_RASA_HOLDS} <1.15; Sentry is not configured"),
    AcceptedPin("websockets", "10.4", f"{_RASA_HOLDS} <11"),
    AcceptedPin("matplotlib", "3.5.3", f"{_RASA_HOLDS} <3.6; renders only our own figures"),
    AcceptedPin("jsonpickle", "3.0.4", f"{_RASA_HOLDS} <3.1; decodes only trackers Rasa wrote"),
    AcceptedPin("twilio", "8.2.2", f"{_RASA_HOLDS} <8.3"),
    AcceptedPin("redis", "4.6.0", f"{_RASA_HOLDS} <5.0; talks only to our own Redis"),
    AcceptedPin("SQLAlchemy", "1.4.54", f"{_RASA_HOLDS} <1.5; all SQL is parameterised"),
)


@dataclass(frozen=True)
class Finding:
    name: str
    version: str
    vulnerability: str
    fixes: tuple[str, ...]
    accepted_because: str | None


@dataclass(frozen=True)
class AuditOutcome:
    packages: int
    audited: int
    findings: tuple[Finding, ...]

    @property
    def unaccepted(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.accepted_because is None)


def _acceptance(name: str, version: str, vulnerability: str) -> str | None:
    if vulnerability in ACCEPTED_IDS:
        return ACCEPTED_IDS[vulnerability]
    for pin in ACCEPTED_PINS:
        if pin.name.lower() == name.lower() and pin.version == version:
            return pin.reason
    return None


def classify(report: dict[str, Any]) -> AuditOutcome:
    """Sort pip-audit's JSON report into accepted and unaccepted findings."""
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    findings = tuple(
        Finding(name=d["name"], version=d["version"], vulnerability=v["id"],
                fixes=tuple(v.get("fix_versions", [])),
                accepted_because=_acceptance(d["name"], d["version"], v["id"]))
        for d in dependencies for v in d.get("vulns", []))
    return AuditOutcome(packages=len(dependencies), audited=len(dependencies) - len(skipped),
                        findings=findings)


def run(constraints: Path = PROJECT_ROOT / "constraints.txt") -> int:
    command = [str(TOOL), "-r", str(constraints), "--no-deps", "--disable-pip",
               "--progress-spinner", "off", "-f", "json"]
    completed = subprocess.run(command, capture_output=True, text=True)
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        print(completed.stderr, file=sys.stderr)
        print("pip-audit failed to run", file=sys.stderr)
        return 2
    outcome = classify(report)
    for finding in outcome.findings:
        fixed_in = ", ".join(finding.fixes) or "—"
        label = "ACCEPTED" if finding.accepted_because else "VULNERABLE"
        why = f": {finding.accepted_because}" if finding.accepted_because else ""
        print(f"{label} {finding.name}=={finding.version} {finding.vulnerability} "
              f"(fixed in {fixed_in}){why}")
    print(f"pip-audit: {outcome.audited} of {outcome.packages} pinned packages audited, "
          f"{len(outcome.unaccepted)} unaccepted vulnerabilities, "
          f"{len(outcome.findings) - len(outcome.unaccepted)} accepted")
    if outcome.packages and not outcome.audited:
        print("AUDIT NOT PERFORMED: the vulnerability service (PyPI's JSON API) is "
              "unreachable from here; run `make audit` where it is.", file=sys.stderr)
        return 1 if os.environ.get("AUDIT_STRICT") == "1" else 0
    return 1 if outcome.unaccepted else 0


if __name__ == "__main__":
    sys.exit(run())
