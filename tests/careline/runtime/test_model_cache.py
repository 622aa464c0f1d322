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


def _no_training(*args, **kwargs):
    raise AssertionError(f"trained on the serving host: {args}")


def test_production_serves_the_model_built_for_its_inputs_without_training(
        tmp_path, monkeypatch):
    from careline.runtime.model_cache import serving_model
    from careline.settings import Profile

    (tmp_path / "app").mkdir()
    root = _copy_inputs(tmp_path / "app")
    monkeypatch.setenv("CARELINE_MODEL_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(subprocess, "run", _no_training)
    built = root / "models" / f"careline-{inputs_digest(root)}.tar.gz"
    built.parent.mkdir()
    built.write_bytes(b"model")
    (root / "models" / "careline-0123456789abcdef.tar.gz").write_bytes(b"stale")
    result = serving_model(Profile.PRODUCTION, root)
    assert result.path == built and not result.trained


def test_production_refuses_to_train_when_no_model_matches_its_inputs(tmp_path, monkeypatch):
    from careline.runtime.model_cache import NoTrainedModel, serving_model
    from careline.settings import Profile

    (tmp_path / "app").mkdir()
    root = _copy_inputs(tmp_path / "app")
    monkeypatch.setenv("CARELINE_MODEL_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(subprocess, "run", _no_training)
    (root / "models").mkdir()
    (root / "models" / "careline-0123456789abcdef.tar.gz").write_bytes(b"other inputs")
    with pytest.raises(NoTrainedModel, match="does not train on the serving host.*careline model"):
        serving_model(Profile.PRODUCTION, root)


def test_production_without_training_inputs_serves_the_newest_model(tmp_path, monkeypatch):
    """The image ships models/ but not the training data."""
    import os

    from careline.runtime.model_cache import serving_model
    from careline.settings import Profile

    monkeypatch.setattr(subprocess, "run", _no_training)
    models = tmp_path / "models"
    models.mkdir()
    old = models / "careline-aaaaaaaaaaaaaaaa.tar.gz"
    new = models / "careline-bbbbbbbbbbbbbbbb.tar.gz"
    new.write_bytes(b"new")
    old.write_bytes(b"old")
    os.utime(old, (1_000_000, 1_000_000))
    result = serving_model(Profile.PRODUCTION, tmp_path)
    assert result.path == new and result.digest == "bbbbbbbbbbbbbbbb"
