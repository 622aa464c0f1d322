"""What the README and the guides name, read from their Markdown.

Commands, paths and modules are taken from code (inline spans and fenced blocks), where a
doc names a thing a reader will type or open; prose is left alone except for file paths
and links, which a reader follows as written.
"""

from __future__ import annotations

import argparse
import functools
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from careline.cli.main import build_parser
from careline.settings import PROJECT_ROOT

#: Top-level folders a doc names repository paths under.
ROOTS = ("actions", "bench", "careline", "data", "deploy", "docs", "domain", "scripts", "tests")
#: A repository path in code: a word under a root folder.
SPAN_PATH = re.compile(rf"^((?:{'|'.join(ROOTS)})/[\w./*-]*)$")
#: A file named alone in an inline span (in a longer span it may be the reader's own
#: file, `-f my-values.yaml`): it exists somewhere, since prose names a feature's
#: `entities.yml` without its folder.
TOP_FILE = re.compile(r"^([\w.-]+\.(?:yml|yaml|txt|toml)|Dockerfile|Makefile|\.env\.example)$")
#: A file path in prose (a folder alone is too often a word like "data/").
PROSE_PATH = re.compile(rf"(?<![\w./-])((?:{'|'.join(ROOTS)})/[\w./-]*\.(?:md|py|yml|yaml|json|sh|txt|conf|html))\b")
COMMAND = re.compile(r"(?<![\w.-])careline ([a-z][a-z-]*(?=\s|$|`)[^#&|;)]*)")
MAKE = re.compile(r"(?:^|[\s(])make (?:-C \S+ )?([a-z][\w-]*)")
MODULE = re.compile(r"(?<![\w./@-])((?:careline|actions|bench)(?:\.[A-Za-z_]\w*)+)(?![\w/-])")
RUN_MODULE = re.compile(r"-m ((?:careline|bench|actions)[\w.]*)(?: ([a-z_]+))?")
VARIABLE = re.compile(r"\b((?:CARELINE|BENCH)_[A-Z0-9_]*[A-Z0-9])\b")


@dataclass(frozen=True)
class Doc:
    path: Path
    text: str

    @property
    def name(self) -> str:
        return str(self.path.relative_to(PROJECT_ROOT))


def docs() -> list[Doc]:
    """README.md and every guide under docs/."""
    paths = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
    return [Doc(path, path.read_text()) for path in paths]


def code(text: str) -> list[str]:
    """Each line of every fenced block, then every inline code span."""
    fence = re.compile(r"^```[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
    blocks = [line for block in fence.findall(text) for line in block.splitlines()]
    return blocks + re.findall(r"`([^`\n]+)`", fence.sub("", text))


def careline_commands(text: str) -> list[list[str]]:
    """Every `careline …` in the doc's code, as the words after `careline`."""
    commands = []
    for span in code(text):
        for match in COMMAND.finditer(span):
            if not _is_the_command(span[:match.start()]):
                continue
            words = match.group(1).replace("…", " ").replace("`", " ")
            try:
                commands.append(shlex.split(words))
            except ValueError:  # an unclosed quote: the words up to it
                commands.append(words.split())
    return commands


def _is_the_command(before: str) -> bool:
    """`careline` is the program run, not another's argument (`ruff check careline`):
    before it only a path, a wrapper, variables or a shell separator."""
    before = re.sub(r"(?:[\w.~-]*/)+$", "", before)
    before = re.sub(r"(?:\b(?:nice -n \d+|time|exec|sudo)\s+)+$", "", before)
    before = re.sub(r"(?:\b[A-Z_][A-Z0-9_]*=\S*\s+)+$", "", before).rstrip()
    return before == "" or before.endswith(("&&", ";", "|", "(", "$"))


def subcommand_path(words: list[str]) -> tuple[list[str], str | None]:
    """The leading words that are (nested) subcommands, and the first word that should
    have been one but is not (None when every word a parser expects names one)."""
    found, not_a_command, _ = _resolve(words)
    return found, not_a_command


def unknown_options(words: list[str]) -> list[str]:
    """The `--options` among ``words`` that the command they follow does not take
    (`--since/--until` names two)."""
    _, _, parser = _resolve(words)
    known = {option for action in parser._actions for option in action.option_strings}
    named = {option.split("=")[0] for word in words if "--" in word
             for option in re.findall(r"--[a-z][a-z0-9-]*", word)}
    return sorted(named - known)


@functools.lru_cache(maxsize=1)
def _parser() -> argparse.ArgumentParser:
    return build_parser()


def _resolve(words: list[str]) -> tuple[list[str], str | None, argparse.ArgumentParser]:
    parser, found = _parser(), []
    for word in words:
        if not re.fullmatch(r"[a-z][a-z0-9-]*", word):  # an option, a placeholder
            break
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not actions:
            break
        if word not in actions[0].choices:
            takes_positionals = any(not a.option_strings and a is not actions[0]
                                    for a in parser._actions)
            return found, None if takes_positionals else word, parser
        parser = actions[0].choices[word]
        found.append(word)
    return found, None, parser


def make_targets() -> set[str]:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    return {target for line in re.findall(r"^([\w .-]+?)\s*:(?!=)", makefile, re.MULTILINE)
            for target in line.split()}


def make_mentions(text: str) -> set[str]:
    return {target for span in code(text) for target in MAKE.findall(span)}


def named_paths(doc: Doc) -> set[str]:
    """Repository paths in code spans and file paths in prose, as written."""
    spans = {word.rstrip(".,:;)") for span in code(doc.text) for word in span.split()}
    in_code = {path for word in spans if (match := SPAN_PATH.match(word))
               for path in [match.group(1)] if not re.search(r"[<>{}…]", path)}
    top = {span for span in re.findall(r"`([^`\n]+)`", doc.text) if TOP_FILE.match(span)}
    prose = {match.rstrip(".") for match in PROSE_PATH.findall(doc.text)}
    return in_code | top | prose


def path_exists(path: str) -> bool:
    path = re.sub(r"::.*$|:\d+$", "", path)
    if TOP_FILE.match(path) and "/" not in path:
        return (PROJECT_ROOT / path).exists() or any(
            any((PROJECT_ROOT / root).glob(f"**/{path}")) for root in ROOTS)
    if "*" in path:
        return any(PROJECT_ROOT.glob(path))
    return (PROJECT_ROOT / path).exists()


def links(doc: Doc) -> list[str]:
    """Relative link targets (files, anchors), without web addresses."""
    targets = re.findall(r"\]\(([^)\s]+)\)", doc.text)
    return [t for t in targets if not re.match(r"[a-z]+:", t)]


def link_leads_somewhere(doc: Doc, link: str) -> bool:
    """The linked file exists and, for a Markdown file, has the linked heading."""
    target, _, anchor = link.partition("#")
    file = (doc.path.parent / target).resolve() if target else doc.path
    if not file.exists():
        return False
    return not anchor or file.suffix != ".md" or anchor in anchors(file.read_text())


def anchors(text: str) -> set[str]:
    """GitHub's anchors for the headings of a Markdown text."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)
    headings = re.findall(r"^#+ (.+)$", text, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.replace("`", "")).strip().lower().replace(" ", "-")
            for heading in headings}


def modules(text: str) -> set[str]:
    """Dotted names of our code (`careline.profile.ProfileService`) in code spans."""
    return {name for span in code(text) for name in MODULE.findall(span)}


def module_resolves(name: str) -> bool:
    """The dotted name's modules exist, and the first name after them is defined or
    imported in the last one."""
    parts, here = name.split("."), PROJECT_ROOT
    for index, part in enumerate(parts):
        if (here / part).is_dir():
            here = here / part
            continue
        if (here / f"{part}.py").exists():
            here = here / f"{part}.py"
            rest = parts[index + 1:]
            return not rest or re.search(rf"\b{re.escape(rest[0])}\b", here.read_text()) is not None
        init = here / "__init__.py"
        return here.is_dir() and init.exists() and re.search(rf"\b{part}\b", init.read_text()) is not None
    return True


def run_modules(text: str) -> set[tuple[str, str | None]]:
    """`python -m careline.x` and `python -m bench NAME` in code."""
    return {match for span in code(text) for match in RUN_MODULE.findall(span)}


def variables(text: str) -> set[str]:
    return {name for span in code(text) for name in VARIABLE.findall(span)}


def source_text() -> str:
    """Everything but the docs that could define or read a variable."""
    files = [path for root in ("careline", "actions", "bench", "deploy", "scripts", "tests")
             for path in (PROJECT_ROOT / root).rglob("*")
             if path.is_file() and path.suffix in {".py", ".yml", ".yaml", ".sh", ".conf", ".tpl",
                                                   ".json", ".txt"}]
    files += [PROJECT_ROOT / name for name in ("Makefile", "compose.yaml", "Dockerfile",
                                                ".env.example", "endpoints.yml")]
    return "\n".join(path.read_text(errors="replace") for path in files if path.exists())
