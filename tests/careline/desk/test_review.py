"""The designer's review inbox over real HTTP, on rows Rasa's SQL tracker store wrote.

Masking, the filters, corrections written to data/nlu/reviewed/ once, an evaluation
message refused, and who may open what.
"""

from __future__ import annotations

import json

import yaml

from careline.designer.project import load_examples
from careline.designer.reviewed import conversation_hash
from tests.careline.desk.review_rows import (  # noqa: F401  (client: the fixture)
    ACCOUNT, PHONE, PIN, client, eval_text, sign_in,
)


async def messages(client, **query) -> list[dict]:
    response = await client.get("/api/review/messages", params=query)
    assert response.status == 200
    return (await response.json())["messages"]


def by_text(found: list[dict], words: str) -> dict:
    return next(m for m in found if words in m["text"])


async def test_numbers_pins_and_accounts_never_reach_the_page_or_the_json(client):
    await sign_in(client)
    html = await (await client.get("/review")).text()
    raw = json.dumps(await messages(client))
    for secret in (PIN, PHONE, PHONE[3:], ACCOUNT):
        assert secret not in html and secret not in raw
    shown = by_text(await messages(client), "my pin is")
    assert shown["intent"] == "verify_identity" and shown["action"] == "action_verify_identity"
    assert "••••" in shown["text"] and {e["entity"] for e in shown["entities"]} == \
        {"pin", "account_number"}
    assert "my pin is" in html and "verify_identity" in html


async def test_filters_pick_the_messages_worth_a_look(client):
    await sign_in(client)
    assert len(await messages(client)) == 8
    assert len(await messages(client, days=1)) == 7  # the repeat customer's first is older
    picked = {flag: {m["text"] for m in await messages(client, flag=flag)}
              for flag in ("fallback", "low_confidence", "handoff", "complaint", "repeat")}
    assert picked["fallback"] == {"blorp the zingle"}
    assert picked["low_confidence"] == {"blorp the zingle", "is my bill going up or what"}
    assert picked["handoff"] == {"get me a real human now"}
    assert picked["complaint"] == {"this is a joke, you charged me twice"}
    assert picked["repeat"] == {"still no signal here"}
    assert {m["text"] for m in await messages(client, intent="check_outage")} == \
        {"still no signal here", "my signal is gone"}
    assert (await client.get("/api/review/messages", params={"flag": "nonsense"})).status == 400


async def test_a_correction_is_written_once_with_its_provenance(client):
    csrf = await sign_in(client)
    unsure = by_text(await messages(client), "is my bill going up")
    body = {"message_id": unsure["message_id"], "intent": "ask_bill_increase"}
    first = await client.post("/api/review/corrections", json=body,
                              headers={"X-CSRF-Token": csrf})
    assert first.status == 201, await first.text()
    again = await client.post("/api/review/corrections", json=body,
                              headers={"X-CSRF-Token": csrf})
    assert again.status == 200 and (await again.json())["status"] == "duplicate"
    path = client.root / "data" / "nlu" / "reviewed" / "ask_bill_increase.yml"
    content = path.read_text()
    assert yaml.safe_load(content)["nlu"] == [
        {"intent": "ask_bill_increase", "examples": "- is my bill going up or what\n"}]
    assert f"# conversation {conversation_hash('conv-unsure')}, " in content
    assert [e.text for e in load_examples(path, file="x")] == ["is my bill going up or what"]


async def test_one_click_confirm_through_the_form_needs_the_csrf_token(client):
    csrf = await sign_in(client)
    pin = by_text(await messages(client), "my pin is")
    form = {"message_id": str(pin["message_id"]), "intent": "verify_identity"}
    forged = await client.post("/review/corrections", data=form, allow_redirects=False)
    assert forged.status == 403
    done = await client.post("/review/corrections?flag=low_confidence",
                             data={**form, "csrf_token": csrf}, allow_redirects=False)
    assert done.status == 303 and "flag=low_confidence" in done.headers["Location"]
    written = (client.root / "data/nlu/reviewed/verify_identity.yml").read_text()
    assert "- my pin is [••••](pin)" in written and "[CL••••](account_number)" in written
    assert PIN not in written and ACCOUNT not in written and PHONE[3:] not in written


async def test_evaluation_messages_and_another_intents_examples_are_refused(client):
    csrf = await sign_in(client)
    found = await messages(client)
    for text, intent in ((eval_text(), "ask_balance"), ("still no signal here", "greet"),
                         ("blorp the zingle", "made_up_intent")):
        response = await client.post("/api/review/corrections", headers={"X-CSRF-Token": csrf},
                                     json={"message_id": by_text(found, text)["message_id"],
                                           "intent": intent})
        assert response.status == 422, text
    assert not (client.root / "data" / "nlu" / "reviewed").exists()
    same = await client.post("/api/review/corrections", headers={"X-CSRF-Token": csrf}, json={
        "message_id": by_text(found, "still no signal")["message_id"], "intent": "check_outage"})
    assert (await same.json())["status"] == "duplicate"
    missing = await client.post("/api/review/corrections", headers={"X-CSRF-Token": csrf},
                                json={"message_id": 99999, "intent": "greet"})
    assert missing.status == 404


async def test_designers_never_open_tickets_and_agents_never_open_the_inbox(client):
    await sign_in(client, "ana")
    for path in ("/review", "/api/review/messages"):
        assert (await client.get(path, allow_redirects=False)).status == 403, path
    client.session.cookie_jar.clear()
    await sign_in(client, "dee")
    for path in ("/tickets/1", "/", "/tickets?q=priya"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/insight", path
    assert (await client.get("/review")).status == 200


async def test_entities_a_designer_gives_must_be_the_domains_and_in_the_message(client):
    csrf = await sign_in(client)
    signal = by_text(await messages(client), "my signal is gone")
    for entities, why in (([{"entity": "colour", "value": "signal"}], "not an entity"),
                          ([{"entity": "service_kind", "value": "wifi"}], "not in the message")):
        refused = await client.post("/api/review/corrections", headers={"X-CSRF-Token": csrf},
                                    json={"message_id": signal["message_id"],
                                          "intent": "check_outage", "entities": entities})
        assert refused.status == 422 and why in await refused.text()
    saved = await client.post("/api/review/corrections", headers={"X-CSRF-Token": csrf}, json={
        "message_id": signal["message_id"], "intent": "check_outage",
        "entities": [{"entity": "service_kind", "value": "signal"}]})
    assert saved.status == 201, await saved.text()
    written = (client.root / "data/nlu/reviewed/check_outage.yml").read_text()
    assert "- my [signal](service_kind) is gone" in written


async def test_the_correct_form_keeps_the_ticked_entities_and_adds_one(client):
    csrf = await sign_in(client)
    pin = by_text(await messages(client), "my pin is")
    page = await (await client.get("/review")).text()
    assert 'name="entity" value="pin=••••" checked' in page
    assert "<option>service_kind</option>" in page
    done = await client.post("/review/corrections", allow_redirects=False, data={
        "message_id": str(pin["message_id"]), "intent": "verify_identity",
        "csrf_token": csrf, "entities_edited": "1", "entity": "pin=••••",
        "add_entity": "", "add_value": ""})
    assert done.status == 303 and "Saved" in done.headers["Location"]
    written = (client.root / "data/nlu/reviewed/verify_identity.yml").read_text()
    assert "[••••](pin)" in written and "(account_number)" not in written
