"""``careline desk``: run the agent desk; ``careline desk-agent``: manage agents."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

DEMO_AGENT = "agent"


def register(subparsers: argparse._SubParsersAction) -> None:
    desk = subparsers.add_parser("desk", help="run the agent desk web service")
    desk.add_argument("--port", type=int, help="port (default: CARELINE_DESK_PORT)")
    desk.add_argument("--rasa-url", help="Rasa's HTTP API (default: CARELINE_RASA_URL)")
    desk.add_argument("--seed-demo-agent", action="store_true",
                      help="first create (or reset) the demo agent 'agent' (make run does this)")
    desk.set_defaults(handler=_desk)

    agent = subparsers.add_parser("desk-agent", help="create an agent who can sign in to the desk")
    agent.add_argument("username")
    agent.add_argument("--name", help="display name (default: the username)")
    agent.set_defaults(handler=_add_agent)


def demo_password(data_dir: Path) -> str:
    """The demo agent's password: a local secret in the data dir, never in the repo."""
    from careline.runtime.local_secrets import local_secret

    return local_secret(data_dir, "desk-demo-password")


def seed_demo_agent() -> str:
    """An explicit write step before serving (never done by a read path)."""
    from careline.desk.agents import AgentService
    from careline.settings import get_settings

    password = demo_password(get_settings().data_dir)
    AgentService().ensure_agent(username=DEMO_AGENT, password=password,
                                display_name="Demo Agent")
    return password


def _desk(args: argparse.Namespace) -> int:
    from careline.desk.app import run_desk
    from careline.settings import get_settings

    if args.seed_demo_agent:
        seed_demo_agent()
    settings = get_settings()
    if args.rasa_url:
        settings = settings.copy(update={"rasa_url": args.rasa_url})
    run_desk(settings, port=args.port)
    return 0


def _add_agent(args: argparse.Namespace) -> int:
    from careline.desk.agents import AgentExists, AgentService

    password = getpass.getpass(f"password for {args.username}: ")
    try:
        AgentService().create_agent(username=args.username, password=password,
                                    display_name=args.name or args.username)
    except (AgentExists, ValueError) as error:
        print(f"error: {error}")
        return 1
    print(f"agent {args.username} created")
    return 0
