"""Train the Rasa model only when its inputs change.

The model's name is a hash of everything training reads (config, domain,
training data, the Rasa version), and trained models are kept in a cache
outside the work tree, so a fresh clone of unchanged data reuses the model
instead of spending minutes on training.

Under the production profile the serving host never trains (minutes of CPU on a live
host, and a model nobody evaluated): :func:`serving_model` takes the model already built
for the current inputs (``careline model`` on a build host, or the image's ``models/``)
and refuses, with what to do, when there is none.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from careline.settings import PROJECT_ROOT, Profile

TRAINING_INPUTS = ("config.yml", "domain", "data")


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
    """
    if profile is not Profile.PRODUCTION:
        return ensure_model(root)
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
