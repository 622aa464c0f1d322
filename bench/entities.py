"""Entity precision, recall and F1 per entity type, by k-fold cross-validation on data/nlu.

Compares NLU configs on our own annotated examples only (never the shared eval): each fold's
model is trained on the other folds (cached like the NLU reports' models) and every example of
the fold is parsed, so false positives on messages without entities count too. An entity is
right when its type and character span both match the annotation; the value after synonyms is
not scored. Duplicates (two extractors tagging one span with one type) are counted apart, since
a slot filled twice from one span is a bug even when the span is right.

    python -m bench.entities [config.yml other.yml …] [--folds 3]
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from careline.designer.metrics import precision_recall_f1
from careline.settings import PROJECT_ROOT

Span = tuple[int, int, str]


@dataclass
class Tally:
    """Counts per entity type, summed over the folds."""

    true_positives: Counter = field(default_factory=Counter)
    false_positives: Counter = field(default_factory=Counter)
    false_negatives: Counter = field(default_factory=Counter)
    duplicates: Counter = field(default_factory=Counter)

    def add(self, expected: list[Span], predicted: list[Span]) -> None:
        found = Counter(predicted)
        for span, count in found.items():
            if count > 1:
                self.duplicates[span[2]] += count - 1
        wanted, got = set(expected), set(found)
        for span in wanted & got:
            self.true_positives[span[2]] += 1
        for span in got - wanted:
            self.false_positives[span[2]] += 1
        for span in wanted - got:
            self.false_negatives[span[2]] += 1

    def rows(self) -> list[tuple[str, int, float, float, float, int]]:
        """(type, support, precision, recall, F1, duplicates), then the micro average."""
        types = sorted({*self.true_positives, *self.false_positives, *self.false_negatives})
        rows = [self._row(t, self.true_positives[t], self.false_positives[t],
                          self.false_negatives[t], self.duplicates[t]) for t in types]
        total = [sum(c.values()) for c in (self.true_positives, self.false_positives,
                                           self.false_negatives, self.duplicates)]
        return rows + [self._row("micro avg", *total)]

    @staticmethod
    def _row(name: str, tp: int, fp: int, fn: int,
             dup: int) -> tuple[str, int, float, float, float, int]:
        return (name, tp + fn, *precision_recall_f1(tp, tp + fp, tp + fn), dup)


def cross_validate(config: Path, n_folds: int, seed: int) -> Tally:
    from rasa.core.agent import Agent

    from careline.designer.nlu_report import folds, load_training_data
    from careline.designer.training import (offline_environment, quiet_message_logs,
                                            train_nlu_model)

    offline_environment()
    quiet_message_logs()
    tally = Tally()
    data = load_training_data(PROJECT_ROOT / "data")
    for number, (train, test) in enumerate(folds(data, n_folds, seed), start=1):
        model = train_nlu_model(config, train.nlu_as_yaml(), label=f"cv{n_folds}-{number}")
        print(f"  fold {number}/{n_folds}: trained in {model.seconds:.0f}s"
              f"{'' if model.trained else ' (cached)'}", flush=True)
        agent = Agent.load(str(model.path))
        examples = test.intent_examples
        parsed = asyncio.run(_parse(agent, [e.get("text") for e in examples]))
        for example, result in zip(examples, parsed):
            tally.add(_spans(example.get("entities") or []), _spans(result.get("entities", [])))
    return tally


async def _parse(agent: Any, texts: list[str]) -> list[dict]:
    return [await agent.parse_message(text) for text in texts]


def _spans(entities: list[dict]) -> list[Span]:
    return [(int(e["start"]), int(e["end"]), str(e["entity"])) for e in entities]


def main(configs: list[Path] | None = None, n_folds: int = 3) -> None:
    """Print one table per config (config.yml alone when run by ``python -m bench``)."""
    from careline.designer.nlu_report import DEFAULT_SEED

    for config in configs or [PROJECT_ROOT / "config.yml"]:
        print(f"{config} ({n_folds}-fold cross-validation, seed {DEFAULT_SEED})", flush=True)
        print("| entity | support | precision | recall | F1 | duplicates |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, support, precision, recall, f1, dup in cross_validate(
                config, n_folds, DEFAULT_SEED).rows():
            print(f"| {name} | {support} | {precision:.2f} | {recall:.2f} | {f1:.2f} | {dup} |")
        print(flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", type=Path)
    parser.add_argument("--folds", type=int, default=3)
    arguments = parser.parse_args()
    main(arguments.configs, arguments.folds)
