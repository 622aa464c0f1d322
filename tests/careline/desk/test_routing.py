"""Routing: a new ticket goes to the least-loaded available agent with the skills it needs."""

import pytest

from careline.desk.agents import AgentService
from careline.desk.routing import Candidate, Presence, choose_agent, needed_skills, parse_skills
from careline.desk.schemas import Role
from careline.desk.service import DeskService
from careline.handoff.reasons import HandoffReason
from careline.handoff.schemas import OutageSnapshot
from tests.careline.handoff.builders import package


def test_a_ticket_needs_vip_billing_or_network_from_what_it_is_about():
    assert needed_skills(package(segment="vip")) >= {"vip"}
    assert "billing" in needed_skills(package()), "the customer asked why the bill went up"
    assert "billing" in needed_skills(package(reason=HandoffReason.DISPUTE_OVER_THRESHOLD))
    built = package(segment="prepaid")
    outage = OutageSnapshot(reference="INC-1", title="No data", status="fixing")
    with_outage = built.copy(update={"customer": built.customer.copy(
        update={"active_outages": (outage,)})})
    assert "network" in needed_skills(with_outage)
    assert needed_skills(package(segment=None, events=())) <= {"billing"}


def test_the_least_loaded_qualified_agent_is_chosen():
    candidates = [Candidate(agent_id=1, skills=frozenset({"billing"}), open_tickets=3),
                  Candidate(agent_id=2, skills=frozenset({"billing", "vip"}), open_tickets=1),
                  Candidate(agent_id=3, skills=frozenset(), open_tickets=0)]
    assert choose_agent(frozenset({"billing"}), candidates) == 2
    assert choose_agent(frozenset(), candidates) == 3
    assert choose_agent(frozenset({"network"}), candidates) is None


def test_unknown_skills_are_refused():
    assert parse_skills("Billing, vip") == {"billing", "vip"}
    with pytest.raises(ValueError, match="networks"):
        parse_skills("networks")


def test_new_tickets_go_to_available_skilled_agents_and_wait_for_them_otherwise(engine):
    agents, desk = AgentService(engine), DeskService(engine)
    ana = agents.create_agent(username="ana", password="correct horse", display_name="Ana",
                              skills=frozenset({"billing"}))
    ben = agents.create_agent(username="ben", password="correct horse", display_name="Ben",
                              skills=frozenset({"billing"}), role=Role.SUPERVISOR)
    agents.create_agent(username="dee", password="correct horse", display_name="Dee",
                        skills=frozenset({"billing", "vip"}), role=Role.DESIGNER)
    first = desk.receive_handoff(package=package(conversation_id="1")).ticket_id
    assert desk.detail(ticket_id=first).entry.assigned_to is None, "nobody is signed in"

    agents.sign_in(username="ana", password="correct horse")
    assert desk.route_waiting() == 1
    assert desk.detail(ticket_id=first).entry.assigned_to == "Ana"
    agents.sign_in(username="ben", password="correct horse")
    agents.sign_in(username="dee", password="correct horse")
    second = desk.receive_handoff(package=package(conversation_id="2")).ticket_id
    assert desk.detail(ticket_id=second).entry.assigned_to == "Ben", "Ana already has one"
    vip = desk.receive_handoff(package=package(conversation_id="3", segment="vip")).ticket_id
    assert desk.detail(ticket_id=vip).entry.assigned_to is None, "a designer takes no tickets"

    agents.set_presence(agent_id=ben.agent_id, presence=Presence.AWAY)
    third = desk.receive_handoff(package=package(conversation_id="4")).ticket_id
    assert desk.detail(ticket_id=third).entry.assigned_to == "Ana", "Ben is away"
    loads = {load.agent.username: (load.agent.presence, load.open_tickets)
             for load in desk.agent_loads()}
    assert loads == {"ana": ("available", 2), "ben": ("away", 1), "dee": ("available", 0)}
    assert ana.agent_id != ben.agent_id
