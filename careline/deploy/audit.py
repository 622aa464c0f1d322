"""`make audit`: pip-audit over every pinned package, with accepted risks written down.

pip-audit runs from its own tool environment (.venv/tools/audit, requirements-audit.txt):
its dependencies (CacheControl ≥ 0.13, packaging ≥ 23) conflict with pins Rasa 3.6
holds, and CONTRIBUTING forbids moving those. It audits constraints.txt, which pins
the whole tree, without installing anything (``--no-deps --disable-pip``).

Exit status: 1 when a vulnerability outside :data:`ACCEPTED` is found. When the
vulnerability service cannot be reached (every package skipped), the audit did not
happen: that is printed loudly and fails only with ``AUDIT_STRICT=1``, so an offline
CI does not claim a clean bill of health, nor turn red for the network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from careline.settings import PROJECT_ROOT

TOOL = PROJECT_ROOT / ".venv" / "tools" / "audit" / "bin" / "pip-audit"

#: Vulnerability id → why Careline accepts it (mirrored in docs/production.md).
ACCEPTED: dict[str, str] = {}


def run(constraints: Path = PROJECT_ROOT / "constraints.txt") -> int:
    command = [str(TOOL), "-r", str(constraints), "--no-deps", "--disable-pip",
               "--progress-spinner", "off", "-f", "json"]
    for vulnerability in ACCEPTED:
        command += ["--ignore-vuln", vulnerability]
    completed = subprocess.run(command, capture_output=True, text=True)
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        print(completed.stderr, file=sys.stderr)
        print("pip-audit failed to run", file=sys.stderr)
        return 2
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    found = [(d["name"], d["version"], v["id"], v.get("fix_versions", []))
             for d in dependencies for v in d.get("vulns", [])]
    for name, version, vulnerability, fixes in found:
        print(f"VULNERABLE {name}=={version}: {vulnerability} (fixed in {', '.join(fixes) or '—'})")
    audited = len(dependencies) - len(skipped)
    print(f"pip-audit: {audited} of {len(dependencies)} pinned packages audited, "
          f"{len(found)} unaccepted vulnerabilities, {len(ACCEPTED)} accepted")
    if dependencies and not audited:
        print("AUDIT NOT PERFORMED: the vulnerability service (PyPI's JSON API) is "
              "unreachable from here; run `make audit` where it is.", file=sys.stderr)
        return 1 if os.environ.get("AUDIT_STRICT") == "1" else 0
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(run())
