"""``careline nlu-compare``: the same data through several pipelines, side by side.

For each pipeline one model is trained on the holdout split's training part
(seed from quality_floor.yml). It is scored on the held-out part of our data
and on the shared evaluation set, first with the pipeline's own fallback
threshold, then with the threshold that is best *on our holdout*; training
time and per-message parse latency come from the same run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from careline.designer.fallback_tuning import tune_threshold, with_fallback
from careline.designer.metrics import evaluate
from careline.designer.nlu_report import OUT_OF_SCOPE, holdout
from careline.designer.render import write_evaluation
from careline.designer.shared_eval import (EVAL_FILE, eval_dir, read_coarse_labels,
                                           read_messages, score_model, to_coarse)
from careline.designer.training import Prediction


@dataclass(frozen=True)
class PipelineFigures:
    config: str
    holdout_macro_f1: float
    eval_macro_f1: float
    tuned_threshold: float
    tuned_ambiguity: float
    tuned_holdout_macro_f1: float
    tuned_eval_macro_f1: float
    oos_precision: float  # on the shared eval, at the tuned threshold
    oos_recall: float
    train_seconds: float
    p50_ms: float
    p95_ms: float


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def measure(root: Path, config: Path, *, labels: Path, seed: int, test_fraction: float,
            out: Path) -> PipelineFigures:
    held = holdout(root / "data", config, seed=seed, test_fraction=test_fraction)
    assert held.model is not None, "a holdout split trains its model"
    tuned = tune_threshold([s.prediction for s in held.scored], [s.expected for s in held.scored],
                           fallback_label=OUT_OF_SCOPE)
    messages = read_messages(eval_dir() / EVAL_FILE)
    mapping = read_coarse_labels(labels)
    result = score_model(held.model, messages=messages, mapping=mapping)
    retuned = [to_coarse(_relabel(p, tuned.threshold, tuned.ambiguity), mapping)
               for p in result.predictions]
    tuned_eval = evaluate([m.label for m in messages], retuned, texts=[m.text for m in messages],
                          confidences=[p.top_confidence for p in result.predictions],
                          labels=result.evaluation.labels)
    write_evaluation(out / config.stem, f"Shared eval, {config.name}, fallback threshold "
                     f"{tuned.threshold} (ambiguity {tuned.ambiguity})", tuned_eval)
    oos = tuned_eval.score(OUT_OF_SCOPE)
    seconds = [p.seconds for p in result.predictions]
    return PipelineFigures(
        config=config.name, holdout_macro_f1=held.evaluation.macro_f1,
        eval_macro_f1=result.evaluation.macro_f1, tuned_threshold=tuned.threshold,
        tuned_ambiguity=tuned.ambiguity,
        tuned_holdout_macro_f1=tuned.macro_f1, tuned_eval_macro_f1=tuned_eval.macro_f1,
        oos_precision=oos.precision if oos else 0.0, oos_recall=oos.recall if oos else 0.0,
        train_seconds=held.train_seconds, p50_ms=percentile(seconds, 0.5) * 1000,
        p95_ms=percentile(seconds, 0.95) * 1000)


def _relabel(prediction: Prediction, threshold: float, ambiguity: float) -> Prediction:
    return replace(prediction, intent=with_fallback(prediction, threshold, ambiguity))


def compare_pipelines(root: Path, configs: Sequence[Path], *, labels: Path, seed: int,
                      test_fraction: float, out: Path) -> list[PipelineFigures]:
    return [measure(root, config, labels=labels, seed=seed, test_fraction=test_fraction, out=out)
            for config in configs]


def write_comparison(rows: Sequence[PipelineFigures], path: Path) -> Path:
    lines = ["# NLU pipelines compared", "",
             "Models trained on the holdout split's training part; the fallback threshold is "
             "tuned on our holdout only.", "",
             "| pipeline | holdout F1 | eval F1 | tuned threshold / ambiguity | holdout F1 (tuned) | "
             "eval F1 (tuned) | OOS P | OOS R | training s | p50 ms | p95 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r.config} | {r.holdout_macro_f1:.3f} | {r.eval_macro_f1:.3f} | "
              f"{r.tuned_threshold:.2f} / {r.tuned_ambiguity:.2f} | {r.tuned_holdout_macro_f1:.3f} | "
              f"{r.tuned_eval_macro_f1:.3f} | {r.oos_precision:.3f} | {r.oos_recall:.3f} | "
              f"{r.train_seconds:.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} |" for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
