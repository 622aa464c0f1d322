"""The desk and the outbox on PostgreSQL, as in production (a throwaway database)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from careline.db.migrate import upgrade
from careline.desk.agents import AgentService
from careline.desk.service import DeskService
from careline.handoff.outbox import OutboxService
from tests.careline.handoff.builders import package

pytestmark = pytest.mark.postgres
SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"


@pytest.fixture
def pg_engine():
    name = f"careline_desk_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{SERVER}/{name}"
    upgrade(url)
    engine = create_engine(url, future=True)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_handoff_to_ticket_on_postgresql(pg_engine):
    outbox, desk = OutboxService(pg_engine), DeskService(pg_engine)
    built = package(conversation_id="pg-1")
    item, created = outbox.enqueue(package=built)
    assert created and not outbox.enqueue(package=built)[1]
    assert desk.receive_handoff(package=item.package()).created
    assert not desk.receive_handoff(package=item.package()).created
    outbox.mark_delivered(entry_id=item.entry_id)
    agent = AgentService(pg_engine).create_agent(username="pg", password="long enough",
                                                 display_name="PG Agent")
    [entry] = desk.queue()
    desk.claim(ticket_id=entry.ticket_id, agent_id=agent.agent_id)
    detail = desk.detail(ticket_id=entry.ticket_id)
    assert detail.entry.assigned_to == "PG Agent"
    assert detail.package == built
    assert outbox.undelivered() == []
