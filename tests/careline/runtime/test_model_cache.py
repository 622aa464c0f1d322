import shutil
import subprocess

import pytest

from careline.runtime.model_cache import ensure_model, inputs_digest
from careline.settings import PROJECT_ROOT


def _copy_inputs(tmp_path):
    for name in ("config.yml", "domain", "data"):
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    return tmp_path


def test_digest_is_stable_for_unchanged_inputs(tmp_path):
    root = _copy_inputs(tmp_path)
    assert inputs_digest(root) == inputs_digest(root) == inputs_digest(PROJECT_ROOT)


def test_digest_changes_when_training_data_changes(tmp_path):
    root = _copy_inputs(tmp_path)
    before = inputs_digest(root)
    nlu = next((root / "data").rglob("*.yml"))
    nlu.write_text(nlu.read_text() + "\n# a designer's edit\n")
    assert inputs_digest(root) != before


def test_digest_ignores_files_training_does_not_read(tmp_path):
    root = _copy_inputs(tmp_path)
    before = inputs_digest(root)
    (root / "README.md").write_text("not a training input")
    assert inputs_digest(root) == before


def test_a_training_that_fails_leaves_nothing_in_the_cache(tmp_path, monkeypatch):
    """Rasa writes its archive as it trains: only a finished model may appear in the cache."""
    (tmp_path / "project").mkdir()
    root = _copy_inputs(tmp_path / "project")
    (root / "config.yml").write_text("recipe: default.v1\npipeline: [{name: NoSuchComponent}]\n")
    cache = tmp_path / "cache"
    monkeypatch.setenv("CARELINE_MODEL_CACHE", str(cache))
    with pytest.raises(subprocess.CalledProcessError):
        ensure_model(root)
    assert list(cache.iterdir()) == []
    assert not (root / "models").exists()
