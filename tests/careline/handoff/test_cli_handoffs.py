import json

from careline.cli.main import main
from careline.desk.service import DeskService
from careline.handoff.outbox import OutboxService
from careline.handoff.schemas import SCHEMA_VERSION
from tests.careline.handoff.builders import package


def test_handoffs_lists_desk_tickets_and_undelivered_ones_with_context(careline_env, capsys):
    DeskService(careline_env).receive_handoff(package=package(conversation_id="on-desk"))
    OutboxService(careline_env).enqueue(package=package(conversation_id="in-outbox"))
    assert main(["handoffs", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["state"], r["context"]["conversation"]["conversation_id"]) for r in rows] == [
        ("on_desk", "on-desk"), ("outbox_pending", "in-outbox")]
    assert rows[0]["context"]["schema_version"] == SCHEMA_VERSION
    assert rows[0]["priority_now"] >= rows[0]["context"]["priority"]["score"]

    assert main(["handoffs"]) == 0
    text = capsys.readouterr().out
    assert "#1 [" in text and "Test Person" in text and "not on the desk yet" in text


def test_no_open_handoffs_says_so(careline_env, capsys):
    assert main(["handoffs"]) == 0
    assert capsys.readouterr().out.strip() == "no open handoffs"
