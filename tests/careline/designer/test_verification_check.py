"""The verification check: a request that waits for sign-in has its three rules, and the
answer after sign-in is the answer a verified customer gets."""

from pathlib import Path
from textwrap import dedent
from typing import Optional

from careline.designer.checks import CheckOptions, run_checks
from careline.designer.project import load_project
from careline.designer.verification import verification_gaps

PROJECT_ROOT = Path(__file__).resolve().parents[3]

DOMAIN = """\
    version: "3.1"
    intents: [ask_balance, ask_due_date, verify_identity]
    slots:
      verified:
        type: bool
        mappings: [{type: custom}]
      pending_request:
        type: categorical
        values: [ask_balance]
        mappings: [{type: custom}]
    """
ANSWERED = """\
  - rule: balance for a verified customer
    condition:
      - slot_was_set:
          - verified: true
    steps:
      - intent: ask_balance
      - action: action_check_balance
"""
SENT = """\
  - rule: an account question asked before verification starts verification
    condition:
      - slot_was_set:
          - verified: false
    steps:
      - or:
          - intent: ask_balance
      - action: verification_form
      - active_loop: verification_form
"""
RESUMED = """\
  - rule: balance once verified
    condition:
      - active_loop: verification_form
      - slot_was_set:
          - pending_request: ask_balance
          - verified: true
    steps:
      - action: verification_form
      - active_loop: null
      - slot_was_set:
          - requested_slot: null
      - action: action_check_balance
"""


def project(tmp_path: Path, *, domain: str = DOMAIN, rules: Optional[list[str]] = None) -> Path:
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "identity.yml").write_text(dedent(domain))
    (tmp_path / "data" / "rules").mkdir(parents=True)
    chosen = [ANSWERED, SENT, RESUMED] if rules is None else rules
    (tmp_path / "data" / "rules" / "identity.yml").write_text(
        'version: "3.1"\nrules:\n' + "".join(chosen))
    return tmp_path


def gaps(root: Path) -> list[tuple[str, str, str]]:
    return [(gap.file, gap.subject, gap.problem) for gap in verification_gaps(load_project(root))]


def test_careline_itself_has_every_protected_request_covered():
    assert gaps(PROJECT_ROOT) == []
    slot = load_project(PROJECT_ROOT).categorical_slots["pending_request"]
    assert {"ask_balance", "change_plan", "check_outage"} <= set(slot.values)


def test_a_request_with_its_three_rules_has_no_gap(tmp_path):
    assert gaps(project(tmp_path)) == []


def test_each_missing_rule_is_named(tmp_path):
    root = project(tmp_path, rules=[SENT])
    problems = [problem for _, subject, problem in gaps(root)]
    assert problems == ["has no rule answering it for a verified customer",
                        "has no rule answering it once the customer is verified"]
    assert {subject for _, subject, _ in gaps(root)} == {"intent 'ask_balance'"}


def test_a_request_never_sent_to_verification_is_reported(tmp_path):
    [(file, _, problem)] = gaps(project(tmp_path, rules=[ANSWERED, RESUMED]))
    assert file == "domain/identity.yml"
    assert problem == "has no rule sending it to verification_form before sign-in"


def test_a_different_answer_after_sign_in_is_reported_in_the_resuming_rule(tmp_path):
    other = RESUMED.replace("- action: action_check_balance", "- action: action_explain_bill")
    [(file, _, problem)] = gaps(project(tmp_path, rules=[ANSWERED, SENT, other]))
    assert file == "data/rules/identity.yml"
    assert "answered with action_check_balance for a verified customer but with " \
           "action_explain_bill after sign-in" in problem


def test_an_intent_sent_to_verification_must_be_a_pending_request(tmp_path):
    root = project(tmp_path)
    rules = root / "data" / "rules" / "identity.yml"
    rules.write_text(rules.read_text().replace(
        "          - intent: ask_balance\n      - action: verification_form",
        "          - intent: ask_balance\n          - intent: ask_due_date\n"
        "      - action: verification_form", 1))
    [(file, subject, problem)] = gaps(root)
    assert (file, subject) == ("data/rules/identity.yml", "intent 'ask_due_date'")
    assert "not a value of the slot 'pending_request'" in problem


def test_a_pending_request_that_is_no_intent_is_reported(tmp_path):
    root = project(tmp_path, domain=DOMAIN.replace("values: [ask_balance]",
                                                   "values: [ask_balance, ask_balanse]"))
    assert gaps(root) == [("domain/identity.yml", "intent 'ask_balanse'",
                           "is a value of 'pending_request' but no intent of the domain")]


def test_careline_validate_reports_the_gaps_as_errors(tmp_path):
    found = [f for f in run_checks(load_project(project(tmp_path, rules=[SENT])), CheckOptions())
             if f.check == "verification"]
    assert [f.severity for f in found] == ["error", "error"]
