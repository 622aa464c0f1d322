"""Render Careline's Helm chart with Helm's own engine, lint it, validate every manifest.

Runs in its own tool environment (.venv/tools/helm, deploy/helm/requirements.txt), not
Careline's: no helm binary and no cluster exist here, so Helm's Go SDK is loaded as a
library (helm-python-sdk, the same template engine and linter ``helm template`` and
``helm lint`` use) and each rendered manifest is checked against the Kubernetes API's
JSON schemas bundled in kubernetes-validate, in strict mode (an unknown or misspelt field
fails), for the oldest and the newest Kubernetes the chart supports. Nothing is fetched.

    .venv/tools/helm/bin/python deploy/helm/check.py deploy/helm/careline -f values.yaml

Prints what it checked and every problem; with ``--json``, one JSON document instead
(what tests/deploy/test_helm_chart.py reads): the Helm version, lint findings, the
rendered resources with their template, and every validation failure. Exit status 0 when
it rendered, linted without errors and every manifest validated; 1 when not; 2 when the
chart did not render at all (the error is printed).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import yaml

#: The chart's kubeVersion floor (Chart.yaml) and the newest schemas bundled.
KUBERNETES_VERSIONS = ("1.25.0", "1.37.0")
LINT_SEVERITIES = {0: "unknown", 1: "info", 2: "warning", 3: "error"}
LINT_ERROR = 3


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chart", type=Path)
    parser.add_argument("-f", "--values", type=Path, action="append", default=[],
                        help="a values file (repeat: later ones win, as with helm)")
    parser.add_argument("--release", default="careline")
    parser.add_argument("--namespace", default="careline")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)

    values = merged_values(args.values)
    try:
        with helm.Chart.load(args.chart) as chart:
            rendered = chart.render(values, name=args.release, namespace=args.namespace,
                                    is_install=True)
    except helm.HelmError as error:
        print(json.dumps({"helm": helm.helm_sdk_version(), "error": str(error)})
              if args.json else f"the chart did not render: {error}")
        return 2
    lint = helm.lint(args.chart, values, strict=True, namespace=args.namespace,
                     kube_version=f"v{KUBERNETES_VERSIONS[0]}")
    resources = [{"template": template, "resource": resource}
                 for template, text in sorted(rendered.items())
                 if template.endswith((".yaml", ".yml"))
                 for resource in yaml.safe_load_all(text) if resource]
    invalid = [failure for item in resources
               for failure in validation_failures(item["template"], item["resource"])]
    findings = lint.get("messages", [])
    report = {"helm": helm.helm_sdk_version(), "lint": findings,
              "lint_errors": lint.get("errors", []), "resources": resources,
              "invalid": invalid, "kubernetes_versions": KUBERNETES_VERSIONS}
    print(json.dumps(report) if args.json else summary(report))
    lint_failed = bool(lint.get("errors")) or any(
        message.get("severity", 0) >= LINT_ERROR for message in findings)
    return 1 if invalid or lint_failed or not resources else 0


def summary(report: dict[str, Any]) -> str:
    """The report for a person: counts, then each problem on its own line."""
    lines = [f"Helm {report['helm']}: rendered {len(report['resources'])} resources; "
             f"validated against Kubernetes {' and '.join(report['kubernetes_versions'])} "
             f"(strict): {len(report['invalid'])} invalid"]
    lines += [f"  lint {LINT_SEVERITIES.get(m.get('severity', 0), '?')}: "
              f"{m.get('path')}: {m.get('error')}" for m in report["lint"]]
    lines += [f"  lint error: {error}" for error in report["lint_errors"]]
    lines += [f"  invalid {f['kind']}/{f['name']} ({f['template']}, Kubernetes "
              f"{f['kubernetes']}): {f['error']}" for f in report["invalid"]]
    return "\n".join(lines)


def merged_values(files: list[Path]) -> dict[str, Any]:
    """Values files merged as ``helm -f a -f b`` does: maps deeply, later files winning."""
    merged: dict[str, Any] = {}
    for path in files:
        merged = deep_merge(merged, yaml.safe_load(path.read_text()) or {})
    return merged


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def validation_failures(template: str, resource: dict[str, Any]) -> list[dict[str, str]]:
    """Why ``resource`` is not valid Kubernetes, per version (empty when it is)."""
    failures = []
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(resource, version, strict=True)
        except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError,
                kubernetes_validate.InvalidSchemaError) as error:
            path = ".".join(str(part) for part in getattr(error, "path", ()))
            failures.append({"template": template, "kind": str(resource.get("kind")),
                             "name": str(resource.get("metadata", {}).get("name")),
                             "kubernetes": version,
                             "error": f"{path}: {getattr(error, 'message', error)}"})
    return failures


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
