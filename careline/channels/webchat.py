"""Careline's web chat: a socket.io channel bound to a verified identity.

Rasa's socket.io channel checks a token on connect and then lets the client
name any ``session_id``. Here the conversation is fixed on connect from the
signed token (or a server-issued anonymous one) and kept in the server-side
socket session; a client naming any other session is refused and disconnected.

An anonymous visitor signs in through the page's sign-in step
(``careline.webchat.sign_in``: ``POST …/sign-in/start`` and ``…/sign-in/check``); the
grant it returns, presented on the socket as ``sign_in``, binds that socket to the
customer's conversation and gives the tab a signed customer token for reconnects. A
question the bot held back for sign-in is then answered there (``careline.webchat.resume``).

A verified customer's live connection is recorded (``careline.webchat.presence``)
so proactive outage notices reach them in the open chat instead of by SMS. Every
connection's room is recorded too (``careline.webchat.rooms``), and emits go through
the manager of ``careline.webchat.fanout``, so with several replicas a desk reply or
a notice arriving on any of them reaches the customer's socket, or fails as
"customer offline" when there is none anywhere.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Any, Awaitable, Callable, NamedTuple, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from careline.channels.apology import APOLOGY
from careline.channels.proven_turn import run_proven
from careline.channels.webchat_tokens import (WebIdentity, issue_anonymous, issue_token,
                                              verify_token)
from careline.db.session import run_blocking
from careline.identity.channel_trust import Proof
from careline.settings import get_settings
from careline.webchat.fanout import Fanout, build_fanout
from careline.webchat.journal import DONE_EVENT, WebChatJournal, valid_message_id
from careline.webchat.page import page_response, static_response
from careline.webchat.presence import HEARTBEAT, PresenceStore
from careline.webchat.resume import waiting_question
from careline.webchat.rooms import ROOM_HEARTBEAT, CustomerOffline, LiveRooms
from careline.webchat.sign_in import WebSignIn
from careline.webchat.sign_in_views import add_sign_in_routes

logger = logging.getLogger(__name__)

USER_EVENT, BOT_EVENT = "user_uttered", "bot_uttered"
#: How long a tab stays signed in after the sign-in step (its token, kept for reconnects).
SIGNED_IN_TTL_SECONDS = 3600


class WebChatOutput(SocketIOOutput):
    """Emits to the conversation's room: every tab of that identity sees the reply."""

    @classmethod
    def name(cls) -> str:
        return "webchat"


class WebChatReachOutput(WebChatOutput):
    """Outside a turn (desk replies, notices through Rasa's HTTP API): the customer may
    have gone, and an emit to an empty room is silently lost, so a send to a conversation
    with no live socket on any replica raises :class:`CustomerOffline` instead: Rasa
    answers the caller with an error naming it and keeps nothing of the call."""

    def __init__(self, sio: AsyncServer, rooms: LiveRooms) -> None:
        super().__init__(sio, BOT_EVENT)
        self._rooms = rooms

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        if not await self._rooms.is_live(recipient_id):
            raise CustomerOffline()
        await super().send_response(recipient_id, message)


class _Connection(NamedTuple):
    sender_id: str
    customer_id: Optional[int]  # None: not recorded for proactive notices


class WebChatChannel(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(socketio_path=credentials.get("socketio_path", "/socket.io"),
                   cors_allowed_origins=credentials.get("cors_allowed_origins", []))

    def __init__(self, *, socketio_path: str = "/socket.io",
                 cors_allowed_origins: Any = (),
                 presence: Optional[PresenceStore] = None,
                 fanout: Optional[Fanout] = None,
                 journal: Optional[WebChatJournal] = None) -> None:
        self.socketio_path = socketio_path
        self.cors_allowed_origins = list(cors_allowed_origins or [])
        self.sio: Optional[AsyncServer] = None
        self.presence = presence or PresenceStore()
        self.journal = journal or WebChatJournal()
        self._fanout = fanout
        #: This process's live connections, anonymous ones included.
        self._live: dict[str, _Connection] = {}
        self._heartbeat: Optional[asyncio.Task[None]] = None
        self._sign_in: Optional[WebSignIn] = None
        #: The Sanic app serving the channel, once started (its ``ctx.agent``).
        self._app: Any = None

    @property
    def sign_in(self) -> WebSignIn:
        """Built on first use, like the fanout."""
        if self._sign_in is None:
            self._sign_in = WebSignIn()
        return self._sign_in

    @property
    def fanout(self) -> Fanout:
        """Built on first use, from the settings in force when the server starts."""
        if self._fanout is None:
            self._fanout = build_fanout(get_settings())
        return self._fanout

    def get_output_channel(self) -> Optional[WebChatOutput]:
        """Reaches a web chat conversation outside a turn (desk replies, notices)."""
        if self.sio is None:
            return None
        return WebChatReachOutput(self.sio, self.fanout.rooms)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.cors_allowed_origins,
                          client_manager=self.fanout.manager)
        self.sio = sio
        hooks = SocketBlueprint(sio, self.socketio_path, "careline_webchat", __name__)

        async def close_rooms(*_: Any) -> None:
            await self.fanout.rooms.close()
        hooks.listener(close_rooms, "before_server_stop")

        async def remember_app(app: Any, *_: Any) -> None:
            self._app = app  # its agent's tracker store, read when a visitor signs in
        hooks.listener(remember_app, "after_server_start")

        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "channel": "webchat"})
        hooks.add_route(health, "/", methods=["GET"])

        async def page(_: Request) -> HTTPResponse:
            return page_response(socketio_path=self.socketio_path)
        hooks.add_route(page, "/chat", methods=["GET"])

        async def static(_: Request, name: str) -> HTTPResponse:
            return static_response(name)
        hooks.add_route(static, "/static/<name:path>", methods=["GET"])

        add_sign_in_routes(hooks, lambda: self.sign_in)

        async def sign_in(sid: str, data: Optional[dict[str, Any]] = None) -> None:
            session = await sio.get_session(sid)
            identity: WebIdentity = session["identity"]
            grant = data.get("grant") if isinstance(data, dict) else None
            customer_id = None
            if identity.anonymous and isinstance(grant, str):
                try:
                    customer_id = await self.sign_in.redeem(subject=identity.subject,
                                                            grant=grant)
                except Exception:  # noqa: BLE001 - logged; the visitor is told to try again
                    logger.exception("web chat sign-in grant could not be checked")
            if customer_id is None:
                logger.warning("web chat connection %s: sign-in grant refused", sid)
                await sio.emit("sign_in_refused", {"reason": "sign-in not accepted"}, room=sid)
                return
            await self._bind(sid, identity, customer_id)
            question = await self._waiting_question(identity.sender_id)
            if question is not None:
                await turn((await sio.get_session(sid))["identity"], question)
        sio.on("sign_in", sign_in)

        async def connect(sid: str, environ: dict[str, Any], auth: Optional[dict[str, Any]] = None) -> bool:
            token = auth.get("token") if isinstance(auth, dict) else None
            issued: Optional[str] = None
            if token:
                identity = verify_token(str(token))
                if identity is None:
                    logger.warning("web chat connection %s refused: invalid token", sid)
                    return False
            else:
                identity, issued = issue_anonymous()
            await sio.save_session(sid, {"identity": identity, "issued_token": issued})
            await sio.enter_room(sid, identity.sender_id)
            await self._connected(sid, identity)
            return True
        sio.on("connect", connect)

        async def disconnect(sid: str) -> None:
            gone = self._live.pop(sid, None)
            if gone is None:
                return
            await self._shared("leave", self.fanout.rooms.left(
                sender_id=gone.sender_id, connection_id=sid))
            if gone.customer_id is not None:
                await self._record("disconnect", functools.partial(
                    self.presence.disconnected, connection_id=sid))
        sio.on("disconnect", disconnect)

        async def session_request(sid: str, data: Optional[dict[str, Any]] = None) -> None:
            session = await sio.get_session(sid)
            identity: WebIdentity = session["identity"]
            if not await self._same_session(sid, data, identity):
                return
            await sio.emit("session_confirm", {
                "session_id": identity.sender_id, "session_token": session["issued_token"],
                "anonymous": identity.anonymous}, room=sid)
        sio.on("session_request", session_request)

        async def user_uttered(sid: str, data: Optional[dict[str, Any]] = None) -> None:
            session = await sio.get_session(sid)
            identity: WebIdentity = session["identity"]
            data = data if isinstance(data, dict) else {}
            if not await self._same_session(sid, data, identity):
                return
            text = data.get("message")
            if not isinstance(text, str):
                return
            # a blank message still runs a turn: the Agent hook (rasa_integration.guard) answers
            # it with a short prompt, as on SMS and WhatsApp, instead of leaving silence
            message_id = data.get("message_id")
            if message_id is None:  # a client that does not send again: not journalled
                await turn(identity, text)
                return
            if not valid_message_id(message_id):
                await sio.emit("message_refused", {"reason": "invalid message_id"}, room=sid)
                return
            if await self.journal.answer_once(
                    sender_id=identity.sender_id, message_id=message_id,
                    proved_by=_proof(identity),
                    run=lambda key: turn(identity, text, message_id=key),
                    ran=lambda key: self._in_conversation(identity.sender_id, key)):
                await sio.emit(DONE_EVENT, {"message_id": message_id},
                               room=identity.sender_id)
        sio.on(USER_EVENT, user_uttered)

        async def turn(identity: WebIdentity, text: str,
                       message_id: Optional[str] = None) -> None:
            await sio.emit("bot_typing", {"typing": True}, room=identity.sender_id)
            output = WebChatOutput(sio, BOT_EVENT)
            try:  # the token's signature checked on connect is the proof
                await run_proven(on_new_message, UserMessage(
                    text, output, identity.sender_id, input_channel=self.name(),
                    message_id=message_id, metadata=_metadata(identity)),
                    customer_id=identity.verified_customer_id, proved_by=_proof(identity))
            except Exception:  # noqa: BLE001 - the customer gets an apology, never silence
                logger.exception("web chat turn for %s failed", identity.sender_id)
                await output.send_text_message(identity.sender_id, APOLOGY)
            finally:
                await sio.emit("bot_typing", {"typing": False}, room=identity.sender_id)

        return hooks

    async def _waiting_question(self, sender_id: str) -> Optional[str]:
        """The question the visitor's anonymous conversation holds for sign-in
        (:mod:`careline.webchat.resume`); None when there is none or it cannot be read."""
        return waiting_question(await self._tracker(sender_id))

    async def _in_conversation(self, sender_id: str, message_id: str) -> bool:
        """Whether the conversation's tracker holds a turn of ``message_id`` (False when it
        cannot be read: running it again beats leaving it unanswered)."""
        tracker = await self._tracker(sender_id)
        return tracker is not None and any(
            isinstance(event, UserUttered) and event.message_id == message_id
            for event in reversed(tracker.events))

    async def _tracker(self, sender_id: str) -> Optional[DialogueStateTracker]:
        agent = getattr(self._app.ctx, "agent", None) if self._app is not None else None
        if agent is None or agent.tracker_store is None:
            return None
        try:
            tracker: Optional[DialogueStateTracker] = await agent.tracker_store.retrieve(
                sender_id)
        except Exception:  # noqa: BLE001 - logged; the caller decides without it
            logger.exception("web chat: the conversation %s could not be read", sender_id)
            return None
        return tracker

    async def _bind(self, sid: str, anonymous: WebIdentity, customer_id: int) -> None:
        """Move the socket from its anonymous room to the customer's conversation, and give
        the tab a customer token so a reload stays signed in."""
        assert self.sio is not None
        bound = WebIdentity(subject=anonymous.subject, customer_id=customer_id, anonymous=False)
        token = issue_token(subject=bound.subject, customer_id=customer_id,
                            ttl_seconds=SIGNED_IN_TTL_SECONDS)
        await self.sio.save_session(sid, {"identity": bound, "issued_token": token})
        await self.sio.leave_room(sid, anonymous.sender_id)
        self._live.pop(sid, None)
        await self._shared("leave", self.fanout.rooms.left(
            sender_id=anonymous.sender_id, connection_id=sid))
        await self.sio.enter_room(sid, bound.sender_id)
        await self._connected(sid, bound)
        await self.sio.emit("session_confirm", {
            "session_id": bound.sender_id, "session_token": token, "anonymous": False},
            room=sid)
        await self.sio.emit("signed_in", {"session_id": bound.sender_id}, room=sid)

    async def _connected(self, sid: str, identity: WebIdentity) -> None:
        """Every socket counts for delivery; only a verified customer's for notices."""
        customer_id = identity.verified_customer_id
        self._live[sid] = _Connection(identity.sender_id, customer_id)
        await self._shared("join", self.fanout.rooms.joined(
            sender_id=identity.sender_id, connection_id=sid))
        if customer_id is not None:
            await self._record("connect", functools.partial(
                self.presence.connected, connection_id=sid, sender_id=identity.sender_id,
                customer_id=customer_id))
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(self._beat())

    async def _beat(self) -> None:
        """Keep this process's connections fresh; stops when none is left.

        The shared room record goes stale sooner than the database's presence (a
        killed replica's sockets must stop counting as deliverable within seconds),
        so it is refreshed every ``ROOM_HEARTBEAT``, presence every ``HEARTBEAT``.
        """
        presence_due = time.monotonic() + HEARTBEAT.total_seconds()
        while self._live:
            await asyncio.sleep(ROOM_HEARTBEAT.total_seconds())
            live = dict(self._live)
            await self._shared("heartbeat", self.fanout.rooms.refresh(
                {sid: c.sender_id for sid, c in live.items()}))
            if time.monotonic() >= presence_due:
                presence_due = time.monotonic() + HEARTBEAT.total_seconds()
                await self._record("heartbeat", functools.partial(
                    self.presence.heartbeat,
                    connection_ids=[sid for sid, c in live.items()
                                    if c.customer_id is not None]))

    @staticmethod
    async def _shared(what: str, call: Awaitable[None]) -> None:
        """The room record is best effort too: a Redis hiccup must not break the chat."""
        try:
            await call
        except Exception as error:  # noqa: BLE001 - logged; the customer keeps chatting
            logger.warning("web chat room %s not recorded: %r", what, error)

    @staticmethod
    async def _record(what: str, call: Callable[[], None]) -> None:
        """Presence is best effort: a database hiccup must not break the chat itself."""
        try:
            await run_blocking(call)
        except Exception as error:  # noqa: BLE001 - logged; the customer keeps chatting
            logger.warning("web chat presence %s not recorded: %r", what, error)

    async def _same_session(self, sid: str, data: Optional[dict[str, Any]],
                            identity: WebIdentity) -> bool:
        """A client may repeat its own session id, never name another one."""
        claimed = data.get("session_id") if isinstance(data, dict) else None
        if claimed in (None, "", identity.sender_id):
            return True
        logger.warning("web chat connection %s claimed another session; disconnected", sid)
        assert self.sio is not None
        await self.sio.emit("session_refused", {"reason": "that session is not yours"},
                            room=sid)
        await self.sio.disconnect(sid)
        return False


def _proof(identity: WebIdentity) -> Proof:
    """A verified customer's token proves the customer; an anonymous one, nothing."""
    return Proof.NOTHING if identity.verified_customer_id is None else Proof.WEB_TOKEN


def _metadata(identity: WebIdentity) -> dict[str, Any]:
    """Facts for display (the handoff's sender), never an identity."""
    return {"channel": "webchat", "address": identity.subject, "media": []}
