"""``careline nlu-compare``: the same data through several pipelines, side by side.

For each pipeline: macro-F1 on our own holdout split, a model trained on all
of data/nlu scored on the shared evaluation set (macro-F1, out-of-scope
precision and recall), training time and per-message parse latency.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from careline.designer.nlu_report import holdout, load_training_data
from careline.designer.shared_eval import (EVAL_FILE, OUT_OF_SCOPE, eval_dir, read_coarse_labels,
                                           read_messages, score_model)
from careline.designer.training import train_nlu_model


@dataclass(frozen=True)
class PipelineFigures:
    config: str
    holdout_macro_f1: float
    eval_macro_f1: float
    oos_precision: float
    oos_recall: float
    train_seconds: float
    p50_ms: float
    p95_ms: float


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def measure(root: Path, config: Path, *, labels: Path) -> PipelineFigures:
    held = holdout(root / "data", config)
    model = train_nlu_model(config, load_training_data(root / "data").nlu_as_yaml(), label="full")
    result = score_model(model.path, messages=read_messages(eval_dir() / EVAL_FILE),
                         mapping=read_coarse_labels(labels))
    oos = result.evaluation.score(OUT_OF_SCOPE)
    seconds = [p.seconds for p in result.predictions]
    return PipelineFigures(
        config=config.name, holdout_macro_f1=held.evaluation.macro_f1,
        eval_macro_f1=result.evaluation.macro_f1,
        oos_precision=oos.precision if oos else 0.0, oos_recall=oos.recall if oos else 0.0,
        train_seconds=model.seconds, p50_ms=percentile(seconds, 0.5) * 1000,
        p95_ms=percentile(seconds, 0.95) * 1000)


def compare_pipelines(root: Path, configs: Sequence[Path], *, labels: Path) -> list[PipelineFigures]:
    return [measure(root, config, labels=labels) for config in configs]


def write_comparison(rows: Sequence[PipelineFigures], path: Path) -> Path:
    lines = ["# NLU pipelines compared", "",
             "| pipeline | holdout macro-F1 | shared eval macro-F1 | out-of-scope P | "
             "out-of-scope R | training (s) | parse p50 (ms) | parse p95 (ms) |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r.config} | {r.holdout_macro_f1:.3f} | {r.eval_macro_f1:.3f} | "
              f"{r.oos_precision:.3f} | {r.oos_recall:.3f} | {r.train_seconds:.0f} | "
              f"{r.p50_ms:.1f} | {r.p95_ms:.1f} |" for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
