from pathlib import Path

from careline.designer.checks import CheckOptions, run_checks
from careline.designer.project import load_project
from tests.careline.designer.conftest import BILL, GREETINGS, nlu_block


def findings(root: Path, check: str | None = None):
    found = run_checks(load_project(root), CheckOptions(min_examples_per_intent=25))
    return [f for f in found if check is None or f.check == check]


def test_a_healthy_project_has_no_findings(make_project):
    assert findings(make_project()) == []


def test_too_few_examples_names_the_intent_file_and_how_many_to_add(make_project):
    root = make_project({"data/nlu/general.yml": 'version: "3.1"\nnlu:\n'
                         + nlu_block("greet", GREETINGS[:20]) + nlu_block("ask_balance", BILL)})
    [finding] = findings(root, "examples")
    assert finding.file == "data/nlu/general.yml"
    assert finding.subject == "intent 'greet'"
    assert "20 distinct examples" in finding.problem
    assert "add 5 more" in finding.fix


def test_near_duplicates_do_not_count_as_variety(make_project):
    copies = [f"what is my balance{'!' * i}" for i in range(10)] + BILL[:20]
    root = make_project({"data/nlu/general.yml": 'version: "3.1"\nnlu:\n'
                         + nlu_block("greet", GREETINGS) + nlu_block("ask_balance", copies)})
    problems = {f.check: f for f in findings(root) if f.subject == "intent 'ask_balance'"}
    assert "20 distinct examples (30 written)" in problems["examples"].problem
    assert "10 of its 30 examples are near-duplicates" in problems["variety"].problem


def test_intent_declared_without_examples(make_project):
    root = make_project({"domain/extra.yml": 'version: "3.1"\nintents: [ask_roaming, '
                         'EXTERNAL_outage_notice]\n'})
    [finding] = findings(root, "examples")
    assert finding.file == "domain/extra.yml"
    assert finding.subject == "intent 'ask_roaming'"
    assert "no training examples" in finding.problem


def test_the_same_example_under_two_intents(make_project):
    root = make_project({"data/nlu/more.yml": 'version: "3.1"\nnlu:\n'
                         + nlu_block("ask_balance", ["Hi bot!"])})
    [finding] = findings(root, "duplicates")
    assert finding.subject == "example 'hi bot'"
    assert "ask_balance, greet" in finding.problem
    assert finding.file == "data/nlu/general.yml, data/nlu/more.yml"


MORE_BALANCE = 'version: "3.1"\nnlu:\n' + nlu_block("ask_balance", ["what's left to pay on my bill"])


def test_an_intent_split_over_two_files_is_an_error(make_project):
    [finding] = findings(make_project({"data/nlu/billing/more.yml": MORE_BALANCE}), "one-file")
    assert finding.subject == "intent 'ask_balance'"
    assert finding.file == "data/nlu/billing/more.yml, data/nlu/general.yml"
    assert finding.severity == "error"


def test_reviewed_corrections_may_add_to_an_intent_of_another_file(make_project):
    root = make_project({"data/nlu/reviewed/ask_balance.yml": MORE_BALANCE})
    assert findings(root, "one-file") == []


def test_unused_response_is_reported_but_one_sent_by_an_action_is_not(make_project):
    root = make_project({
        "domain/extra.yml": 'version: "3.1"\nresponses:\n  utter_orphan:\n    - text: x\n'
                            '  utter_from_code:\n    - text: y\n',
        "actions/billing.py": 'dispatcher.utter_message(response="utter_from_code")\n',
    })
    [finding] = findings(root, "responses")
    assert finding.subject == "response 'utter_orphan'"
    assert finding.file == "domain/extra.yml"


def test_form_questions_count_as_used(make_project):
    root = make_project({"domain/extra.yml": 'version: "3.1"\nforms:\n  pin_form:\n'
                         '    required_slots: [pin]\nresponses:\n  utter_ask_pin:\n    - text: pin?\n'})
    assert findings(root, "responses") == []


def test_a_flow_without_a_test_story(make_project):
    root = make_project({"tests/stories/test_general.yml": """\
        version: "3.1"
        stories:
          - story: only a greeting
            steps:
              - user: hi
                intent: greet
              - action: utter_greet
        """})
    [finding] = findings(root, "coverage")
    assert finding.subject == "rule 'balance'"
    assert finding.file == "data/rules/general.yml"
    assert "intent ask_balance → utter_balance" in finding.fix


def test_a_test_story_covers_a_flow_only_in_the_right_order(make_project):
    root = make_project({"data/stories/both.yml": """\
        version: "3.1"
        stories:
          - story: balance first
            steps:
              - intent: ask_balance
              - action: utter_balance
              - or:
                - intent: greet
                - intent: ask_balance
              - action: utter_greet
        """})
    [finding] = findings(root, "coverage")
    assert finding.subject == "story 'balance first'"


def test_findings_render_file_subject_and_fix(make_project):
    root = make_project({"domain/extra.yml": 'version: "3.1"\nintents: [ask_roaming]\n'})
    text = findings(root)[0].render()
    assert text.startswith("ERROR domain/extra.yml: intent 'ask_roaming':")
    assert "\n    → add at least 25 examples" in text
