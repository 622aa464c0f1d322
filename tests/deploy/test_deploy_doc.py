"""docs/deploy.md's settings table is Settings, and it lists every variable Compose reads.
(Its paths, commands and make targets are checked with every other doc's, in
tests/docs/test_docs_name_real_things.py.)"""

from __future__ import annotations

import re

import pytest

from careline.settings import PROJECT_ROOT, Settings

DOC = PROJECT_ROOT / "docs" / "deploy.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text()


def section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def settings_variables() -> set[str]:
    return {str(field.field_info.extra["env"]) for field in Settings.__fields__.values()}


def test_the_settings_table_is_exactly_the_settings(doc: str) -> None:
    table = section(doc, "Environment variables")
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    documented = {name for row in rows for name in
                  re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}
    assert documented - settings_variables() == set(), "documented but not a setting"
    assert settings_variables() - documented == set(), "a setting missing from docs/deploy.md"


def test_every_variable_compose_reads_is_documented(doc: str) -> None:
    compose_section = section(doc, "One host: Docker Compose")
    example = (PROJECT_ROOT / ".env.example").read_text().splitlines()
    for name in (line.split("=")[0] for line in example if line and not line.startswith("#")):
        assert f"`{name}`" in compose_section, name
