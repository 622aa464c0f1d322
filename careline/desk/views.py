"""The desk's agent pages: session cookie + CSRF (the machine API is careline.desk.handoff_api).

Every state-changing form carries the session's CSRF token and the session
cookie is ``HttpOnly; SameSite=Lax``, so another site cannot post as an agent.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import secrets
from datetime import datetime, time
from typing import Awaitable, Callable, Optional
from urllib.parse import quote

from aiohttp import web

from careline import clock
from careline.db.session import run_blocking
from careline.desk import pages, queue_page, satisfaction
from careline.desk.agents import AgentService
from careline.desk.canned import fill, profile_values
from careline.desk.csat_report import satisfaction_report
from careline.desk.client_address import client_address
from careline.desk.early_lines import EarlyLines
from careline.desk.login_throttle import LoginThrottle
from careline.desk.schemas import Role
from careline.desk.routing import Presence
from careline.desk.search import parse_query
from careline.desk.supervisor_page import supervisor_page
from careline.desk.service import DeskService, TicketConflict, TicketNotFound
from careline.insight.views import INSIGHT, PAGE_TIMEOUT, report_for_query
from careline.rasa_client import CustomerNotConnected, RasaClient, RasaError

SESSION_COOKIE = "careline_desk_session"
LOGIN_CSRF_COOKIE = "careline_desk_login"
SIGNED_IN = "careline_signed_in"  # request key
DESK = web.AppKey("desk", DeskService)
AGENTS = web.AppKey("agents", AgentService)
RASA = web.AppKey("rasa", RasaClient)
API_TOKEN = web.AppKey("api_token", str)
SECURE_COOKIES = web.AppKey("secure_cookies", bool)
THROTTLE = web.AppKey("login_throttle", LoginThrottle)
TRUSTED_PROXIES = web.AppKey("trusted_proxies", tuple)
CANNED = web.AppKey("canned_responses", tuple)
REGION = web.AppKey("default_region", str)
EARLY = web.AppKey("early_lines", EarlyLines)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
QUEUE_STREAM_SECONDS = 1.0  # how often the queue stream looks for a change
TICKET_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR})
EVERY_ROLE = frozenset(Role)


def routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", agent_only(logout, roles=EVERY_ROLE))
    app.router.add_get("/", agent_only(queue))
    app.router.add_get("/queue/stream", agent_only(queue_stream))
    app.router.add_post("/presence", agent_only(presence, form=True))
    app.router.add_get("/supervisor", agent_only(supervisor, roles={Role.SUPERVISOR}))
    app.router.add_get("/insight", agent_only(insight, roles=EVERY_ROLE))
    app.router.add_get("/tickets", agent_only(search))
    app.router.add_get("/tickets/{ticket_id:\\d+}", agent_only(ticket))
    app.router.add_get("/tickets/{ticket_id:\\d+}/stream", agent_only(stream))
    forms = {"claim": _claim, "reply": _reply, "notes": _notes, "resolve": _resolve}
    for name, handler in forms.items():
        app.router.add_post(f"/tickets/{{ticket_id:\\d+}}/{name}", agent_only(handler, form=True))
    app.router.add_post("/tickets/{ticket_id:\\d+}/assign",
                        agent_only(_assign, form=True, roles={Role.SUPERVISOR}))


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def agent_only(handler: Handler, *, form: bool = False,
               roles: frozenset[Role] | set[Role] = TICKET_ROLES) -> Handler:
    """Require a signed-in agent in one of ``roles``; for forms, also a matching CSRF token
    (a JSON call sends it as ``X-CSRF-Token``: another site cannot set that header).

    A designer works on the conversations, not with customers: their desk is Insight.
    """

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        token = request.cookies.get(SESSION_COOKIE)
        signed_in = None
        if token:
            signed_in = await run_blocking(functools.partial(
                request.app[AGENTS].session_for, token=token))
        if signed_in is None:
            raise web.HTTPSeeOther("/login")
        if signed_in.agent.role not in roles:
            if signed_in.agent.role is Role.DESIGNER and request.method == "GET":
                raise web.HTTPSeeOther("/insight")
            raise web.HTTPForbidden(text="Your role does not allow this.")
        if form or request.method == "POST":
            sent = request.headers.get("X-CSRF-Token") or str(
                (await request.post()).get("csrf_token", ""))
            if not hmac.compare_digest(sent.encode(), signed_in.csrf_token.encode()):
                raise web.HTTPForbidden(text="This form has expired: reload the page and retry.")
        request[SIGNED_IN] = signed_in
        return await handler(request)

    return wrapped


async def login_form(request: web.Request, error: Optional[str] = None,
                     status: Optional[int] = None) -> web.Response:
    csrf = secrets.token_urlsafe(24)
    response = web.Response(text=pages.login_page(csrf=csrf, error=error),
                            content_type="text/html", status=status or (401 if error else 200))
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="Strict",
                        secure=request.app[SECURE_COOKIES], max_age=3600)
    return response


async def login(request: web.Request) -> web.Response:
    data = await request.post()
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(str(data.get("csrf_token", "")).encode(),
                                               expected.encode()):
        return await login_form(request, error="The sign-in form expired; please try again.")
    username = str(data.get("username", "")).strip()
    address = client_address(remote=request.remote,
                             forwarded_for=request.headers.get("X-Forwarded-For"),
                             trusted=request.app[TRUSTED_PROXIES])
    throttle = request.app[THROTTLE]
    verdict = throttle.check(username=username, address=address)
    if not verdict.allowed:
        minutes = max(1, round(verdict.retry_after_seconds / 60))
        refused = await login_form(
            request, status=429,
            error=f"Too many failed sign-ins. Please wait {minutes} min and try again.")
        refused.headers["Retry-After"] = str(verdict.retry_after_seconds)
        return refused
    result = await run_blocking(functools.partial(
        request.app[AGENTS].sign_in, username=username, password=str(data.get("password", ""))))
    if result is None:
        throttle.failed(username=username, address=address)
        return await login_form(request, error="Wrong username or password.")
    throttle.succeeded(username=username, address=address)
    await run_blocking(request.app[DESK].route_waiting)  # a new shift takes waiting tickets
    token, _ = result
    response = web.HTTPSeeOther("/")
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax",
                        secure=request.app[SECURE_COOKIES], max_age=10 * 3600)
    response.del_cookie(LOGIN_CSRF_COOKIE)
    raise response


async def logout(request: web.Request) -> web.Response:
    await run_blocking(functools.partial(request.app[AGENTS].sign_out,
                                         token=request.cookies[SESSION_COOKIE]))
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE)
    raise response


async def queue(request: web.Request) -> web.Response:
    entries = await run_blocking(request.app[DESK].queue)
    return web.Response(text=queue_page.queue_page(entries, request[SIGNED_IN]),
                        content_type="text/html")


async def queue_stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: the queue's rows whenever they change (no page reloads)."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-cache"})
    await response.prepare(request)
    sent: Optional[queue_page.QueueSnapshot] = None
    while True:
        now = queue_page.snapshot(await run_blocking(request.app[DESK].queue))
        if now != sent:
            await response.write(f"data: {json.dumps(now.as_event())}\n\n".encode())
            sent = now
        else:
            await response.write(b": keep-alive\n\n")
        await asyncio.sleep(QUEUE_STREAM_SECONDS)


async def insight(request: web.Request) -> web.Response:
    """The contact-centre dashboard: ``careline report``'s figures for ``?since=&until=``."""
    report = await report_for_query(request.app[INSIGHT], request.query)
    scores = await run_blocking(functools.partial(
        satisfaction_report, request.app[DESK].engine, since=report.since, until=report.until))
    page = await run_blocking(functools.partial(
        pages.insight_page, report, request[SIGNED_IN], since=request.query.get("since", "7d"),
        until=request.query.get("until", ""), satisfaction=scores), timeout=PAGE_TIMEOUT)
    return web.Response(text=page, content_type="text/html",
                        headers={"Cache-Control": "no-store"})


async def ticket(request: web.Request) -> web.Response:
    detail = await _detail(request)
    history = await run_blocking(functools.partial(request.app[DESK].history,
                                                   ticket_id=detail.entry.ticket_id))
    values = profile_values(detail.package)
    canned = tuple(fill(response, values) for response in request.app[CANNED])
    return web.Response(text=pages.ticket_page(detail, request[SIGNED_IN],
                                               flash=request.query.get("error"),
                                               canned=canned, history=history),
                        content_type="text/html")


async def search(request: web.Request) -> web.Response:
    """Tickets, open or resolved, by customer, phone number, account, case or number."""
    raw = request.query.get("q", "")[:100]
    query = parse_query(raw, region=request.app[REGION])
    found = await run_blocking(functools.partial(request.app[DESK].search, query=query)) \
        if query else []
    return web.Response(text=queue_page.search_page(found, request[SIGNED_IN], query=raw,
                                                    searched=query is not None),
                        content_type="text/html")


async def stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: every new line of the ticket's transcript, as it lands."""
    ticket_id = int(request.match_info["ticket_id"])
    after = int(request.query.get("after", "0") or 0)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-cache"})
    await response.prepare(request)
    desk = request.app[DESK]
    while True:
        messages = await run_blocking(functools.partial(desk.messages_after,
                                                        ticket_id=ticket_id, after_id=after))
        for message in messages:
            payload = {"id": message.message_id, "speaker": message.speaker,
                       "text": message.text, "delivery": message.delivery,
                       "html": pages.live_line(message)}
            await response.write(f"data: {json.dumps(payload)}\n\n".encode())
            after = message.message_id
        if not messages:
            await response.write(b": keep-alive\n\n")
        await asyncio.sleep(0.5)


async def _claim(request: web.Request) -> web.Response:
    return await _act(request, lambda desk, tid, agent, data: desk.claim(
        ticket_id=tid, agent_id=agent.agent_id))


async def _assign(request: web.Request) -> web.Response:
    """A supervisor gives the ticket to a colleague, from the ticket or the supervisor view."""
    data = await request.post()
    try:
        await run_blocking(functools.partial(
            request.app[DESK].assign, ticket_id=_ids(request),
            username=str(data.get("username", "")).strip()))
    except (TicketConflict, TicketNotFound) as error:
        return _back(_ids(request), str(error))
    if data.get("back") == "/supervisor":
        raise web.HTTPSeeOther("/supervisor")
    return _back(_ids(request), None)


async def supervisor(request: web.Request) -> web.Response:
    desk = request.app[DESK]
    agents = await run_blocking(desk.agent_loads)
    entries = await run_blocking(desk.queue)
    midnight = datetime.combine(clock.today(), time(0), tzinfo=clock.operator_zone())
    today = await run_blocking(functools.partial(desk.breaches_since, since=midnight))
    return web.Response(text=supervisor_page(agents, entries, request[SIGNED_IN], today=today),
                        content_type="text/html")


async def presence(request: web.Request) -> web.Response:
    """An agent says whether they take new tickets; becoming available takes waiting ones."""
    data = await request.post()
    try:
        chosen = Presence(str(data.get("presence", "")))
    except ValueError:
        raise web.HTTPBadRequest(text="presence is available, away or offline") from None
    await run_blocking(functools.partial(request.app[AGENTS].set_presence,
                                         agent_id=request[SIGNED_IN].agent.agent_id,
                                         presence=chosen))
    if chosen is Presence.AVAILABLE:
        await run_blocking(request.app[DESK].route_waiting)
    raise web.HTTPSeeOther("/")


async def _notes(request: web.Request) -> web.Response:
    return await _act(request, lambda desk, tid, agent, data: desk.add_note(
        ticket_id=tid, agent_id=agent.agent_id, text=_text(data, "text")))


async def _reply(request: web.Request) -> web.Response:
    """Store the reply first, then deliver it; a failure is shown on the line, not lost."""
    tid, signed_in, data = _ids(request), request[SIGNED_IN], await request.post()
    text = _text(data, "text")
    desk, detail = request.app[DESK], await _detail(request)
    try:
        message_id = await run_blocking(functools.partial(
            desk.start_reply, ticket_id=tid, agent_id=signed_in.agent.agent_id, text=text))
    except TicketConflict as conflict:
        return _back(tid, str(conflict))
    error: Optional[str] = None
    try:
        await request.app[RASA].send_agent_message(
            conversation_id=detail.entry.conversation_id, text=text,
            agent=signed_in.agent.display_name)
    except RasaError as failure:
        error = str(failure)
    await run_blocking(functools.partial(desk.finish_reply, message_id=message_id, error=error))
    return _back(tid, f"Reply not delivered: {error}" if error else None)


async def _resolve(request: web.Request) -> web.Response:
    """Close the ticket with the closing line and the satisfaction question.

    The ticket closes only if Rasa accepted both lines, or the customer has left the web
    chat (no one to say goodbye to: the ticket would otherwise stay open for good, and the
    line shows it was not delivered); the bot answers again once the customer replies to
    the question, or after the wait (careline.desk.satisfaction).
    """
    tid, signed_in, data = _ids(request), request[SIGNED_IN], await request.post()
    closing = _text(data, "closing_text")
    detail = await _detail(request)
    if detail.entry.status == "resolved":
        return _back(tid, "This ticket is already resolved.")
    if detail.awaiting_answer and data.get("confirm_unanswered") != "yes":
        return _back(tid, "The customer's last message has no reply yet: answer it, or tick "
                          "'resolve anyway' to close the ticket without one.")
    unsent: Optional[str] = None
    try:  # the bot takes over once the customer answers the question (or after the wait)
        await request.app[RASA].ask_rating(
            conversation_id=detail.entry.conversation_id, closing_text=closing,
            agent=signed_in.agent.display_name, question=satisfaction.QUESTION,
            choices=satisfaction.CHOICES)
    except CustomerNotConnected as gone:
        unsent = str(gone)
    except RasaError as failure:
        return _back(tid, f"Could not reach the customer, the ticket stays open: {failure}")
    await run_blocking(functools.partial(request.app[DESK].resolve, ticket_id=tid,
                                         agent_id=signed_in.agent.agent_id,
                                         closing_text=closing, closing_error=unsent))
    raise web.HTTPSeeOther("/")


async def _act(request: web.Request, change) -> web.Response:  # type: ignore[no-untyped-def]
    tid, signed_in, data = _ids(request), request[SIGNED_IN], await request.post()
    try:
        await run_blocking(lambda: change(request.app[DESK], tid, signed_in.agent, data))
    except (TicketConflict, TicketNotFound) as error:
        return _back(tid, str(error))
    return _back(tid, None)


async def _detail(request: web.Request):  # type: ignore[no-untyped-def]
    try:
        return await run_blocking(functools.partial(request.app[DESK].detail,
                                                    ticket_id=_ids(request)))
    except TicketNotFound:
        raise web.HTTPNotFound(text="No such ticket.") from None


def _ids(request: web.Request) -> int:
    return int(request.match_info["ticket_id"])


def _text(data, name: str) -> str:  # type: ignore[no-untyped-def]
    value = str(data.get(name, "")).strip()
    if not value:
        raise web.HTTPBadRequest(text=f"{name} must not be empty")
    return value[:4000]


def _back(ticket_id: int, error: Optional[str]) -> web.Response:
    suffix = f"?error={quote(error)}" if error else ""
    raise web.HTTPSeeOther(f"/tickets/{ticket_id}{suffix}")
