"""NLU figures for the pipeline in config.yml: training time and per-message parse latency.

Trains an NLU-only model on all of data/nlu (or reuses the cached one, whose
recorded training time is printed), then parses every training example one
message at a time, as the server does, after a warm-up message.
"""

from __future__ import annotations

import os
import time

from careline.settings import PROJECT_ROOT


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    from careline.designer.nlu_report import load_training_data
    from careline.designer.training import parse_texts, train_nlu_model

    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    data = load_training_data(PROJECT_ROOT / "data")
    model = train_nlu_model(PROJECT_ROOT / "config.yml", data.nlu_as_yaml(), label="full")
    how = "trained now" if model.trained else "cached; time recorded when it was trained"
    print(f"NLU training ({len(data.intent_examples)} examples, config.yml): "
          f"{model.seconds:.1f}s ({how})")
    texts = [e.get("text") for e in data.intent_examples]
    started = time.monotonic()
    predictions = parse_texts(model.path, ["warm up"] + texts)[1:]
    seconds = [p.seconds * 1000 for p in predictions]
    print(f"parsed {len(seconds)} messages in {time.monotonic() - started:.1f}s "
          f"(including model load)")
    print(f"per-message NLU latency: p50 {_percentile(seconds, 0.5):.1f} ms, "
          f"p95 {_percentile(seconds, 0.95):.1f} ms, max {max(seconds):.1f} ms")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
