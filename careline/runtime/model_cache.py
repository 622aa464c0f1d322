"""Train the Rasa model only when its inputs change.

The model's name is a hash of everything training reads (config, domain,
training data, the Rasa version), and trained models are kept in a cache
outside the work tree, so a fresh clone of unchanged data reuses the model
instead of spending minutes on training.
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

from careline.settings import PROJECT_ROOT

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
