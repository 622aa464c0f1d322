"""The verification check: every account question asked before sign-in is answered after it.

The intents answered only for a verified customer are the values of the ``pending_request``
slot, which ``verification_form`` sets when it starts (actions/identity.py). Rasa's rules
cannot take an action from a slot's value, so each such intent needs three rules, and a
missing or diverging one fails quietly in a conversation: the question is asked for a code
and then dropped, or answered differently after sign-in than for a customer already
verified. This check finds those before training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

from careline.designer.project import Flow, Project, Step

PENDING_SLOT = "pending_request"
FORM = "verification_form"
VERIFIED = ("verified", True)


@dataclass(frozen=True)
class Gap:
    """One way a protected request can be lost; checks.py words it as an error."""

    file: str
    subject: str
    problem: str
    fix: str


def verification_gaps(project: Project) -> Iterator[Gap]:
    """Each value of ``pending_request`` is an intent with its three rules, and no other
    intent is sent to ``verification_form`` before sign-in."""
    slot = project.categorical_slots.get(PENDING_SLOT)
    rules = [flow for flow in project.flows if flow.kind == "rule"]
    sent = _sent_to_verification(rules)
    protected = slot.values if slot else ()
    for intent, file in sorted(sent.items()):
        if intent not in protected:
            yield Gap(file, f"intent '{intent}'",
                      f"is sent to {FORM} before sign-in, but is not a value of the slot "
                      f"'{PENDING_SLOT}', so nothing answers it after sign-in",
                      f"add it to the values of '{PENDING_SLOT}' in "
                      f"{slot.file if slot else 'the domain'} and add a rule that answers it "
                      "once verified")
    if slot is None:
        return
    declared = {item.name for item in project.intents}
    for intent in protected:
        if intent not in declared:
            yield Gap(slot.file, f"intent '{intent}'",
                      f"is a value of '{PENDING_SLOT}' but no intent of the domain",
                      f"remove it from the values of '{PENDING_SLOT}' or declare the intent")
        else:
            yield from _gaps_of(rules, slot.file, intent, sent_first=intent in sent)


def _gaps_of(rules: list[Flow], file: str, intent: str, *, sent_first: bool) -> Iterator[Gap]:
    """The three rules of one protected intent, and that both answers are the same."""
    subject = f"intent '{intent}'"
    answer = _answer_when_verified(rules, intent)
    if answer is None:
        yield Gap(file, subject, "has no rule answering it for a verified customer",
                  "add a rule with the condition 'verified: true' and the steps "
                  f"'- intent: {intent}' then the actions that answer it")
    if not sent_first:
        yield Gap(file, subject, f"has no rule sending it to {FORM} before sign-in",
                  "add it to the 'or' of the rule 'an account question asked before "
                  "verification starts verification' in data/rules/identity.yml")
    resumed = _resumed(rules, intent)
    if resumed is None:
        yield Gap(file, subject, "has no rule answering it once the customer is verified",
                  f"add a rule with the conditions 'active_loop: {FORM}', "
                  f"'{PENDING_SLOT}: {intent}' and 'verified: true' whose steps are "
                  f"'- action: {FORM}', 'active_loop: null' and then its answer")
    elif answer is not None and resumed[1] != answer[1]:
        yield Gap(resumed[0].file, subject,
                  f"is answered with {_describe(answer[1])} for a verified customer but with "
                  f"{_describe(resumed[1])} after sign-in (rule '{resumed[0].name}')",
                  f"answer it with the same actions after '- action: {FORM}'")


def _sent_to_verification(rules: list[Flow]) -> dict[str, str]:
    """Intents a rule for an unverified customer answers with ``verification_form`` (maybe
    after other actions), and the file of the first such rule."""
    sent: dict[str, str] = {}
    for rule in rules:
        if ("verified", False) not in rule.conditions:
            continue
        for index, step in enumerate(rule.steps):
            if step.kind == "intent" and any(
                    later.kind == "action" and FORM in later.names
                    for later in rule.steps[index + 1:]):
                for intent in step.names:
                    sent.setdefault(intent, rule.file)
    return sent


def _answer_when_verified(rules: list[Flow], intent: str
                          ) -> Optional[tuple[Flow, tuple[Step, ...]]]:
    """The actions of the rule answering ``intent`` whose only condition is being verified."""
    for rule in rules:
        if rule.conditions == {VERIFIED} and rule.steps and rule.steps[0].kind == "intent" \
                and intent in rule.steps[0].names:
            return rule, rule.steps[1:]
    return None


def _resumed(rules: list[Flow], intent: str) -> Optional[tuple[Flow, tuple[Step, ...]]]:
    """The actions after ``verification_form`` of the rule resuming ``intent`` once verified."""
    wanted = {("active_loop", FORM), (PENDING_SLOT, intent), VERIFIED}
    for rule in rules:
        if wanted <= rule.conditions and rule.steps and rule.steps[0].kind == "action" \
                and FORM in rule.steps[0].names:
            return rule, rule.steps[1:]
    return None


def _describe(steps: tuple[Step, ...]) -> str:
    return " → ".join(" or ".join(sorted(step.names)) for step in steps) or "nothing"
