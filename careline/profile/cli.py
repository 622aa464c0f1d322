"""``careline seed``, ``careline demo-customers`` and ``careline profile IDENTITY``."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    seed = subparsers.add_parser(
        "seed", help="fill an empty database with demo and synthetic customers",
        description="Migrate the database, then add the catalogue, the named demo customers "
                    "and N synthetic customers (deterministic for a given --seed). Refuses a "
                    "database that already holds profile data.")
    seed.add_argument("--customers", type=int, default=1000,
                      help="synthetic customers besides the demo ones (default 1000)")
    seed.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    seed.add_argument("--url", help="database URL (default: CARELINE_DATABASE_URL)")
    seed.set_defaults(handler=_seed)

    demo = subparsers.add_parser("demo-customers",
                                 help="list the demo customers and the story each shows")
    demo.add_argument("--json", action="store_true", help="print JSON")
    demo.set_defaults(handler=_demo_customers)

    profile = subparsers.add_parser(
        "profile", help="print a customer's unified profile, found by any channel identity",
        description="IDENTITY is a phone or WhatsApp number (any format), a web account id, "
                    "an email address or an account number.")
    profile.add_argument("identity")
    profile.add_argument("--channel", default="rest",
                         help="look the identity up as this channel would (default: any)")
    profile.add_argument("--json", action="store_true", help="print JSON")
    profile.set_defaults(handler=_profile)


def _seed(args: argparse.Namespace) -> int:
    from careline.profile.seed.runner import AlreadySeeded, seed_database

    try:
        report = seed_database(args.url, customers=args.customers, seed=args.seed)
    except AlreadySeeded as error:
        print(f"careline seed: {error}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"careline seed: {error}", file=sys.stderr)
        return 2
    print(f"seeded {report.demo_customers} demo and {report.synthetic_customers} synthetic "
          f"customers in {report.seconds:.1f}s ({report.customers_per_second:.0f} customers/s)")
    return 0


def _demo_customers(args: argparse.Namespace) -> int:
    from careline.profile.seed.demo import DEMO_CUSTOMERS

    if args.json:
        print(json.dumps([c.as_dict() for c in DEMO_CUSTOMERS], indent=2))
        return 0
    for c in DEMO_CUSTOMERS:
        print(f"{c.name} ({c.segment}, account {c.account_number}, PIN {c.pin})")
        print(f"  phone {c.phone or '-'}  whatsapp {c.whatsapp or '-'}  "
              f"web {c.web_account or '-'}  email {c.email or '-'}")
        print(f"  {c.story}\n")
    return 0


def _profile(args: argparse.Namespace) -> int:
    from careline.profile.jsonable import to_jsonable
    from careline.profile.profile_text import render_profile
    from careline.profile.schemas import InvalidIdentity
    from careline.profile.service import ProfileService

    service = ProfileService()
    try:
        ref = service.find_customer(channel=args.channel, address=args.identity)
    except InvalidIdentity as error:
        print(f"careline profile: {error.reason}", file=sys.stderr)
        return 2
    if ref is None:
        print(f"careline profile: no customer found for {args.identity!r}", file=sys.stderr)
        return 1
    profile = service.get_profile(customer_id=ref.customer_id)
    if args.json:
        print(json.dumps(to_jsonable(profile), indent=2))
    else:
        print(render_profile(profile))
    return 0
