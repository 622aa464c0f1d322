from pathlib import Path

import pytest

from careline.designer.heldout import HELDOUT_DIR, leaked, read_heldout
from careline.designer.metrics import evaluate, label_table
from careline.designer.project import load_project
from careline.designer.shared_eval import read_coarse_labels
from careline.settings import PROJECT_ROOT


def test_reads_examples_with_the_coarse_label_as_intent(tmp_path: Path):
    (tmp_path / "a.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: roaming\n    examples: |\n'
        '      - going to [spain](country) next week\n      - travel pass?\n')
    messages = read_heldout(tmp_path)
    assert [(m.text, m.label, m.source) for m in messages] == [
        ("going to spain next week", "roaming", "a.yml"), ("travel pass?", "roaming", "a.yml")]


def test_an_empty_held_out_directory_is_an_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="no held-out messages"):
        read_heldout(tmp_path)


def test_a_held_out_text_found_in_training_data_is_reported():
    messages = read_heldout(PROJECT_ROOT / HELDOUT_DIR)
    copied = messages[0].text.upper() + "!"
    assert leaked(messages, [copied, "something else"]) == [messages[0].text]


def test_the_committed_held_out_set_is_apart_from_the_training_data():
    messages = read_heldout(PROJECT_ROOT / HELDOUT_DIR)
    training = [e.text for e in load_project(PROJECT_ROOT).examples]
    assert leaked(messages, training) == []


def test_the_committed_held_out_set_uses_only_coarse_labels():
    coarse = set(read_coarse_labels(PROJECT_ROOT / "coarse_labels.yml").values())
    labels = {m.label for m in read_heldout(PROJECT_ROOT / HELDOUT_DIR)}
    assert {"outage_report_or_check", "plan_change_or_upgrade", "roaming"} <= labels <= coarse


def test_label_table_shows_scores_and_never_a_message():
    evaluation = evaluate(["roaming", "greet"], ["roaming", "roaming"],
                          texts=["secret text one", "secret text two"], confidences=[0.9, 0.8])
    table = label_table(evaluation)
    assert "secret" not in table
    assert "roaming" in table and "0.667" in table and "macro-F1" in table
