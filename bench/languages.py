"""How often English customer messages are mistaken for another language.

The language reader (careline.rasa_integration.nlu.message_kinds) answers a message it calls
another language in that language, so a misfire on English costs the customer their
answer. This prints the false "other language" rate on our held-out English messages
(tests/nlu_heldout) and, when present, on the shared eval's customer messages, with every
misfire, using the English vocabulary the component learns from data/nlu.

    python -m bench languages
"""

from __future__ import annotations

from pathlib import Path

from careline.designer.heldout import HELDOUT_DIR, read_heldout
from careline.rasa_integration.nlu.message_kinds import LanguageReader, emoji_reaction, english_vocabulary
from careline.designer.project import load_examples
from careline.designer.shared_eval import read_messages
from careline.settings import PROJECT_ROOT

SHARED_EVAL = PROJECT_ROOT.parent / "shared" / "eval" / "customer-messages.tsv"


def _training_words() -> frozenset[str]:
    files = sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml"))
    return english_vocabulary([e.text for path in files
                               for e in load_examples(path, file=path.name)])


def _report(name: str, texts: list[str], reader: LanguageReader) -> None:
    misfires = [(t, reader.other_language(t)) for t in texts]
    misfires = [(t, lang) for t, lang in misfires if lang is not None]
    emoji = [t for t in texts if emoji_reaction(t) is not None]
    rate = len(misfires) / len(texts) if texts else 0.0
    print(f"{name}: {len(texts)} English messages, read as another language: "
          f"{len(misfires)} ({rate:.2%}); read as emoji only: {len(emoji)}")
    for text, language in misfires:
        print(f"  {language}: {text}")


def main() -> None:
    reader = LanguageReader(_training_words())
    heldout = [m.text for m in read_heldout(PROJECT_ROOT / HELDOUT_DIR)]
    _report("tests/nlu_heldout", heldout, reader)
    if Path(SHARED_EVAL).is_file():
        _report("shared eval", [m.text for m in read_messages(SHARED_EVAL)], reader)


if __name__ == "__main__":
    main()
