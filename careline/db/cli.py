"""``careline db``: migrate the profile store's database."""

from __future__ import annotations

import argparse

from careline.cli.main import usage


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = subparsers.add_parser("db", help="manage Careline's database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    upgrade = db_sub.add_parser("upgrade", help="migrate the database to the newest schema")
    upgrade.add_argument("--url", help="database URL (default: CARELINE_DATABASE_URL)")
    upgrade.set_defaults(handler=_upgrade)
    db.set_defaults(handler=lambda args: usage(db))


def _upgrade(args: argparse.Namespace) -> int:
    from careline.db.migrate import upgrade

    upgrade(args.url)
    print("database is at the newest schema")
    return 0
