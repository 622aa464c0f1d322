"""Reviewed messages as training data: ``data/nlu/reviewed/<intent>.yml``, one file per intent.

A designer confirms or corrects what the bot understood in the desk's review inbox
(careline.desk.review); the message becomes an example here. Each example is its own
``- intent:`` block under a YAML comment naming where it came from (a hash of the
conversation id and the day): Rasa warns about, and skips, a comment inside an
``examples: |`` block, and a warning fails ``careline validate``.

An example is refused when its text is in the shared evaluation set or our held-out
messages (a score measured on trained messages measures nothing), and when another
intent already has it (two answers for one message); it is not written twice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Optional

from careline.designer.heldout import HELDOUT_DIR
from careline.designer.project import Example, load_examples
from careline.designer.shared_eval import EVAL_FILE, eval_dir, read_messages
from careline.designer.similarity import normalise

REVIEWED_DIR = Path("data") / "nlu" / "reviewed"
_INTENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


class CorrectionRefused(ValueError):
    """The example may not become training data; the message says why, for the designer."""


@dataclass(frozen=True)
class Correction:
    """A reviewed message: its (masked) text, the intent it means, where it came from."""

    text: str
    intent: str
    conversation_id: str
    day: date
    entities: tuple[tuple[str, str], ...] = ()  # (entity, value) found in ``text``


@dataclass(frozen=True)
class Written:
    """What happened to a correction: ``written`` to ``file``, or already a ``duplicate``."""

    status: str
    file: str
    intent: str
    text: str


def conversation_hash(conversation_id: str) -> str:
    """Provenance without the id itself (a channel's id can be a phone number)."""
    return hashlib.sha256(conversation_id.encode()).hexdigest()[:12]


def evaluated_texts(root: Path) -> frozenset[str]:
    """The normalised texts of the held-out set and (when present) the shared eval set."""
    texts = {normalise(e.text) for path in sorted((root / HELDOUT_DIR).glob("*.yml"))
             for e in load_examples(path, file=path.name)}
    tsv = eval_dir() / EVAL_FILE
    if tsv.exists():
        texts |= {normalise(m.text) for m in read_messages(tsv)}
    return frozenset(texts)


def training_examples(root: Path) -> list[Example]:
    """Every NLU example under ``data/``, annotations removed."""
    data = root / "data"
    return [e for path in sorted(data.rglob("*.yml"))
            for e in load_examples(path, file=str(path.relative_to(root)))]


def save_correction(correction: Correction, *, root: Path,
                    evaluated: Optional[frozenset[str]] = None) -> Written:
    """Append ``correction`` to its intent's reviewed file, unless it is already there.

    ``evaluated`` is :func:`evaluated_texts` when the caller has it already.
    """
    text = " ".join(correction.text.split())
    if not _INTENT_NAME.match(correction.intent):
        raise CorrectionRefused(f"'{correction.intent}' is not an intent name")
    if not normalise(text) or text.startswith("/"):
        raise CorrectionRefused("a pressed button or an empty message teaches nothing")
    if normalise(text) in (evaluated if evaluated is not None else evaluated_texts(root)):
        raise CorrectionRefused("this message is in the evaluation or held-out set: training "
                                "on it would make the scores meaningless")
    file = str(REVIEWED_DIR / f"{correction.intent}.yml")
    for example in training_examples(root):
        if normalise(example.text) != normalise(text):
            continue
        if example.intent != correction.intent:
            raise CorrectionRefused(f"this message is already an example of "
                                    f"'{example.intent}' in {example.file}: change it there")
        return Written("duplicate", example.file, correction.intent, text)
    path = root / file
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text('version: "3.1"\nnlu:\n', encoding="utf-8")
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"# conversation {conversation_hash(correction.conversation_id)}, "
                     f"{correction.day.isoformat()}\n- intent: {correction.intent}\n"
                     f"  examples: |\n    - {annotated(text, correction.entities)}\n")
    return Written("written", file, correction.intent, text)


def annotated(text: str, entities: tuple[tuple[str, str], ...]) -> str:
    """``text`` with each entity's first occurrence marked ``[value](entity)`` for Rasa;
    a value not found in the text is left out (masking may have changed it)."""
    clean = text.replace("[", "(").replace("]", ")")
    for entity, value in entities:
        value = value.replace("[", "(").replace("]", ")")
        start = clean.find(value) if value and _INTENT_NAME.match(entity) else -1
        if start >= 0 and "](" not in clean[start:start + len(value)]:
            clean = f"{clean[:start]}[{value}]({entity}){clean[start + len(value):]}"
    return clean
