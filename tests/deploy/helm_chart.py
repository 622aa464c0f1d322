"""Rendering Careline's Helm chart for the tests: deploy/helm/check.py in the Helm tool venv.

check.py renders the chart with Helm's own engine (helm-python-sdk), lints it and
validates every manifest against the Kubernetes schemas; :func:`rendered_once` keeps
each values file's report for the whole session, since both test modules read them.
"""

from __future__ import annotations

import functools
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from careline.settings import PROJECT_ROOT

CHART = PROJECT_ROOT / "deploy" / "helm" / "careline"
CHECK = PROJECT_ROOT / "deploy" / "helm" / "check.py"
TOOL_PYTHON = PROJECT_ROOT / ".venv" / "tools" / "helm" / "bin" / "python"
MINIMAL = CHART / "ci" / "minimal-values.yaml"
PRODUCTION = CHART / "ci" / "production-values.yaml"
COMPONENTS = {"rasa", "actions", "gateway", "desk", "handoff-worker", "insight-consumer",
              "incidents"}


@dataclass
class Rendered:
    """What check.py reported for one set of values."""

    returncode: int
    report: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def resources(self) -> list[dict[str, Any]]:
        return [item["resource"] for item in self.report.get("resources", [])]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["kind"] == kind]

    def deployments(self) -> dict[str, dict[str, Any]]:
        """Deployments by component label."""
        return {d["metadata"]["labels"]["app.kubernetes.io/component"]: d
                for d in self.of_kind("Deployment")}


def render(*values_files: Path, chart: Path = CHART) -> Rendered:
    if not TOOL_PYTHON.exists():
        pytest.fail(f"{TOOL_PYTHON} is missing: `make helm-tools` builds the Helm tool venv")
    args = [str(TOOL_PYTHON), str(CHECK), str(chart), "--json", "--release", "careline",
            "--namespace", "telco"]
    for path in values_files:
        args += ["-f", str(path)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout, done.stderr
    values: dict[str, Any] = {}
    for path in values_files:
        values.update(yaml.safe_load(path.read_text()) or {})
    return Rendered(done.returncode, json.loads(done.stdout), values)


@functools.cache
def rendered_once(values_file: Path) -> Rendered:
    return render(values_file)


def containers(resource: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from resource["spec"]["template"]["spec"]["containers"]
