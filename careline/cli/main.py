"""Entry point of the ``careline`` command.

Each feature owns a ``cli`` module with a ``register(subparsers)`` function;
adding a command means adding that module to :data:`COMMAND_MODULES`. Handlers
import their heavy dependencies lazily so ``careline --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

COMMAND_MODULES: tuple[str, ...] = (
    "careline.runtime.cli",
    "careline.db.cli",
    "careline.chat.cli",
    "careline.designer.cli",
    "careline.profile.cli",
    "careline.channels.cli",
    "careline.deploy.cli",
    "careline.handoff.cli",
    "careline.desk.cli",
    "careline.proactive.cli",
    "careline.insight.cli",
    "careline.poison.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="careline",
        description="Careline: a customer-service assistant for telecom operators.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def usage(parser: argparse.ArgumentParser) -> int:
    """The handler of a command named without its action: its help, and exit status 2."""
    parser.print_help()
    return 2


def main(argv: Optional[Sequence[str]] = None) -> int:
    from careline.observability.redact import install_log_redaction

    install_log_redaction()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    from pydantic import ValidationError

    from careline.settings import Settings

    try:
        return int(args.handler(args) or 0)
    except ValidationError as error:
        if error.model is not Settings:
            raise
        # e.g. the production profile without its secrets: one message naming each one
        print(f"careline {args.command}: refused: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
