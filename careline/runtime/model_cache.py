"""Train the Rasa model only when its inputs change.

The model's name is a hash of everything training reads (config, domain,
training data, the Rasa version), and trained models are kept in a cache
outside the work tree, so a fresh clone of unchanged data reuses the model
instead of spending minutes on training.

Locally, a model a designer trained with ``rasa train`` (a timestamped archive in
``models/``) is served without training again when it was trained on the current inputs
(:func:`newest_local_model`).

Under the production profile the serving host never trains (minutes of CPU on a live
host, and a model nobody evaluated): :func:`serving_model` takes the model already built
for the current inputs (``careline model`` on a build host, or the image's ``models/``)
and refuses, with what to do, when there is none.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from careline.settings import PROJECT_ROOT, Profile

TRAINING_INPUTS = ("config.yml", "domain", "data")
#: Rasa's ``TrainingType.BOTH``: a model with NLU and dialogue (``rasa train``, not
#: ``rasa train nlu`` or ``rasa train core``).
_CORE_AND_NLU = 3


@dataclass(frozen=True)
class ModelResult:
    path: Path
    digest: str
    trained: bool
    seconds: float


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "careline" / "models"
    return Path(os.environ.get("CARELINE_MODEL_CACHE", default))


def inputs_digest(root: Path = PROJECT_ROOT) -> str:
    """A hash of every file training reads, in a stable order, plus the Rasa version."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"rasa=={version('rasa')}\n".encode())
    for name in TRAINING_INPUTS:
        base = root / name
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in files:
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


class NoTrainedModel(RuntimeError):
    """The production profile found no model built for its inputs and will not train one."""


def serving_model(profile: Profile, root: Path = PROJECT_ROOT) -> ModelResult:
    """The model ``careline run`` and ``careline up`` serve: locally trained on a cache
    miss (:func:`ensure_model`); under production only one already built.

    Built means ``models/careline-<digest>.tar.gz`` (or the cache's) for the current
    training inputs; where the inputs are absent (the image ships only ``models/``), the
    newest ``models/careline-*.tar.gz``.
    Locally, the newest archive in ``models/`` trained on the current inputs wins
    (:func:`newest_local_model`), then the cache, then training.
    """
    if profile is not Profile.PRODUCTION:
        return newest_local_model(root) or ensure_model(root)
    if all((root / name).exists() for name in TRAINING_INPUTS):
        digest = inputs_digest(root)
        name = f"careline-{digest}.tar.gz"
        candidates = [root / "models" / name, cache_dir() / name]
    else:
        digest = ""
        candidates = sorted((root / "models").glob("careline-*.tar.gz"),
                            key=lambda path: path.stat().st_mtime, reverse=True)
    for path in candidates:
        if path.is_file():
            return ModelResult(path=path, digest=digest or path.name[9:-7], trained=False,
                               seconds=0.0)
    wanted = f"models/careline-{digest}.tar.gz" if digest else "models/careline-*.tar.gz"
    raise NoTrainedModel(
        f"the production profile does not train on the serving host and found no "
        f"{wanted} for the current training inputs: build it with `careline model` "
        "(`make model`) where training runs and copy it to models/, or run the image, "
        "which carries it")


def newest_local_model(root: Path = PROJECT_ROOT) -> Optional[ModelResult]:
    """The newest ``models/*.tar.gz`` trained on the current inputs, or ``None``.

    ``careline-<digest>.tar.gz`` matches by its name. Any other archive (``rasa train``
    names them by time) carries no hash of its training data, so it matches the way
    ``make`` decides: Rasa's metadata in it says this Rasa version trained NLU and
    dialogue after the last change to ``config.yml``, ``domain/`` and ``data/`` (a file's
    or a folder's modification time, so an edit, a new, a deleted or a checked-out file
    each count as a change).
    """
    from importlib.metadata import version

    digest = inputs_digest(root)
    changed = last_change(root)
    rasa_version = version("rasa")
    archives = sorted((root / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime,
                      reverse=True)
    for path in archives:
        if path.name == f"careline-{digest}.tar.gz":
            return ModelResult(path=path, digest=digest, trained=False, seconds=0.0)
        if path.name.startswith("careline-") or path.stat().st_mtime <= changed:
            continue  # careline model's for other inputs, or written before the last change
        metadata = _archive_metadata(path)
        if (metadata is not None and metadata.get("rasa_open_source_version") == rasa_version
                and metadata.get("training_type") == _CORE_AND_NLU
                and _trained_at(metadata) > changed):
            return ModelResult(path=path, digest=digest, trained=False, seconds=0.0)
    return None


def last_change(root: Path) -> float:
    """When the training inputs last changed (the newest modification time among them)."""
    times = []
    for name in TRAINING_INPUTS:
        base = root / name
        times.append(base.stat().st_mtime)
        if base.is_dir():
            times.extend(path.stat().st_mtime for path in base.rglob("*"))
    return max(times)


def _archive_metadata(path: Path) -> Optional[dict[str, Any]]:
    """Rasa's ``metadata.json`` from a model archive, or ``None`` if it is no Rasa model."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                if member.name.lstrip("./") == "metadata.json":
                    source = archive.extractfile(member)
                    return json.load(source) if source is not None else None
    except (OSError, tarfile.TarError, ValueError):
        return None
    return None


def _trained_at(metadata: dict[str, Any]) -> float:
    """Rasa writes ``trained_at`` as naive UTC (``datetime.utcnow()``)."""
    try:
        trained = datetime.fromisoformat(str(metadata.get("trained_at")))
    except ValueError:
        return 0.0
    return trained.replace(tzinfo=trained.tzinfo or timezone.utc).timestamp()


def ensure_model(root: Path = PROJECT_ROOT) -> ModelResult:
    """Return a model trained on the current inputs, training only on a cache miss.

    Rasa writes its archive as it goes, so training happens in a private folder and the
    finished file is renamed into the cache (and copied into ``models/`` the same way):
    a second ``make`` reading the cache meanwhile never sees half a model.
    """
    digest = inputs_digest(root)
    name = f"careline-{digest}"
    cached = cache_dir() / f"{name}.tar.gz"
    local = root / "models" / f"{name}.tar.gz"
    started = time.monotonic()
    trained = False
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cached.parent, prefix=".training-") as scratch:
            subprocess.run(
                [sys.executable, "-m", "rasa", "train", "--fixed-model-name", name,
                 "--out", scratch, "--domain", "domain"],
                cwd=root, check=True,
            )
            os.replace(Path(scratch) / cached.name, cached)
        trained = True
    local.parent.mkdir(exist_ok=True)
    if not local.exists():
        partial = local.with_name(f".{local.name}.{os.getpid()}")
        shutil.copyfile(cached, partial)
        os.replace(partial, local)
    return ModelResult(path=local, digest=digest, trained=trained,
                       seconds=time.monotonic() - started)
