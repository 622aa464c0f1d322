"""The review inbox and the conversation browser on the desk: pages, forms and a JSON API.

Behind the desk's own sign-in (``careline.desk.views.agent_only``): the inbox and its
API are the designer's (agents work tickets, not training data); the conversation
browser is every role's, linked from a ticket. Forms carry the session's CSRF token;
the JSON API takes it in an ``X-CSRF-Token`` header, which the inbox's JSON returns.
"""

from __future__ import annotations

import functools
from html import escape
from typing import Any, Optional
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDictProxy

from careline.db.session import run_blocking
from careline.designer.reviewed import CorrectionRefused, Written, conversation_hash
from careline.desk import conversation_browser as browser
from careline.desk.pages import csrf_field, layout
from careline.desk.review import Conversation, Flag, InboxQuery, ReviewService, Turn
from careline.desk.schemas import Role, SignedIn
from careline.desk.views import DESK, EVERY_ROLE, SIGNED_IN, agent_only

REVIEW = web.AppKey("review", ReviewService)
DESIGNERS = frozenset({Role.DESIGNER})
FLAG_LABELS = {Flag.FALLBACK: "fallbacks", Flag.LOW_CONFIDENCE: "low confidence",
               Flag.HANDOFF: "handed off", Flag.COMPLAINT: "ended in a complaint",
               Flag.REPEAT: "repeat contacts"}
STYLE = """#filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
#filters select, #filters input { width: auto; } .inbox td { vertical-align: top; }
 .inbox form { display: flex; gap: .3rem; flex-wrap: wrap; align-items: center; } .inbox select { max-width: 12rem; }
 .flags span { display: inline-block; background: #eceff3; border-radius: .7rem; padding: 0 .4rem;
 margin: 0 .2rem .2rem 0; font-size: .8em; }
 .inbox fieldset { border: 0; padding: 0; margin: 0; display: flex; gap: .3rem; flex-wrap: wrap; }
 .inbox fieldset input[type=text] { width: 9rem; }"""


def routes(app: web.Application) -> None:
    app.router.add_get("/review", agent_only(inbox, roles=DESIGNERS))
    app.router.add_post("/review/corrections", agent_only(correct_form, form=True,
                                                          roles=DESIGNERS))
    app.router.add_get("/api/review/messages", agent_only(messages_api, roles=DESIGNERS))
    app.router.add_post("/api/review/corrections", agent_only(correct_api, roles=DESIGNERS))
    app.router.add_get("/conversations/{digest:[0-9a-f]{12}}",
                       agent_only(browse, roles=EVERY_ROLE))
    app.router.add_post("/conversations/{digest:[0-9a-f]{12}}/tags",
                        agent_only(add_tag, form=True, roles=EVERY_ROLE))
    app.router.add_get("/conversations/{digest:[0-9a-f]{12}}/story.yml",
                       agent_only(story, roles=EVERY_ROLE))


def _query(request: web.Request) -> InboxQuery:
    try:
        return InboxQuery.parse(request.query)
    except ValueError as error:
        raise web.HTTPBadRequest(text=f"{error} (days 1–90; flag one of "
                                      f"{', '.join(f.value for f in Flag)})") from error


async def inbox(request: web.Request) -> web.Response:
    service, query = request.app[REVIEW], _query(request)
    turns = await run_blocking(functools.partial(service.inbox, query), timeout=60)
    intents = await run_blocking(service.intents)
    entities = await run_blocking(service.entities)
    page = inbox_page(turns, query, intents, request[SIGNED_IN], entities=entities,
                      flash=request.query.get("done", ""))
    return web.Response(text=page, content_type="text/html",
                        headers={"Cache-Control": "no-store"})


async def messages_api(request: web.Request) -> web.Response:
    turns = await run_blocking(functools.partial(request.app[REVIEW].inbox, _query(request)),
                              timeout=60)
    return web.json_response({"messages": [t.as_json() for t in turns],
                              "csrf_token": request[SIGNED_IN].csrf_token},
                             headers={"Cache-Control": "no-store"})


async def _correct(request: web.Request, message_id: Any, intent: Any,
                   entities: Any = None) -> Written:
    """Save one correction; a refusal or unknown message is an HTTP error the caller shows."""
    try:
        number = int(message_id)
    except (TypeError, ValueError):
        raise web.HTTPBadRequest(text="message_id is a number") from None
    pairs = None
    if entities is not None:
        if not isinstance(entities, list) or not all(
                isinstance(e, dict) and isinstance(e.get("entity"), str) and
                isinstance(e.get("value"), str) for e in entities):
            raise web.HTTPBadRequest(text="entities is a list of {entity, value}")
        pairs = tuple((e["entity"], e["value"]) for e in entities)
    try:
        return await run_blocking(functools.partial(
            request.app[REVIEW].correct, message_id=number, intent=str(intent or ""),
            entities=pairs), timeout=60)
    except LookupError as error:
        raise web.HTTPNotFound(text=str(error)) from error
    except CorrectionRefused as refused:
        raise web.HTTPUnprocessableEntity(text=str(refused)) from refused


async def correct_api(request: web.Request) -> web.Response:
    """``{"message_id": 12, "intent": "ask_balance", "entities": [...]}`` (entities optional:
    Rasa's own are kept); 201 written, 200 already an example, 422 refused."""
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="send JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="send a JSON object")
    written = await _correct(request, body.get("message_id"), body.get("intent"),
                             body.get("entities"))
    return web.json_response({"status": written.status, "file": written.file,
                              "intent": written.intent, "text": written.text},
                             status=201 if written.status == "written" else 200)


async def correct_form(request: web.Request) -> web.Response:
    data = await request.post()
    back = {k: v for k, v in request.query.items() if k in ("days", "flag", "intent")}
    try:
        written = await _correct(request, data.get("message_id"), data.get("intent"),
                                 _form_entities(data))
        done = (f"Saved as an example of {written.intent} in {written.file}"
                if written.status == "written" else
                f"Already an example of {written.intent} ({written.file})")
    except (web.HTTPUnprocessableEntity, web.HTTPNotFound) as refused:
        done = f"Not saved: {refused.text}"
    raise web.HTTPSeeOther(f"/review?{urlencode({**back, 'done': done})}")


def _form_entities(data: MultiDictProxy[Any]) -> Optional[list[dict[str, str]]]:
    """The entities a Correct form carries: those kept ticked, plus one added; None from
    a form without the entity editor (Confirm keeps what Rasa found)."""
    if not data.get("entities_edited"):
        return None
    kept = [str(pair).split("=", 1) for pair in data.getall("entity", [])]
    entities = [{"entity": e, "value": v} for e, v in (p for p in kept if len(p) == 2)]
    added, words = str(data.get("add_entity") or ""), str(data.get("add_value") or "").strip()
    if added or words:
        entities.append({"entity": added, "value": words})
    return entities


def inbox_page(turns: list[Turn], query: InboxQuery, intents: tuple[str, ...],
               signed_in: SignedIn, *, entities: tuple[str, ...] = (), flash: str = "") -> str:
    flags = '<option value="">every message</option>' + "".join(
        f'<option value="{f.value}"{" selected" if f is query.flag else ""}>'
        f'{escape(label)}</option>' for f, label in FLAG_LABELS.items())
    known = '<option value="">any intent</option>' + "".join(
        f'<option{" selected" if i == query.intent else ""}>{escape(i)}</option>'
        for i in intents)
    state = urlencode({k: v for k, v in (("days", query.days), ("flag", query.flag.value
                       if query.flag else ""), ("intent", query.intent or "")) if v})
    rows = "".join(_row(t, intents, entities, signed_in, state) for t in turns)
    body = f'''<h1>Review inbox</h1>{f'<p class="flash" id="done">{escape(flash)}</p>' if flash else ""}
<form method="get" action="/review" class="period" id="filters">
<label>Last <input name="days" value="{query.days}" size="3" inputmode="numeric"> days</label>
<select name="flag" aria-label="show">{flags}</select>
<select name="intent" aria-label="intent">{known}</select>
<button class="secondary">Show</button></form>
<p class="muted">{len(turns)} message(s). Numbers, codes and PINs are masked. Confirming or
correcting saves the message to data/nlu/reviewed/ for the next training. Correct also saves
the entities left ticked and one you add: its type and the words of the message it marks.</p>
<div class="card scroll"><table class="inbox"><thead><tr><th>When</th><th>Customer said</th>
<th>Understood</th><th>Bot did</th><th>Review</th></tr></thead><tbody>{rows}</tbody></table>
</div>'''
    return layout("Review inbox", body, signed_in=signed_in, style=STYLE)


def _row(turn: Turn, intents: tuple[str, ...], entity_types: tuple[str, ...],
         signed_in: SignedIn, state: str) -> str:
    entities = "".join(f"<br><small>{escape(e)}={escape(v)}</small>" for e, v in turn.entities)
    flags = "".join(f"<span>{escape(f.value)}</span>" for f in sorted(turn.flags,
                                                                       key=lambda f: f.value))
    options = "".join(f'<option{" selected" if i == turn.intent else ""}>{escape(i)}</option>'
                      for i in intents)
    action = f"/review/corrections?{state}" if state else "/review/corrections"
    hidden = f'{csrf_field(signed_in)}<input type="hidden" name="message_id" ' \
             f'value="{turn.message_id}">'
    confirm = (f'<form method="post" action="{escape(action)}">{hidden}<input type="hidden" '
               f'name="intent" value="{escape(turn.intent)}"><button class="secondary">'
               f'Confirm</button></form>') if turn.intent and turn.intent in intents else ""
    return (f'<tr id="t{turn.message_id}"><td>{turn.at:%d %b %H:%M}<br><a href="/conversations/'
            f'{conversation_hash(turn.conversation_id)}">conversation</a></td>'
            f'<td>{escape(turn.text)}<div class="flags">{flags}</div></td>'
            f'<td>{escape(turn.intent or "–")} {turn.confidence:.2f}{entities}</td>'
            f'<td>{escape(turn.action or "–")}</td><td>{confirm}'
            f'<form method="post" action="{escape(action)}" class="correct">{hidden}'
            f'<select name="intent" aria-label="intent it meant">{options}</select>'
            f'{_entity_editor(turn, entity_types)}'
            f'<button class="secondary">Correct</button></form></td></tr>')


def _entity_editor(turn: Turn, entity_types: tuple[str, ...]) -> str:
    """Rasa's entities as ticked boxes (untick a wrong one) and one to add by type and words."""
    kept = "".join(f'<label><input type="checkbox" name="entity" value="{escape(e)}='
                   f'{escape(v)}" checked> {escape(e)}={escape(v)}</label>'
                   for e, v in turn.entities)
    types = '<option value="">add an entity…</option>' + "".join(
        f"<option>{escape(t)}</option>" for t in entity_types)
    return (f'<fieldset aria-label="entities"><input type="hidden" name="entities_edited" '
            f'value="1">{kept}<select name="add_entity" aria-label="entity type">{types}'
            f'</select><input type="text" name="add_value" aria-label="entity words" '
            f'placeholder="words it marks"></fieldset>')


async def _conversations(request: web.Request) -> tuple[str, list[Conversation]]:
    digest = request.match_info["digest"]
    found = await run_blocking(functools.partial(browser.find, request.app[REVIEW], digest),
                               timeout=60)
    if not found:
        raise web.HTTPNotFound(text="No such conversation in the last 90 days.")
    return digest, found


async def browse(request: web.Request) -> web.Response:
    digest, found = await _conversations(request)
    tags = await run_blocking(functools.partial(
        browser.tags_of, request.app[DESK].engine, found[0].conversation_id))
    return web.Response(text=browser.page(digest, found, tags, request[SIGNED_IN]),
                        content_type="text/html", headers={"Cache-Control": "no-store"})


async def add_tag(request: web.Request) -> web.Response:
    name = str((await request.post()).get("tag", ""))
    if name not in browser.TAGS:
        raise web.HTTPBadRequest(text=f"tag is one of {', '.join(browser.TAGS)}")
    digest, found = await _conversations(request)
    await run_blocking(functools.partial(
        browser.tag, request.app[DESK].engine, conversation_id=found[0].conversation_id,
        name=name, agent_id=request[SIGNED_IN].agent.agent_id))
    raise web.HTTPSeeOther(f"/conversations/{digest}")


async def story(request: web.Request) -> web.Response:
    digest, found = await _conversations(request)
    return web.Response(text=browser.story_skeleton(found), content_type="application/x-yaml",
                        headers={"Content-Disposition":
                                 f'attachment; filename="conversation-{digest}.yml"'})
