"""The deployment validators from their own tool environment (`make deploy-tools`), and the
Helm chart rendered with each of its CI values files (tests/deploy/helm_chart.py).

hadolint and docker-compose 1.29.2 live in .venv/tools/deploy (requirements-deploy-tools.txt
says why they cannot share .venv); `make pytest` and `make lint-deploy` install it first. A
test run without it fails and says how to get it: a validator that did not run is no pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from careline.settings import PROJECT_ROOT
from tests.deploy.helm_chart import MINIMAL, PRODUCTION, Rendered, rendered_once

DEPLOY_TOOLS = PROJECT_ROOT / ".venv" / "tools" / "deploy" / "bin"


def deploy_tool(name: str) -> Path:
    tool = DEPLOY_TOOLS / name
    if not tool.exists():
        pytest.fail(f"{tool} is missing: run `make deploy-tools` (or `make lint-deploy`)")
    return tool


@pytest.fixture(scope="session")
def hadolint() -> Path:
    return deploy_tool("hadolint")


@pytest.fixture(scope="session")
def docker_compose() -> Path:
    return deploy_tool("docker-compose")


@pytest.fixture
def minimal() -> Rendered:
    return rendered_once(MINIMAL)


@pytest.fixture
def production() -> Rendered:
    return rendered_once(PRODUCTION)
