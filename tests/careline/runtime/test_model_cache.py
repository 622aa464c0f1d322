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


def _rasa_archive(path, *, trained_at, rasa_version=None, training_type=3):
    """An archive laid out as ``rasa train`` writes it: components, then metadata.json."""
    import io
    import json
    import tarfile
    from importlib.metadata import version

    metadata = json.dumps({"trained_at": trained_at.isoformat(), "training_type": training_type,
                           "rasa_open_source_version": rasa_version or version("rasa")})
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        for name, data in (("components/x/data.json", b"{}"), ("metadata.json", metadata.encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def _designer_project(tmp_path, monkeypatch):
    """A project whose inputs last changed an hour ago; no cache, and training forbidden."""
    import os
    import time

    (tmp_path / "project").mkdir()
    root = _copy_inputs(tmp_path / "project")
    hour_ago = time.time() - 3600
    for path in [root / "config.yml", *(root / "domain").rglob("*"), *(root / "data").rglob("*"),
                 root / "domain", root / "data"]:
        os.utime(path, (hour_ago, hour_ago))
    monkeypatch.setenv("CARELINE_MODEL_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(subprocess, "run", _no_training)
    return root


def _utc_now():
    from datetime import datetime

    return datetime.utcnow()  # as Rasa writes trained_at: naive UTC


def test_careline_run_serves_the_designers_rasa_train_model_without_training(
        tmp_path, monkeypatch):
    from datetime import timedelta

    from careline.runtime.model_cache import serving_model
    from careline.settings import Profile

    root = _designer_project(tmp_path, monkeypatch)
    older = _rasa_archive(root / "models" / "20261207-090000-old.tar.gz",
                          trained_at=_utc_now() - timedelta(minutes=30))
    newest = _rasa_archive(root / "models" / "20261207-093000-new.tar.gz",
                           trained_at=_utc_now() - timedelta(minutes=1))
    _rasa_archive(root / "models" / "20261207-093100-nlu.tar.gz", trained_at=_utc_now(),
                  training_type=1)  # `rasa train nlu`: no dialogue, never served
    assert older.exists()
    result = serving_model(Profile.LOCAL, root)
    assert result.path == newest and not result.trained


def test_a_model_trained_before_the_data_changed_is_not_served(tmp_path, monkeypatch):
    from datetime import timedelta

    from careline.runtime.model_cache import newest_local_model, serving_model
    from careline.settings import Profile

    root = _designer_project(tmp_path, monkeypatch)
    _rasa_archive(root / "models" / "20261207-093000-stale.tar.gz",
                  trained_at=_utc_now() - timedelta(minutes=5))
    assert newest_local_model(root) is not None
    nlu = next((root / "data").rglob("*.yml"))
    nlu.write_text(nlu.read_text() + "\n# a designer's edit after training\n")
    assert newest_local_model(root) is None
    with pytest.raises(AssertionError, match="trained on the serving host"):
        serving_model(Profile.LOCAL, root)  # careline run trains a fresh one instead


def test_a_deleted_training_file_counts_as_a_change(tmp_path, monkeypatch):
    from datetime import timedelta

    from careline.runtime.model_cache import newest_local_model

    root = _designer_project(tmp_path, monkeypatch)
    _rasa_archive(root / "models" / "20261207-093000-before.tar.gz",
                  trained_at=_utc_now() - timedelta(minutes=5))
    next((root / "data").rglob("*.yml")).unlink()
    assert newest_local_model(root) is None


def test_another_rasa_versions_model_or_a_broken_archive_is_not_served(tmp_path, monkeypatch):
    from careline.runtime.model_cache import newest_local_model

    root = _designer_project(tmp_path, monkeypatch)
    _rasa_archive(root / "models" / "20261207-093000-old-rasa.tar.gz", trained_at=_utc_now(),
                  rasa_version="3.5.0")
    (root / "models" / "20261207-093100-broken.tar.gz").write_bytes(b"not a model")
    assert newest_local_model(root) is None


def test_careline_models_match_by_their_inputs_digest(tmp_path, monkeypatch):
    """`careline model`'s archive is named by the inputs' hash, whatever its date."""
    import os

    from careline.runtime.model_cache import newest_local_model

    root = _designer_project(tmp_path, monkeypatch)
    built = root / "models" / f"careline-{inputs_digest(root)}.tar.gz"
    built.parent.mkdir()
    built.write_bytes(b"model")
    os.utime(built, (1_000_000, 1_000_000))  # copied long ago; the name is what counts
    (root / "models" / "careline-0123456789abcdef.tar.gz").write_bytes(b"other inputs")
    assert newest_local_model(root).path == built
