"""careline validate: every intent has its coarse label for eval-nlu, and no label is stale."""

from pathlib import Path

from careline.designer.checks import CheckOptions, check_coarse_labels, run_checks
from careline.designer.project import load_project

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def labelled(root: Path, labels: str) -> list[tuple[str, str]]:
    (root / "coarse_labels.yml").write_text(labels)
    found = run_checks(load_project(root), CheckOptions(min_examples_per_intent=25))
    return [(f.subject, f.problem) for f in found if f.check == "coarse-labels"]


def test_careline_labels_every_intent_it_declares():
    assert list(check_coarse_labels(load_project(PROJECT_ROOT), CheckOptions())) == []


def test_an_intent_without_a_label_is_an_error(make_project):
    assert labelled(make_project(), "greet: greet\n") == [
        ("intent 'ask_balance'", "is declared in domain/general.yml but has no coarse label")]


def test_a_label_for_an_intent_that_is_gone_is_an_error(make_project):
    labels = "greet: greet\nask_balance: billing_balance_or_due\nask_balanse: billing\n"
    assert labelled(make_project(), labels) == [
        ("intent 'ask_balanse'", "has a coarse label but is no intent of the domain")]


def test_a_fully_labelled_project_has_no_finding(make_project):
    assert labelled(make_project(), "greet: greet\nask_balance: billing_balance_or_due\n") == []
