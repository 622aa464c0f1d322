"""``careline desk agent add|disable|role`` on a real database."""

import getpass

from careline.cli.main import main
from careline.desk.agents import AgentService
from careline.desk.schemas import Role


def test_add_then_promote_then_disable_an_agent(careline_env, monkeypatch, capsys):
    monkeypatch.setattr(getpass, "getpass", lambda prompt: "correct horse")
    agents = AgentService(careline_env)
    assert main(["desk", "agent", "add", "sam", "--name", "Sam Lee"]) == 0
    token, signed_in = agents.sign_in(username="sam", password="correct horse")
    assert signed_in.agent.role is Role.AGENT and signed_in.agent.display_name == "Sam Lee"
    assert main(["desk", "agent", "add", "sam"]) == 1, "usernames are unique"

    assert main(["desk", "agent", "role", "sam", "supervisor"]) == 0
    assert agents.session_for(token=token).agent.role is Role.SUPERVISOR

    assert main(["desk", "agent", "disable", "sam"]) == 0
    assert agents.session_for(token=token) is None, "their open session ends at once"
    assert agents.sign_in(username="sam", password="correct horse") is None
    assert main(["desk", "agent", "disable", "nobody"]) == 1
    assert "no agent called 'nobody'" in capsys.readouterr().out


def test_a_designer_is_added_with_their_role(careline_env, monkeypatch):
    monkeypatch.setattr(getpass, "getpass", lambda prompt: "correct horse")
    assert main(["desk", "agent", "add", "dee", "--role", "designer"]) == 0
    _, signed_in = AgentService(careline_env).sign_in(username="dee", password="correct horse")
    assert signed_in.agent.role is Role.DESIGNER


def test_skills_are_set_and_typos_refused(careline_env, monkeypatch, capsys):
    monkeypatch.setattr(getpass, "getpass", lambda prompt: "correct horse")
    assert main(["desk", "agent", "add", "kim", "--skills", "billing,vip"]) == 0
    assert main(["desk", "agent", "skills", "kim", "network"]) == 0
    _, signed_in = AgentService(careline_env).sign_in(username="kim", password="correct horse")
    assert signed_in.agent.skills == ("network",)
    assert main(["desk", "agent", "skills", "kim", "netwrok"]) == 1
    assert "unknown skill" in capsys.readouterr().out
