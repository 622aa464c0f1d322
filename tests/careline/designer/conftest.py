"""Build small Rasa projects in a temp dir, each broken in one known way."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

import pytest

GREETINGS = ["hi careline", "hello careline", "hey there careline", "good morning careline",
             "good evening all", "hiya folks", "howdy partner", "yo careline", "morning all",
             "greetings", "hello again", "hey, anyone there?", "afternoon, anyone in", "hi bot",
             "evening", "hallo", "helo, you there", "sup careline", "hey hey hey",
             "well hello there careline", "hi, it's me again", "top of the morning",
             "hello, is this the helpdesk", "g'day", "salutations, support desk"]
BILL = ["how much do i owe", "what's my balance", "whats my bill this month", "balance pls",
        "what is the amount due", "how much is my bill", "am i in credit",
        "do i owe you anything", "current balance?", "tell me what i owe",
        "what's outstanding on my account", "how big is my bill", "my balance now",
        "remaining balance", "what do i need to pay this month", "total due?",
        "check my account balance", "how much money do i owe you guys", "bill amount",
        "what's the damage this month", "is anything unpaid", "show balance",
        "owed amount please", "what does my account say i owe", "balance enquiry"]


def nlu_block(intent: str, examples: list[str]) -> str:
    lines = "\n".join(f"      - {e}" for e in examples)
    return f"  - intent: {intent}\n    examples: |\n{lines}\n"


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """A healthy two-intent project; ``changes`` replaces (or with None removes) files."""

    def build(changes: dict[str, str | None] | None = None) -> Path:
        files = {
            "domain/general.yml": """\
                version: "3.1"
                intents: [greet, ask_balance]
                responses:
                  utter_greet:
                    - text: hi
                  utter_balance:
                    - text: you owe nothing
                """,
            "data/nlu/general.yml": 'version: "3.1"\nnlu:\n' + nlu_block("greet", GREETINGS)
            + nlu_block("ask_balance", BILL),
            "data/rules/general.yml": """\
                version: "3.1"
                rules:
                  - rule: greet
                    steps:
                      - intent: greet
                      - action: utter_greet
                  - rule: balance
                    steps:
                      - intent: ask_balance
                      - action: utter_balance
                """,
            "tests/stories/test_general.yml": """\
                version: "3.1"
                stories:
                  - story: greet then balance
                    steps:
                      - user: hello
                        intent: greet
                      - action: utter_greet
                      - user: what do i owe
                        intent: ask_balance
                      - action: utter_balance
                """,
        }
        files.update(changes or {})
        for relative, text in files.items():
            if text is not None:
                write(tmp_path, relative, text)
        return tmp_path

    return build
