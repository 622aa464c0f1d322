"""docs/deploy.md says what exists: its settings table is Settings, its paths, commands
and make targets are real, and it lists every variable Compose reads."""

from __future__ import annotations

import re
import shlex

import pytest

from careline.cli.main import build_parser
from careline.settings import PROJECT_ROOT, Settings

DOC = PROJECT_ROOT / "docs" / "deploy.md"
#: Repository paths a doc names in code spans (files and folders at the top or below).
PATH = re.compile(r"^((?:careline|deploy|docs|tests|scripts)/[\w./-]*|"
                  r"[\w-]+\.(?:yaml|yml|txt|md|toml)|Dockerfile|Makefile|\.env\.example)$")


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text()


def section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def code_spans(text: str) -> list[str]:
    fenced = re.findall(r"```\w*\n(.*?)```", text, re.S)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```\w*\n.*?```", "", text, flags=re.S))
    return [line for block in fenced for line in block.splitlines()] + inline


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


def test_every_path_named_exists(doc: str) -> None:
    named = {match.group(1) for span in code_spans(doc) if (match := PATH.match(span))}
    assert "compose.yaml" in named and "deploy/nginx/nginx.conf" in named, named
    for path in named:
        assert (PROJECT_ROOT / path).exists(), path
    links = re.findall(r"\]\(([\w./-]+\.md)", doc)
    assert links
    for link in links:
        assert (DOC.parent / link).resolve().exists(), link


def careline_commands(text: str) -> list[list[str]]:
    """Every `careline …` command line in the doc's code, as arguments after `careline`."""
    commands = []
    for span in code_spans(text):
        match = re.search(r"(?:^|[\s/])careline ([a-z][a-z-]*(?=\s|$)[^#&|]*)", span)
        if match and not re.match(r"(?:[\w.-]+/)*careline/", span):
            words = shlex.split(match.group(1).replace("…", ""))
            commands.append(words)
    return commands


def subcommands(words: list[str]) -> list[str]:
    """The leading words of ``words`` that are (nested) careline subcommands."""
    import argparse

    parser, found = build_parser(), []
    for word in words:
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not actions or word not in actions[0].choices:
            break
        parser = actions[0].choices[word]
        found.append(word)
    return found


def test_every_careline_command_named_exists(doc: str) -> None:
    """A command with options parses whole; a mention (`careline report`) names real
    subcommands."""
    commands = careline_commands(doc)
    assert len(commands) >= 8
    for words in commands:
        assert subcommands(words), f"`careline {' '.join(words)}`: no such command"
        if any(word.startswith("--") for word in words):
            try:
                args = build_parser().parse_args(words)
            except SystemExit:
                raise AssertionError(f"`careline {' '.join(words)}` does not parse") from None
            assert getattr(args, "handler", None), words


def test_every_make_target_named_exists(doc: str) -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([\w-]+):", makefile, re.M))
    named = {t for span in code_spans(doc) for t in re.findall(r"\bmake ([\w-]+)", span)}
    assert named and named <= targets, named - targets
