"""``careline desk``: run the agent desk; ``careline desk agent add|disable|role``: its
people; ``careline handoffs``: the open handoffs, on the desk or still in the outbox."""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path
from typing import Callable

DEMO_AGENT = "agent"
ROLES = ("agent", "supervisor", "designer")  # careline.desk.schemas.Role, without importing it


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    desk = subparsers.add_parser("desk", help="run the agent desk web service")
    desk.add_argument("--port", type=int, help="port (default: CARELINE_DESK_PORT)")
    desk.add_argument("--rasa-url", help="Rasa's HTTP API (default: CARELINE_RASA_URL)")
    desk.add_argument("--seed-demo-agent", action="store_true",
                      help="first create (or reset) the demo agent 'agent' (make run does this)")
    desk.set_defaults(handler=_desk)
    admin = desk.add_subparsers(dest="desk_command", metavar="SUBCOMMAND")
    agent = admin.add_parser("agent", help="manage who can sign in to the desk")
    agent_commands = agent.add_subparsers(dest="agent_command", metavar="ACTION", required=True)
    add = agent_commands.add_parser("add", help="create an agent (asks for the password)")
    add.add_argument("username")
    add.add_argument("--name", help="display name (default: the username)")
    add.add_argument("--role", choices=ROLES, default="agent")
    add.add_argument("--skills", default="", help="comma-separated: billing, network, vip")
    add.set_defaults(handler=_add_agent)
    disable = agent_commands.add_parser(
        "disable", help="stop an agent signing in and end their sessions now")
    disable.add_argument("username")
    disable.set_defaults(handler=_disable_agent)
    role = agent_commands.add_parser("role", help="change an agent's role")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    role.set_defaults(handler=_set_role)
    skills = agent_commands.add_parser(
        "skills", help="set the skills routing matches tickets to (billing, network, vip)")
    skills.add_argument("username")
    skills.add_argument("skills", help="comma-separated, or '' for none")
    skills.set_defaults(handler=_set_skills)
    listing = subparsers.add_parser(
        "handoffs", help="list open handoffs (desk tickets and undelivered ones) with context")
    listing.add_argument("--json", action="store_true",
                         help="print JSON with each handoff's full context package")
    listing.add_argument("--write-schema", action="store_true",
                         help="regenerate the committed context package JSON Schema and exit")
    listing.set_defaults(handler=_handoffs)


def demo_password(data_dir: Path) -> str:
    """The demo agent's password: a local secret in the data dir, never in the repo."""
    from careline.runtime.local_secrets import local_secret

    return local_secret(data_dir, "desk-demo-password")


class NoDemoAgentInProduction(RuntimeError):
    """A known login with a password on screen has no place in a real deployment."""


def seed_demo_agent() -> str:
    """An explicit write step before serving (never done by a read path); local only."""
    from careline.desk.agents import AgentService
    from careline.settings import Profile, get_settings

    settings = get_settings()
    if settings.profile is not Profile.LOCAL:
        raise NoDemoAgentInProduction(
            "the production profile has no demo agent: add agents with "
            "`careline desk agent add NAME`")
    password = demo_password(settings.data_dir)
    AgentService().ensure_agent(username=DEMO_AGENT, password=password,
                                display_name="Demo Agent")
    return password


def _desk(args: argparse.Namespace) -> int:
    from careline.desk.app import run_desk
    from careline.settings import get_settings

    if args.seed_demo_agent:
        try:
            seed_demo_agent()
        except NoDemoAgentInProduction as error:
            print(f"error: {error}")
            return 2
    settings = get_settings()
    if args.rasa_url:
        settings = settings.copy(update={"rasa_url": args.rasa_url})
    run_desk(settings, port=args.port)
    return 0


def _add_agent(args: argparse.Namespace) -> int:
    from careline.desk.agents import AgentExists, AgentService
    from careline.desk.routing import parse_skills
    from careline.desk.schemas import Role

    def add() -> str:
        skills = parse_skills(args.skills)  # before the password prompt: a typo fails first
        password = getpass.getpass(f"password for {args.username}: ")
        AgentService().create_agent(username=args.username, password=password,
                                    display_name=args.name or args.username,
                                    role=Role(args.role), skills=skills)
        return f"agent {args.username} created ({args.role})"

    return _agent_change(add, AgentExists, ValueError)


def _disable_agent(args: argparse.Namespace) -> int:
    from careline.desk.agents import AgentService, NoSuchAgent

    def disable() -> str:
        AgentService().disable(username=args.username)
        return f"agent {args.username} disabled; their sessions have ended"

    return _agent_change(disable, NoSuchAgent)


def _set_role(args: argparse.Namespace) -> int:
    from careline.desk.agents import AgentService, NoSuchAgent
    from careline.desk.schemas import Role

    def set_role() -> str:
        AgentService().set_role(username=args.username, role=Role(args.role))
        return f"agent {args.username} is now a {args.role}"

    return _agent_change(set_role, NoSuchAgent)


def _set_skills(args: argparse.Namespace) -> int:
    from careline.desk.agents import AgentService, NoSuchAgent
    from careline.desk.routing import parse_skills

    def set_skills() -> str:
        agent = AgentService().set_skills(username=args.username,
                                          skills=parse_skills(args.skills))
        return f"agent {args.username}: skills {', '.join(agent.skills) or 'none'}"

    return _agent_change(set_skills, NoSuchAgent, ValueError)


def _agent_change(change: Callable[[], str], *refusals: type[Exception]) -> int:
    """Every ``desk agent`` command answers alike: what it did (exit 0), or ``error: …``
    (exit 1) when the service refuses it for one of ``refusals``."""
    try:
        done = change()
    except refusals as error:
        print(f"error: {error}")
        return 1
    print(done)
    return 0


def _handoffs(args: argparse.Namespace) -> int:
    """Open handoffs: the desk's tickets, then any the outbox has not delivered yet."""
    from careline.handoff.cli import SCHEMA_FILE, schema_text

    if args.write_schema:
        SCHEMA_FILE.write_text(schema_text())
        print(f"wrote {SCHEMA_FILE}")
        return 0
    from careline.desk.service import DeskService
    from careline.handoff.outbox import OutboxService

    desk = DeskService()
    tickets = [desk.detail(ticket_id=entry.ticket_id) for entry in desk.queue()]
    undelivered = OutboxService().undelivered()
    if args.json:
        rows = [{"state": "on_desk", "ticket_id": t.entry.ticket_id, "status": t.entry.status,
                 "assigned_to": t.entry.assigned_to, "priority_now": t.entry.priority.score,
                 "waiting_seconds": round(t.entry.waiting_seconds),
                 "context": json.loads(t.package.json())} for t in tickets]
        rows += [{"state": f"outbox_{item.status}", "attempts": item.attempts,
                  "last_error": item.last_error, "context": json.loads(item.payload)}
                 for item in undelivered]
        print(json.dumps(rows, indent=2))
        return 0
    if not tickets and not undelivered:
        print("no open handoffs")
        return 0
    for t in tickets:
        e = t.entry
        print(f"#{e.ticket_id} [{e.priority.level} {e.priority.score}] "
              f"{e.customer_name or 'unidentified'} ({e.segment or '-'}) via {e.channel} · "
              f"{e.reason} · {e.status}{' · ' + e.assigned_to if e.assigned_to else ''} · "
              f"waiting {int(e.waiting_seconds // 60)} min\n    {t.package.summary}")
    for item in undelivered:
        package = item.package()
        print(f"(not on the desk yet: {item.status}, {item.attempts} attempt(s), "
              f"last error: {item.last_error or '-'}) {package.conversation.conversation_id} · "
              f"{package.reason.value}\n    {package.summary}")
    return 0
