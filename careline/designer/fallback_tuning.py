"""Choose the FallbackClassifier threshold on our own holdout, never on the shared eval set.

Every parse keeps the two best intents' confidences, so any threshold can be
re-applied to the same predictions without training again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from careline.designer.metrics import evaluate
from careline.designer.training import FALLBACK_INTENT, Prediction

CANDIDATE_THRESHOLDS = tuple(round(0.1 + 0.05 * i, 2) for i in range(18))  # 0.10 … 0.95
#: Gaps between the two best intents under which Rasa falls back as "ambiguous".
CANDIDATE_AMBIGUITIES = (0.0, 0.05, 0.1)


@dataclass(frozen=True)
class Tuned:
    threshold: float
    ambiguity: float
    macro_f1: float


def with_fallback(prediction: Prediction, threshold: float, ambiguity: float) -> str:
    """The intent Rasa's FallbackClassifier would let through with these settings."""
    if prediction.top_confidence < threshold:
        return FALLBACK_INTENT
    if prediction.top_confidence - prediction.second_confidence < ambiguity:
        return FALLBACK_INTENT
    return prediction.top_intent


def tune_threshold(predictions: Sequence[Prediction], expected: Sequence[str], *,
                   fallback_label: str,
                   ambiguities: Sequence[float] = CANDIDATE_AMBIGUITIES,
                   candidates: Sequence[float] = CANDIDATE_THRESHOLDS) -> Tuned:
    """The threshold and ambiguity gap with the best macro-F1, where a fallback counts as
    ``fallback_label``; ties go to the lower values (fewer customers asked to rephrase).
    Classifiers differ in how they spread confidence (DIET is sharp, a logistic regression
    over 27 intents is not), so both are tuned rather than fixed."""
    labels = sorted(set(expected))
    best: Tuned | None = None
    for ambiguity in sorted(ambiguities):
        for threshold in sorted(candidates):
            predicted = [with_fallback(p, threshold, ambiguity) for p in predictions]
            predicted = [fallback_label if i == FALLBACK_INTENT else i for i in predicted]
            f1 = evaluate(expected, predicted, texts=["" for _ in predicted],
                          confidences=[0.0 for _ in predicted], labels=labels).macro_f1
            if best is None or f1 > best.macro_f1:
                best = Tuned(threshold, ambiguity, f1)
    if best is None:
        raise ValueError("no candidate thresholds to try")
    return best
