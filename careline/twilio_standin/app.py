"""The stand-in's HTTP API: Twilio's Messages endpoints plus ``/_standin`` inspection."""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any, Optional, cast

import aiohttp
from aiohttp import web
from multidict import MultiDictProxy
from twilio.request_validator import RequestValidator

from careline.twilio_standin.state import StandinState, StoredMessage

logger = logging.getLogger(__name__)

MESSAGES_PATH = "/2010-04-01/Accounts/{account_sid}/Messages.json"
BODY_LIMIT = 1600
STATE = web.AppKey("state", StandinState)
TASKS = web.AppKey("tasks", set)
#: One condition per recipient: an arrival wakes only the long polls waiting on its number
#: (waking every poll on every message cost the stand-in CPU the bench's Careline needs).
ARRIVALS = web.AppKey("arrivals", dict)
#: Status callbacks go out over one pooled, kept-alive client, as an HTTP/1.1 sender's do.
CALLBACKS = web.AppKey("callbacks", aiohttp.ClientSession)


def _twilio_error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message, "status": status,
                              "more_info": f"https://www.twilio.com/docs/errors/{code}"},
                             status=status)


def _authorised(request: web.Request, state: StandinState) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return False
    return user == state.account_sid and password == state.auth_token


async def _record(request: web.Request, form: Optional[dict[str, Any]] = None) -> None:
    request.app[STATE].requests.append({
        "method": request.method, "path": request.path, "query": dict(request.query),
        "form": form or {}, "at": request.app[STATE].now().isoformat(),
    })


async def create_message(request: web.Request) -> web.Response:
    state = request.app[STATE]
    # Twilio posts URL-encoded forms, whose values are all strings (no files).
    posted = cast("MultiDictProxy[str]", await request.post())
    form = {key: posted.getall(key) if len(posted.getall(key)) > 1 else posted[key]
            for key in posted.keys()}
    await _record(request, form)
    if not _authorised(request, state) or request.match_info["account_sid"] != state.account_sid:
        return _twilio_error(401, 20003, "Authenticate")
    if state.faults.fail_next > 0:
        state.faults.fail_next -= 1
        return _twilio_error(state.faults.fail_status, 20500, "Internal Server Error")
    to = posted.get("To")
    body = posted.get("Body", "")
    media = posted.getall("MediaUrl", [])
    if not to:
        return _twilio_error(400, 21604, "A 'To' phone number is required.")
    if not posted.get("From") and not posted.get("MessagingServiceSid"):
        return _twilio_error(400, 21603, "A 'From' or 'MessagingServiceSid' is required.")
    if not body and not media and not posted.get("ContentSid"):
        return _twilio_error(400, 21602, "Message body is required.")
    if len(body) > BODY_LIMIT:
        return _twilio_error(400, 21617, "The concatenated message body exceeds the 1600 "
                             "character limit.")
    message = StoredMessage(
        sid=state.new_sid(), account_sid=state.account_sid, to=to, from_=posted.get("From"),
        messaging_service_sid=posted.get("MessagingServiceSid"), body=body,
        media_urls=list(media), content_sid=posted.get("ContentSid"),
        content_variables=posted.get("ContentVariables"),
        status_callback=posted.get("StatusCallback"), created=state.now())
    state.add(message)
    arrivals = request.app[ARRIVALS].get(to)
    if arrivals is not None:
        async with arrivals:
            arrivals.notify_all()
    if message.status_callback:
        task = asyncio.create_task(_report_status(state, request.app[CALLBACKS], message))
        request.app[TASKS].add(task)
        task.add_done_callback(request.app[TASKS].discard)
    return web.json_response(message.resource(), status=201)


async def _report_status(state: StandinState, session: aiohttp.ClientSession,
                         message: StoredMessage) -> None:
    """Post signed status callbacks as Twilio would: sent, then delivered or undelivered."""
    callback = message.status_callback
    if not callback:  # only a message that asked for callbacks is reported
        return
    address = message.to.removeprefix("whatsapp:")
    error = state.faults.undeliverable.get(address)
    steps = [("sent", None), ("undelivered", error) if error else ("delivered", None)]
    for status, code in steps:
        message.status, message.error_code = status, code
        params = {"MessageSid": message.sid, "SmsSid": message.sid,
                  "MessageStatus": status, "SmsStatus": status, "To": message.to,
                  "From": message.from_ or "", "AccountSid": message.account_sid,
                  "ApiVersion": "2010-04-01"}
        if code:
            params["ErrorCode"] = str(code)
        signature = RequestValidator(state.auth_token).compute_signature(callback, params)
        try:
            async with session.post(callback, data=params,
                                    headers={"X-Twilio-Signature": signature},
                                    timeout=aiohttp.ClientTimeout(total=10)) as reply:
                await reply.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as failure:
            logger.warning("status callback to %s failed: %s",
                           message.status_callback, failure)
            return


async def list_messages(request: web.Request) -> web.Response:
    state = request.app[STATE]
    await _record(request)
    if not _authorised(request, state):
        return _twilio_error(401, 20003, "Authenticate")
    to = request.query.get("To")
    found = state.sent_to(to)
    found.sort(key=lambda m: m.created, reverse=True)  # Twilio lists newest first
    return web.json_response({
        "messages": [m.resource() for m in found], "page": 0, "page_size": len(found) or 50,
        "first_page_uri": request.path_qs, "next_page_uri": None, "previous_page_uri": None,
        "uri": request.path_qs, "start": 0, "end": max(0, len(found) - 1),
    })


async def inspect_messages(request: web.Request) -> web.Response:
    to = request.query.get("to")
    found = [m.resource() for m in request.app[STATE].sent_to(to)]
    return web.json_response(found)


async def wait_for_messages(request: web.Request) -> web.Response:
    """Long poll: answer once ``count`` messages were sent ``to`` (or after ``timeout``)."""
    to, count = request.query["to"], int(request.query.get("count", "1"))
    timeout = float(request.query.get("timeout", "30"))
    state = request.app[STATE]

    def arrived() -> bool:
        return len(state.by_recipient.get(to, ())) >= count

    condition = request.app[ARRIVALS].setdefault(to, asyncio.Condition())
    try:
        async with condition:
            await asyncio.wait_for(condition.wait_for(arrived), timeout)
    except asyncio.TimeoutError:
        pass
    found = [m.resource() for m in state.sent_to(to)]
    return web.json_response(found, status=200 if len(found) >= count else 408)


async def inspect_requests(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].requests)


async def reset(request: web.Request) -> web.Response:
    request.app[STATE].reset()
    return web.json_response({"reset": True})


async def set_faults(request: web.Request) -> web.Response:
    """``{"fail_next": 2, "fail_status": 503, "undeliverable": {"+44…": 30003}}``."""
    payload = await request.json()
    faults = request.app[STATE].faults
    faults.fail_next = int(payload.get("fail_next", faults.fail_next))
    faults.fail_status = int(payload.get("fail_status", faults.fail_status))
    faults.undeliverable.update({k: int(v) for k, v in payload.get("undeliverable", {}).items()})
    return web.json_response({"fail_next": faults.fail_next, "fail_status": faults.fail_status,
                              "undeliverable": faults.undeliverable})


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _open(app: web.Application) -> None:
    app[ARRIVALS] = {}
    app[CALLBACKS] = aiohttp.ClientSession()


async def _close(app: web.Application) -> None:
    await app[CALLBACKS].close()


def build_app(state: StandinState) -> web.Application:
    app = web.Application()
    app[STATE] = state
    app[TASKS] = set()
    app.on_startup.append(_open)
    app.on_cleanup.append(_close)
    app.router.add_get("/health", health)
    app.router.add_post(MESSAGES_PATH, create_message)
    app.router.add_get(MESSAGES_PATH, list_messages)
    app.router.add_get("/_standin/messages", inspect_messages)
    app.router.add_get("/_standin/wait", wait_for_messages)
    app.router.add_get("/_standin/requests", inspect_requests)
    app.router.add_post("/_standin/faults", set_faults)
    app.router.add_post("/_standin/reset", reset)
    return app
