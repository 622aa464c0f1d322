"""Real (tiny) NLU training through the report code; marked slow."""

import pytest

from careline.designer.nlu_report import holdout
from careline.rasa_integration.nlu.sentence_embeddings import bundled_weights

TINY_PIPELINE = """\
recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: DIETClassifier
    epochs: 20
"""


def test_the_bundled_sentence_model_is_found_without_a_configured_path():
    weights = bundled_weights()
    assert (weights / "config.json").exists() and (weights / "vocab.txt").exists()


@pytest.mark.slow
def test_holdout_trains_once_then_reuses_the_cached_model(make_project, tmp_path, monkeypatch):
    monkeypatch.setenv("CARELINE_MODEL_CACHE", str(tmp_path / "cache"))
    root = make_project()
    config = tmp_path / "config.yml"
    config.write_text(TINY_PIPELINE)
    first = holdout(root / "data", config, seed=1, test_fraction=0.2)
    assert first.trained
    assert len(first.scored) == 10
    assert {s.expected for s in first.scored} == {"greet", "ask_balance"}
    assert first.evaluation.labels == ("ask_balance", "greet")
    assert first.evaluation.accuracy >= 0.5
    again = holdout(root / "data", config, seed=1, test_fraction=0.2)
    assert not again.trained
    assert [s.text for s in again.scored] == [s.text for s in first.scored]


def test_parsing_does_not_log_message_texts(capsys):
    import structlog

    from careline.designer.training import quiet_message_logs

    quiet_message_logs()
    structlog.get_logger("rasa.core.processor").debug(
        "processor.message.parse", parse_data_text="a private customer message")
    captured = capsys.readouterr()
    assert "a private customer message" not in captured.out + captured.err
