"""Careline's own project checks, on top of ``rasa data validate``.

Each check returns :class:`Finding` objects worded for a conversation designer:
which file, which intent/response/flow, what is wrong and what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from careline.rasa_integration.nlu.message_kind_classifier import UNTRAINED_INTENTS
from careline.designer.project import Flow, Project, Step
from careline.designer.reviewed import REVIEWED_DIR, evaluated_texts
from careline.designer.shared_eval import read_coarse_labels
from careline.designer.similarity import distinct_groups, normalise
from careline.designer.verification import verification_gaps

#: Responses Rasa's built-in actions send without any rule or story naming them.
BUILTIN_RESPONSES = frozenset({"utter_default", "utter_ask_rephrase", "utter_restart", "utter_back"})
#: Rasa's convention for intents only ever sent by the system (``trigger_intent``), never typed.
EXTERNAL_PREFIX = "EXTERNAL_"


@dataclass(frozen=True)
class Finding:
    """One problem in the project, as a designer should read it."""

    check: str
    severity: str  # "error" fails validation, "warning" is advice
    file: str
    subject: str
    problem: str
    fix: str

    def render(self) -> str:
        return f"{self.severity.upper()} {self.file}: {self.subject}: {self.problem}\n    → {self.fix}"


@dataclass(frozen=True)
class CheckOptions:
    min_examples_per_intent: int = 25
    max_near_duplicate_share: float = 0.2


def check_example_counts(project: Project, options: CheckOptions) -> Iterator[Finding]:
    """Every intent needs enough examples that are really different from each other."""
    grouped = project.examples_by_intent()
    for item in project.intents:
        if (item.name not in grouped and not item.name.startswith(EXTERNAL_PREFIX)
                and item.name not in UNTRAINED_INTENTS):
            yield Finding("examples", "error", item.file, f"intent '{item.name}'",
                          "is declared in the domain but has no training examples",
                          f"add at least {options.min_examples_per_intent} examples under "
                          f"'- intent: {item.name}' in a file in data/nlu/, or remove the intent")
    for intent, examples in sorted(grouped.items()):
        groups = distinct_groups([e.text for e in examples])
        file = examples[0].file
        if len(groups) < options.min_examples_per_intent:
            missing = options.min_examples_per_intent - len(groups)
            yield Finding("examples", "error", file, f"intent '{intent}'",
                          f"has {len(groups)} distinct examples ({len(examples)} written); "
                          f"it needs at least {options.min_examples_per_intent}",
                          f"add {missing} more examples that use different words and sentence "
                          "shapes (short, long, typos, slang), not copies with a word changed")
        repeated = [g for g in groups if len(g) > 1]
        extra = sum(len(g) - 1 for g in repeated)
        if examples and extra / len(examples) > options.max_near_duplicate_share:
            sample = "; ".join(" ≈ ".join(f"'{t}'" for t in g[:2]) for g in repeated[:3])
            yield Finding("variety", "error", file, f"intent '{intent}'",
                          f"{extra} of its {len(examples)} examples are near-duplicates of "
                          f"others (e.g. {sample})",
                          "rewrite them so each one teaches the model a new way of saying it")


def check_cross_intent_duplicates(project: Project, options: CheckOptions) -> Iterator[Finding]:
    """The same text under two intents teaches the model two answers for one message."""
    seen: dict[str, set[tuple[str, str]]] = {}
    for example in project.examples:
        seen.setdefault(normalise(example.text), set()).add((example.intent, example.file))
    for text, owners in sorted(seen.items()):
        intents = sorted({intent for intent, _ in owners})
        if len(intents) > 1:
            files = ", ".join(sorted({file for _, file in owners}))
            yield Finding("duplicates", "error", files, f"example '{text}'",
                          f"is an example of {len(intents)} intents: {', '.join(intents)}",
                          "keep it under the one intent it really means and delete the others")


def check_one_file_per_intent(project: Project, options: CheckOptions) -> Iterator[Finding]:
    """A designer looking for an intent's examples finds all of them in one file; the review
    inbox's corrections (``data/nlu/reviewed/``) are the one exception, kept apart to be read.
    """
    reviewed = f"{REVIEWED_DIR.as_posix()}/"
    files: dict[str, set[str]] = {}
    for example in project.examples:
        if not example.file.startswith(reviewed):
            files.setdefault(example.intent, set()).add(example.file)
    for intent, owners in sorted(files.items()):
        if len(owners) > 1:
            listed = ", ".join(sorted(owners))
            yield Finding("one-file", "error", listed, f"intent '{intent}'",
                          f"has examples in {len(owners)} files",
                          f"move them all into one file, e.g. data/nlu/<feature>/{intent}.yml")


def check_not_evaluated(project: Project, options: CheckOptions) -> Iterator[Finding]:
    """A training example that is also an evaluation message makes the score on it
    measure memory, not understanding: held-out and shared-eval messages anywhere in data/
    (the review inbox refuses them when saving, too). That includes a bare "hi" or "thanks":
    the model reads them from examples of our own.
    """
    evaluated = evaluated_texts(project.root)
    for example in project.examples:
        if normalise(example.text) in evaluated:
            yield Finding("evaluation", "error", example.file, f"example '{example.text}'",
                          "is also a message of the shared evaluation set or tests/nlu_heldout/",
                          "delete it from the training data; write examples in your own words")


def check_responses_used(project: Project, options: CheckOptions) -> Iterator[Finding]:
    """A response nobody sends is dead text, or a rule someone forgot to write."""
    used = set(BUILTIN_RESPONSES)
    for flow in project.flows:
        for step in flow.steps:
            if step.kind == "action":
                used |= step.names
    for form, slots in project.forms.items():
        for slot in slots:
            used |= {f"utter_ask_{slot}", f"utter_ask_{form}_{slot}"}
    sources = "\n".join(project.action_sources.values())
    for item in project.responses:
        if item.name in used or f'"{item.name}"' in sources or f"'{item.name}'" in sources:
            continue
        yield Finding("responses", "error", item.file, f"response '{item.name}'",
                      "is not used by any rule, story, form or custom action",
                      f"add '- action: {item.name}' to a rule or story in data/, send it from "
                      "an action in actions/, or delete it")


def check_flows_tested(project: Project, options: CheckOptions) -> Iterator[Finding]:
    """Every rule and story needs a test story that walks through its steps in order."""
    for flow in project.flows:
        if not flow.steps or any(_walks_through(test, flow) for test in project.tests):
            continue
        path = " → ".join(_describe(step) for step in flow.steps)
        yield Finding("coverage", "error", flow.file, f"{flow.kind} '{flow.name}'",
                      "has no test story that goes through its steps",
                      f"add a story to tests/stories/ with a customer message for each intent, "
                      f"in this order: {path}")


def check_coarse_labels(project: Project, options: CheckOptions) -> Iterator[Finding]:
    """Each intent a customer can say has its coarse label in ``coarse_labels.yml``, and each
    label names an intent: ``careline eval-nlu`` would otherwise score an unlabelled intent's
    messages as wrong, long after the intent was added."""
    path = project.root / "coarse_labels.yml"
    if not path.exists():
        return
    labels = read_coarse_labels(path)
    declared = {item.name for item in project.intents}
    for item in project.intents:
        if item.name not in labels and not item.name.startswith(EXTERNAL_PREFIX):
            yield Finding("coarse-labels", "error", "coarse_labels.yml", f"intent '{item.name}'",
                          f"is declared in {item.file} but has no coarse label",
                          f"add '{item.name}: <label>' with one of the 12 labels of the "
                          "shared evaluation set")
    for intent in sorted(set(labels) - declared):
        yield Finding("coarse-labels", "error", "coarse_labels.yml", f"intent '{intent}'",
                      "has a coarse label but is no intent of the domain",
                      "delete the line, or rename it to the intent's new name")


def check_verification_covered(project: Project, options: CheckOptions) -> Iterator[Finding]:
    """Every account question asked before sign-in is answered after it (verification.py)."""
    for gap in verification_gaps(project):
        yield Finding("verification", "error", gap.file, gap.subject, gap.problem, gap.fix)


def _walks_through(test: Flow, flow: Flow) -> bool:
    """True when the test's steps contain the flow's steps in the same order."""
    position = 0
    for step in test.steps:
        wanted = flow.steps[position]
        if step.kind == wanted.kind and step.names & wanted.names:
            position += 1
            if position == len(flow.steps):
                return True
    return False


def _describe(step: Step) -> str:
    names = " or ".join(sorted(step.names))
    return f"intent {names}" if step.kind == "intent" else names


CHECKS: tuple[Callable[[Project, CheckOptions], Iterator[Finding]], ...] = (
    check_example_counts,
    check_cross_intent_duplicates,
    check_one_file_per_intent,
    check_not_evaluated,
    check_responses_used,
    check_flows_tested,
    check_verification_covered,
    check_coarse_labels,
)


def run_checks(project: Project, options: CheckOptions = CheckOptions()) -> list[Finding]:
    """Every Careline check on ``project``, errors first."""
    findings = [finding for check in CHECKS for finding in check(project, options)]
    return sorted(findings, key=lambda f: (f.severity != "error", f.file, f.check, f.subject))
