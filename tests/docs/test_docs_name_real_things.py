"""The README and docs/*.md name only things that exist: every `careline` command and
`make` target, every repository path, link and anchor, every module of ours and every
variable. A doc that names a renamed module or a removed command misleads the reader who
types it, so the doc is fixed, not this test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from careline.settings import PROJECT_ROOT
from tests.docs import doc_text
from tests.docs.doc_text import Doc

DOCS = doc_text.docs()


@pytest.fixture(scope="module")
def careline_help() -> str:
    """`careline --help` from the installed entry point, as a reader runs it."""
    entry_point = Path(sys.executable).parent / "careline"
    result = subprocess.run([str(entry_point), "--help"], capture_output=True, text=True,
                            check=True, timeout=60)
    return result.stdout


def test_the_docs_are_read() -> None:
    """The extractors find what the README is known to name, so an empty pass is no pass."""
    readme = next(doc for doc in DOCS if doc.name == "README.md")
    assert ["chat"] in doc_text.careline_commands(readme.text)
    assert {"run", "test", "bench"} <= doc_text.make_mentions(readme.text)
    assert "docs/production.md" in doc_text.named_paths(readme)
    assert len(DOCS) >= 10


def test_what_no_longer_exists_is_caught() -> None:
    """Each check flags a removed command, option, target, path, heading, module and
    variable, as a doc still naming them after a rename would."""
    stale = Doc(PROJECT_ROOT / "docs" / "stale.md", (
        "Run `careline receipts --port 1`, `careline up --workers 2`, `careline desk agent kick`,\n"
        "`make everything`, then read `careline/rasa_stores/lock_store.py`, docs/gone.md,\n"
        "[the lock](production.md#no-such-heading), `careline.rasa_stores.lock_store`,\n"
        "`careline.profile.service.NoSuchService`, `python -m bench nosuch` and `CARELINE_NO_SUCH`.\n"
        "Lint with `.venv/bin/ruff check careline actions`.\n"
    ))
    commands = {" ".join(words): words for words in doc_text.careline_commands(stale.text)}
    assert len(commands) == 3, "`ruff check careline` runs ruff, not careline"
    assert doc_text.subcommand_path(commands["receipts --port 1"]) == ([], "receipts")
    assert doc_text.unknown_options(commands["up --workers 2"]) == ["--workers"]
    assert doc_text.subcommand_path(commands["desk agent kick"]) == (["desk", "agent"], "kick")
    assert doc_text.make_mentions(stale.text) - doc_text.make_targets() == {"everything"}
    missing = {path for path in doc_text.named_paths(stale) if not doc_text.path_exists(path)}
    assert missing == {"careline/rasa_stores/lock_store.py", "docs/gone.md"}
    assert not doc_text.link_leads_somewhere(stale, "production.md#no-such-heading")
    assert doc_text.link_leads_somewhere(stale, "production.md#retried-turns")
    assert {name for name in doc_text.modules(stale.text) if not doc_text.module_resolves(name)} \
        == {"careline.rasa_stores.lock_store", "careline.profile.service.NoSuchService"}
    assert ("bench", "nosuch") in doc_text.run_modules(stale.text)
    assert doc_text.variables(stale.text) == {"CARELINE_NO_SUCH"}


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_careline_command_named_exists(doc: Doc, careline_help: str) -> None:
    wrong = []
    for words in doc_text.careline_commands(doc.text):
        found, not_a_command = doc_text.subcommand_path(words)
        if not found or not_a_command or found[0] not in careline_help:
            wrong.append(f"careline {' '.join(words)}")
        elif unknown := doc_text.unknown_options(words):
            wrong.append(f"careline {' '.join(words)}: no {', '.join(unknown)}")
    assert wrong == [], f"{doc.name} names commands `careline --help` does not have"


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_make_target_named_exists(doc: Doc) -> None:
    missing = doc_text.make_mentions(doc.text) - doc_text.make_targets()
    assert missing == set(), f"{doc.name} names targets the Makefile does not have"


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_path_named_exists(doc: Doc) -> None:
    missing = sorted(path for path in doc_text.named_paths(doc) if not doc_text.path_exists(path))
    assert missing == [], f"{doc.name} names paths that do not exist"


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_link_and_anchor_leads_somewhere(doc: Doc) -> None:
    broken = [link for link in doc_text.links(doc) if not doc_text.link_leads_somewhere(doc, link)]
    assert broken == [], f"{doc.name} links to missing files or headings"


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_module_named_exists(doc: Doc) -> None:
    """`careline.x.y` and `python -m careline.x` / `python -m bench NAME` resolve to our code."""
    missing = sorted(name for name in doc_text.modules(doc.text)
                     if not doc_text.module_resolves(name))
    for module, bench in doc_text.run_modules(doc.text):
        if not doc_text.module_resolves(module):
            missing.append(f"-m {module}")
        if module == "bench" and bench and not (PROJECT_ROOT / "bench" / f"{bench}.py").exists():
            missing.append(f"-m bench {bench}")
    assert missing == [], f"{doc.name} names modules that do not exist"


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_variable_named_is_read_somewhere(doc: Doc, source: str) -> None:
    unknown = sorted(name for name in doc_text.variables(doc.text) if name not in source)
    assert unknown == [], f"{doc.name} names variables no code reads"


@pytest.fixture(scope="module")
def source() -> str:
    return doc_text.source_text()
