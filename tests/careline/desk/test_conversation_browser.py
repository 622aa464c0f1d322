"""The conversation browser over real HTTP: from a ticket to each turn's NLU and policy
decision, tags kept once, and the export read back by Rasa's own story reader."""

from __future__ import annotations

import re

from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.training_data.structures import StoryStep
from sqlalchemy import func, select

from careline.db.session import session_scope
from careline.designer.reviewed import conversation_hash
from careline.desk.models import ConversationTag
from careline.desk.service import DeskService
from tests.careline.desk.review_rows import client, sign_in  # noqa: F401  (client: the fixture)
from tests.careline.handoff.builders import package
from tests.masking import holds_secret


async def test_a_ticket_links_to_its_conversation_as_the_bot_saw_it(client, careline_env):
    ticket = DeskService(careline_env).receive_handoff(
        package=package(conversation_id="conv-handoff")).ticket_id
    await sign_in(client, "ana")
    html = await (await client.get(f"/tickets/{ticket}")).text()
    link = re.search(r'id="browse" href="([^"]+)"', html).group(1)
    assert link == f"/conversations/{conversation_hash('conv-handoff')}"
    page = await (await client.get(link)).text()
    assert page.count("Session of") == 1
    assert "get me a real human now" in page and "request_human 0.97" in page
    assert "action_handoff_to_agent · RulePolicy 1.00" in page
    assert "I&#x27;m passing you to a colleague." in page
    assert "conv-handoff" not in page  # the hash names it, never the id
    assert (await client.get("/conversations/0123456789ab")).status == 404


async def test_tags_are_kept_once_per_conversation(client, careline_env):
    csrf = await sign_in(client)
    link = f"/conversations/{conversation_hash('conv-fallback')}"
    for _ in range(2):
        done = await client.post(f"{link}/tags", data={"tag": "bad_answer", "csrf_token": csrf},
                                 allow_redirects=False)
        assert done.status == 303
    assert (await client.post(f"{link}/tags", data={"tag": "bad_answer"})).status == 403
    assert (await client.post(f"{link}/tags", data={"tag": "rude", "csrf_token": csrf})
            ).status == 400
    page = await (await client.get(link)).text()
    assert re.search(r'id="tags">Tags: <span>bad answer</span></p>', page)
    with session_scope(careline_env) as session:
        assert session.execute(select(func.count()).select_from(ConversationTag)).scalar() == 1


async def test_the_export_is_a_rasa_test_story(client, tmp_path):
    await sign_in(client)
    response = await client.get(f"/conversations/{conversation_hash('conv-pin')}/story.yml")
    assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
    text = await response.text()
    assert not holds_secret(text, "2468") and "CL10000101" not in text
    path = tmp_path / "story.yml"
    path.write_text(text)
    [step] = YAMLStoryReader().read_from_file(path, skip_validation=False)
    assert isinstance(step, StoryStep)
    names = [e.as_story_string() for e in step.events]
    assert names[0].startswith("verify_identity") and names[1] == "action_verify_identity"
    assert step.events[0].text.startswith("my pin is ••••")
