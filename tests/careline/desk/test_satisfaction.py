"""The satisfaction question after resolve: one score per ticket, then the bot takes over."""

from datetime import datetime, timedelta, timezone

import pytest

from careline.desk.agents import AgentService
from careline.desk.csat_report import render, satisfaction_report
from careline.desk.follow_up import FollowUpService
from careline.desk.satisfaction import parse_score
from careline.desk.service import DeskService
from careline.handoff.reasons import HandoffReason
from tests.careline.handoff.builders import package


@pytest.mark.parametrize("text, score", [("4", 4), (" 5 ", 5), ("5/5", 5), ("3 stars", 3),
                                         ("1.", 1), ("6", None), ("45", None),
                                         ("4 but slow", None), ("hi", None), ("", None)])
def test_a_score_is_a_lone_1_to_5(text, score):
    assert parse_score(text) == score


def _resolved(engine, conversation_id="rated", reason=HandoffReason.REQUESTED):
    desk = DeskService(engine)
    agents = AgentService(engine)
    agent = agents.create_agent(username=f"a-{conversation_id}", password="correct horse",
                                display_name=f"Agent {conversation_id}")
    ticket = desk.receive_handoff(package=package(conversation_id=conversation_id,
                                                  reason=reason)).ticket_id
    desk.claim(ticket_id=ticket, agent_id=agent.agent_id)
    desk.resolve(ticket_id=ticket, agent_id=agent.agent_id, closing_text="bye")
    return FollowUpService(engine), ticket


def test_the_first_answer_after_the_question_is_the_score(engine):
    follow_up, ticket = _resolved(engine)
    now = datetime.now(timezone.utc)
    assert follow_up.answer_rating(conversation_id="rated", text="5",
                              at=now - timedelta(minutes=5)) is None, "sent before the question"
    answer = follow_up.answer_rating(conversation_id="rated", text="4", at=now + timedelta(seconds=1))
    assert (answer.ticket_id, answer.score) == (ticket, 4)
    again = follow_up.answer_rating(conversation_id="rated", text="1", at=now + timedelta(seconds=2))
    assert again.score == 1
    follow_up.handed_back(ticket_id=ticket)
    assert follow_up.answer_rating(conversation_id="rated", text="2",
                              at=now + timedelta(seconds=3)) is None, "the bot has it now"
    report = satisfaction_report(engine, since=now - timedelta(hours=1),
                                 until=now + timedelta(hours=1))
    assert (report.asked, report.rated, report.overall.mean) == (1, 1, 4.0), "first score kept"


def test_anything_else_goes_to_the_bot_with_what_rasa_understood(engine):
    follow_up, ticket = _resolved(engine)
    answer = follow_up.answer_rating(conversation_id="rated", text="what's my balance",
                                at=datetime.now(timezone.utc) + timedelta(seconds=1),
                                intent="ask_balance", entities=(("account", "CL1"),))
    assert answer.score is None and answer.intent == "ask_balance"
    assert dict(answer.entities) == {"account": "CL1"}


def test_an_unanswered_question_is_handed_back_after_the_wait(engine):
    follow_up, ticket = _resolved(engine)
    now = datetime.now(timezone.utc)
    assert follow_up.unanswered_ratings(asked_before=now - timedelta(minutes=10)) == []
    assert follow_up.unanswered_ratings(asked_before=now + timedelta(seconds=1)) == [(ticket, "rated")]
    follow_up.handed_back(ticket_id=ticket)
    assert follow_up.unanswered_ratings(asked_before=now + timedelta(seconds=1)) == []


def test_scores_are_reported_per_agent_reason_and_channel(engine):
    now = datetime.now(timezone.utc)
    for name, reason, score in (("one", HandoffReason.REQUESTED, 5),
                                ("two", HandoffReason.FRUSTRATION, 2),
                                ("three", HandoffReason.FRUSTRATION, 4)):
        follow_up, _ = _resolved(engine, name, reason)
        follow_up.answer_rating(conversation_id=name, text=str(score),
                           at=datetime.now(timezone.utc) + timedelta(seconds=1))
    report = satisfaction_report(engine, since=now - timedelta(hours=1),
                                 until=now + timedelta(hours=1))
    assert report.rated == 3 and round(report.overall.satisfied_percent) == 67
    by_reason = {r.key: (r.ratings, r.mean) for r in report.by_reason}
    assert by_reason == {"asked for a person": (1, 5.0), "customer is frustrated": (2, 3.0)}
    assert {r.key for r in report.by_agent} == {"Agent one", "Agent two", "Agent three"}
    assert [(r.key, r.ratings) for r in report.by_channel] == [("webchat", 3)]
    assert "67% satisfied" in render(report)
