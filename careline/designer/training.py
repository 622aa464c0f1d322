"""Train NLU-only models for the reports, cached by the hash of what they learn from.

Reports train on splits of the data (holdout, cross-validation folds) with a
given pipeline; each trained model is kept in Careline's model cache under a
name derived from the pipeline and the exact examples, so re-running a report
on unchanged data costs only the parsing.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from careline.runtime.model_cache import cache_dir

#: The intent Rasa's FallbackClassifier predicts when it is not confident enough.
FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Prediction:
    """What the model made of one message."""

    text: str
    intent: str  # after the fallback classifier: may be ``nlu_fallback``
    confidence: float
    top_intent: str  # the best real intent, before any fallback
    seconds: float
    top_confidence: float = 0.0  # confidences of the two best real intents, for tuning
    second_confidence: float = 0.0  # the fallback thresholds without retraining


@dataclass(frozen=True)
class TrainedModel:
    path: Path
    trained: bool
    seconds: float  # how long training took, also when the model came from the cache


def offline_environment() -> None:
    """Language models load from the installed package only, never from the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def nlu_pipeline_text(config: Path) -> str:
    """The part of a config NLU training reads: editing policies keeps cached NLU models."""
    import yaml

    content = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    keys = ("recipe", "language", "pipeline")
    return yaml.safe_dump({key: content.get(key) for key in keys}, sort_keys=True)


def train_nlu_model(config: Path, nlu_yaml: str, *, label: str) -> TrainedModel:
    """A model for ``config`` trained on ``nlu_yaml``, from the cache when possible."""
    from importlib.metadata import version

    offline_environment()
    digest = hashlib.sha256()
    for part in (f"rasa=={version('rasa')}", nlu_pipeline_text(config), nlu_yaml):
        digest.update(part.encode() + b"\0")
    name = f"nlu-{label}-{digest.hexdigest()[:16]}"
    target = cache_dir() / "nlu"
    archive = target / f"{name}.tar.gz"
    timing = archive.with_suffix(".seconds")
    if archive.exists():
        seconds = float(timing.read_text()) if timing.exists() else 0.0
        return TrainedModel(archive, trained=False, seconds=seconds)
    import rasa.model_training

    target.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="careline-nlu-") as tmp:
        data = Path(tmp) / "nlu.yml"
        data.write_text(nlu_yaml, encoding="utf-8")
        path = rasa.model_training.train_nlu(
            config=str(config), nlu_data=str(data), output=str(target), fixed_model_name=name,
        )
    if not path:
        raise RuntimeError(f"rasa could not train an NLU model with {config}")
    seconds = time.monotonic() - started
    timing.write_text(f"{seconds:.1f}")
    return TrainedModel(Path(path), trained=True, seconds=seconds)


def quiet_message_logs() -> None:
    """Keep Rasa from logging every parsed message: outside its own CLI, structlog is left
    unconfigured and prints each text at debug level, which would put the shared eval
    set's messages on the screen of whoever scores a model."""
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger("rasa.core.processor").setLevel(logging.WARNING)


def parse_texts(model: Path, texts: Sequence[str]) -> list[Prediction]:
    """Parse each text with the model, timing every message on its own."""
    from rasa.core.agent import Agent

    offline_environment()
    quiet_message_logs()
    agent = Agent.load(str(model))
    return asyncio.run(_parse_all(agent, texts))


async def _parse_all(agent: Any, texts: Sequence[str]) -> list[Prediction]:
    predictions = []
    for text in texts:
        started = time.perf_counter()
        parsed = await agent.parse_message(text)
        seconds = time.perf_counter() - started
        intent = parsed.get("intent") or {}
        ranking = [r for r in parsed.get("intent_ranking") or [] if r["name"] != FALLBACK_INTENT]
        top = ranking[0]["name"] if ranking else str(intent.get("name"))
        scores = [float(r["confidence"]) for r in ranking[:2]] + [0.0, 0.0]
        predictions.append(Prediction(text=text, intent=str(intent.get("name")),
                                      confidence=float(intent.get("confidence") or 0.0),
                                      top_intent=top, seconds=seconds,
                                      top_confidence=scores[0], second_confidence=scores[1]))
    return predictions
