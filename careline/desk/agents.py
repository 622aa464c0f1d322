"""Agents, their roles and their signed-in sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy.engine import Engine

from careline import clock
from careline.db.session import get_engine, session_scope
from careline.settings import get_settings
from careline.desk import repository
from careline.desk.models import Agent, AgentSession
from careline.desk.passwords import hash_password, needs_rehash, verify_password
from careline.desk.routing import Presence
from careline.desk.schemas import AgentRef, Role, SignedIn

SESSION_LIFETIME = timedelta(hours=10)  # one shift


class AgentExists(ValueError):
    pass


class NoSuchAgent(LookupError):
    pass


class AgentService:
    def __init__(self, engine: Optional[Engine] = None) -> None:
        self._engine = engine or get_engine(get_settings().resolved_database_url)

    def create_agent(self, *, username: str, password: str, display_name: str,
                     role: Role = Role.AGENT, skills: frozenset[str] = frozenset()) -> AgentRef:
        with session_scope(self._engine) as session:
            if repository.get_agent_by_username(session=session, username=username):
                raise AgentExists(f"agent {username!r} already exists")
            agent = Agent(username=username, display_name=display_name,
                          password_hash=hash_password(password),
                          created_at=clock.now(), role=role.value,
                          skills=",".join(sorted(skills)), presence=Presence.OFFLINE.value)
            repository.add(session=session, row=agent)
            return agent_ref(agent)

    def set_role(self, *, username: str, role: Role) -> AgentRef:
        with session_scope(self._engine) as session:
            agent = self._agent(session, username)
            agent.role = role.value
            return agent_ref(agent)

    def set_skills(self, *, username: str, skills: frozenset[str]) -> AgentRef:
        with session_scope(self._engine) as session:
            agent = self._agent(session, username)
            agent.skills = ",".join(sorted(skills))
            return agent_ref(agent)

    def set_presence(self, *, agent_id: int, presence: Presence) -> None:
        with session_scope(self._engine) as session:
            agent = session.get(Agent, agent_id)
            if agent is not None:
                agent.presence = presence.value

    def disable(self, *, username: str) -> AgentRef:
        """No more sign-ins, and every open session ends now (a leaver, a lost laptop)."""
        with session_scope(self._engine) as session:
            agent = self._agent(session, username)
            agent.disabled_at = agent.disabled_at or clock.now()
            agent.presence = Presence.OFFLINE.value
            repository.delete_sessions_of(session=session, agent_id=agent.id)
            return agent_ref(agent)

    def ensure_agent(self, *, username: str, password: str, display_name: str) -> AgentRef:
        """Create the agent, or reset its password if it exists (the demo seed step)."""
        with session_scope(self._engine) as session:
            agent = repository.get_agent_by_username(session=session, username=username)
            if agent is None:
                agent = Agent(username=username, display_name=display_name,
                              created_at=clock.now(), password_hash="")
                repository.add(session=session, row=agent)
            if not verify_password(password, agent.password_hash):
                agent.password_hash = hash_password(password)
            return agent_ref(agent)

    def sign_in(self, *, username: str, password: str) -> Optional[tuple[str, SignedIn]]:
        """A new session token (for the cookie) and the agent, or ``None`` for bad credentials."""
        with session_scope(self._engine) as session:
            agent = repository.get_agent_by_username(session=session, username=username)
            if agent is None or not verify_password(password, agent.password_hash) \
                    or agent.disabled_at is not None:
                return None
            if needs_rehash(agent.password_hash):  # scrypt from before: argon2id from now on
                agent.password_hash = hash_password(password)
            agent.presence = Presence.AVAILABLE.value  # signing in is starting a shift
            token = secrets.token_urlsafe(32)
            now = clock.now()
            row = AgentSession(token_hash=_digest(token), agent_id=agent.id,
                               csrf_token=secrets.token_urlsafe(24), created_at=now,
                               expires_at=now + SESSION_LIFETIME)
            repository.add(session=session, row=row)
            return token, SignedIn(agent=agent_ref(agent), csrf_token=row.csrf_token)

    def session_for(self, *, token: str) -> Optional[SignedIn]:
        with session_scope(self._engine) as session:
            row = repository.get_session_by_hash(session=session, token_hash=_digest(token))
            if row is None or _aware(row.expires_at) <= clock.now():
                return None
            agent = session.get(Agent, row.agent_id)
            if agent is None or agent.disabled_at is not None:
                return None
            return SignedIn(agent=agent_ref(agent), csrf_token=row.csrf_token)

    def sign_out(self, *, token: str) -> None:
        with session_scope(self._engine) as session:
            row = repository.get_session_by_hash(session=session, token_hash=_digest(token))
            if row is not None:
                agent = session.get(Agent, row.agent_id)
                if agent is not None:
                    agent.presence = Presence.OFFLINE.value
                session.delete(row)


    def _agent(self, session, username: str) -> Agent:  # type: ignore[no-untyped-def]
        agent = repository.get_agent_by_username(session=session, username=username)
        if agent is None:
            raise NoSuchAgent(f"no agent called {username!r}")
        return agent


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def agent_ref(agent: Agent) -> AgentRef:
    """An agent row as the rest of the desk speaks of it."""
    return AgentRef(agent_id=agent.id, username=agent.username, display_name=agent.display_name,
                    role=Role(agent.role or Role.AGENT.value),
                    presence=agent.presence or Presence.OFFLINE.value,
                    skills=tuple(s for s in (agent.skills or "").split(",") if s))
