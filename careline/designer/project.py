"""A designer's view of the Rasa project: examples, responses, flows and test stories.

The checks need to say *which file* holds a problem, which Rasa's own loaders
forget, so this module reads the YAML files itself and keeps each item's origin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

#: ``[text](entity)``, ``[text]{"entity": ...}`` and ``[text][...]`` annotations.
_ENTITY_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])")
_EXAMPLE_LINE = re.compile(r"^\s*-\s+(.*\S)\s*$")


@dataclass(frozen=True)
class Example:
    """One NLU training example, entity annotations removed."""

    intent: str
    text: str
    file: str


@dataclass(frozen=True)
class Step:
    """One step of a rule or story: a user intent (any of several) or a bot action."""

    kind: str  # "intent" or "action"
    names: frozenset[str]


@dataclass(frozen=True)
class Flow:
    """A rule or a story: what designers call a flow."""

    kind: str  # "rule", "story" or "test"
    name: str
    file: str
    steps: tuple[Step, ...]
    #: A rule's ``condition``: ``("active_loop", form)`` and ``(slot, value)`` pairs.
    conditions: frozenset[tuple[str, object]] = frozenset()

    @property
    def label(self) -> str:
        return f"{self.kind} '{self.name}' ({self.file})"


@dataclass(frozen=True)
class DomainItem:
    """An intent or a response declared in the domain, with the file declaring it."""

    name: str
    file: str


@dataclass(frozen=True)
class CategoricalSlot:
    """A slot whose values are listed in the domain, with the file listing them."""

    name: str
    file: str
    values: tuple[str, ...]


@dataclass
class Project:
    """Everything the designer checks read, loaded once."""

    root: Path
    examples: list[Example] = field(default_factory=list)
    intents: list[DomainItem] = field(default_factory=list)
    entities: list[DomainItem] = field(default_factory=list)
    responses: list[DomainItem] = field(default_factory=list)
    forms: dict[str, list[str]] = field(default_factory=dict)
    categorical_slots: dict[str, CategoricalSlot] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)
    tests: list[Flow] = field(default_factory=list)
    action_sources: dict[str, str] = field(default_factory=dict)

    def examples_by_intent(self) -> dict[str, list[Example]]:
        grouped: dict[str, list[Example]] = {}
        for example in self.examples:
            grouped.setdefault(example.intent, []).append(example)
        return grouped


def strip_annotations(text: str) -> str:
    """The text a customer would type: ``my [3G](plan) plan`` becomes ``my 3G plan``."""
    return _ENTITY_ANNOTATION.sub(r"\1", text).strip()


def load_project(
    root: Path,
    *,
    domain: str = "domain",
    data: str = "data",
    tests: str = "tests/stories",
    actions: str = "actions",
) -> Project:
    """Read domain, training data, test stories and action sources under ``root``."""
    project = Project(root=root)
    for path in _yaml_files(root / domain):
        _read_domain(project, path, _load(path))
    for path in _yaml_files(root / data):
        content = _load(path)
        project.examples.extend(_read_examples(content, _rel(root, path)))
        project.flows.extend(_read_flows(content, _rel(root, path), test=False))
    for path in _yaml_files(root / tests):
        project.tests.extend(_read_flows(_load(path), _rel(root, path), test=True))
    actions_dir = root / actions
    if actions_dir.is_dir():
        for path in sorted(actions_dir.rglob("*.py")):
            project.action_sources[_rel(root, path)] = path.read_text(encoding="utf-8")
    return project


def load_examples(path: Path, *, file: str) -> list[Example]:
    """The NLU examples of one YAML file, annotations removed, each tagged with ``file``."""
    return list(_read_examples(_load(path), file))


def _yaml_files(base: Path) -> list[Path]:
    if base.is_file():
        return [base]
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def _rel(root: Path, path: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _load(path: Path) -> dict[str, Any]:
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return content if isinstance(content, dict) else {}


def _read_domain(project: Project, path: Path, content: dict[str, Any]) -> None:
    file = _rel(project.root, path)
    for intent in content.get("intents") or []:
        name = next(iter(intent)) if isinstance(intent, dict) else str(intent)
        project.intents.append(DomainItem(name, file))
    for entity in content.get("entities") or []:
        name = next(iter(entity)) if isinstance(entity, dict) else str(entity)
        project.entities.append(DomainItem(name, file))
    for name in (content.get("responses") or {}):
        project.responses.append(DomainItem(str(name), file))
    for form, spec in (content.get("forms") or {}).items():
        slots = (spec or {}).get("required_slots") or []
        project.forms[str(form)] = [str(s) for s in slots]
    for slot, spec in (content.get("slots") or {}).items():
        if isinstance(spec, dict) and spec.get("type") == "categorical":
            values = tuple(str(v) for v in spec.get("values") or [])
            project.categorical_slots[str(slot)] = CategoricalSlot(str(slot), file, values)


def _read_examples(content: dict[str, Any], file: str) -> Iterator[Example]:
    for block in content.get("nlu") or []:
        intent = block.get("intent") if isinstance(block, dict) else None
        if not intent:
            continue
        for line in str(block.get("examples") or "").splitlines():
            match = _EXAMPLE_LINE.match(line)
            if match:
                yield Example(str(intent), strip_annotations(match.group(1)), file)


def _read_flows(content: dict[str, Any], file: str, *, test: bool) -> Iterator[Flow]:
    for key, kind in (("rules", "rule"), ("stories", "story")):
        for item in content.get(key) or []:
            name = item.get(kind) or item.get("story") or item.get("rule") or "?"
            steps = tuple(_steps(item.get("steps") or []))
            yield Flow(kind="test" if test else kind, name=str(name), file=file, steps=steps,
                       conditions=frozenset(_conditions(item.get("condition") or [])))


def _conditions(raw: Iterable[Any]) -> Iterator[tuple[str, object]]:
    for item in raw:
        if not isinstance(item, dict):
            continue
        if "active_loop" in item:
            yield "active_loop", item["active_loop"]
        for slots in item.get("slot_was_set") or []:
            if isinstance(slots, dict):
                yield from ((str(slot), _scalar(value)) for slot, value in slots.items())


def _scalar(value: object) -> object:
    """A condition's value as a set can hold it (a list or mapping as its text)."""
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def _steps(raw_steps: Iterable[Any]) -> Iterator[Step]:
    for raw in raw_steps:
        if not isinstance(raw, dict):
            continue
        if "intent" in raw:
            yield Step("intent", frozenset({str(raw["intent"])}))
        elif "or" in raw:
            names = frozenset(str(alt["intent"]) for alt in raw["or"] or [] if "intent" in alt)
            if names:
                yield Step("intent", names)
        elif "action" in raw and raw["action"] != "action_listen":
            yield Step("action", frozenset({str(raw["action"])}))
