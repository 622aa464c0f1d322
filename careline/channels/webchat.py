"""Careline's web chat: a socket.io channel bound to a verified identity.

Rasa's socket.io channel checks a token on connect and then lets the client
name any ``session_id``. Here the conversation is fixed on connect from the
signed token (or a server-issued anonymous one) and kept in the server-side
socket session; a client naming any other session is refused and disconnected.

A verified customer's live connection is recorded (``careline.webchat.presence``)
so proactive outage notices reach them in the open chat instead of by SMS.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from careline.channels.proven_turn import run_proven
from careline.channels.webchat_tokens import WebIdentity, issue_anonymous, verify_token
from careline.db.session import run_blocking
from careline.identity.channel_trust import Proof
from careline.webchat.page import page_response, static_response
from careline.webchat.presence import HEARTBEAT, PresenceStore

logger = logging.getLogger(__name__)

USER_EVENT, BOT_EVENT = "user_uttered", "bot_uttered"


class WebChatOutput(SocketIOOutput):
    """Emits to the conversation's room: every tab of that identity sees the reply."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"


class WebChatChannel(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(socketio_path=credentials.get("socketio_path", "/socket.io"),
                   cors_allowed_origins=credentials.get("cors_allowed_origins", []))

    def __init__(self, *, socketio_path: str = "/socket.io",
                 cors_allowed_origins: Any = (),
                 presence: Optional[PresenceStore] = None) -> None:
        self.socketio_path = socketio_path
        self.cors_allowed_origins = list(cors_allowed_origins or [])
        self.sio: Optional[AsyncServer] = None
        self.presence = presence or PresenceStore()
        #: This process's live verified connections (socket id → conversation id).
        self._live: Dict[str, str] = {}
        self._heartbeat: Optional[asyncio.Task] = None

    def get_output_channel(self) -> Optional[WebChatOutput]:
        """Reaches a web chat conversation outside a turn (desk replies, notices)."""
        return WebChatOutput(self.sio, BOT_EVENT) if self.sio is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.cors_allowed_origins)
        self.sio = sio
        hooks = SocketBlueprint(sio, self.socketio_path, "careline_webchat", __name__)

        @hooks.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "channel": "webchat"})

        @hooks.route("/chat", methods=["GET"])
        async def page(_: Request) -> HTTPResponse:
            return page_response(socketio_path=self.socketio_path)

        @hooks.route("/static/<name:path>", methods=["GET"])
        async def static(_: Request, name: str) -> HTTPResponse:
            return static_response(name)

        @sio.on("connect")
        async def connect(sid: str, environ: Dict, auth: Optional[Dict] = None) -> bool:
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
            if identity.customer_id is not None and not identity.anonymous:
                await self._connected(sid, identity)
            return True

        @sio.on("disconnect")
        async def disconnect(sid: str) -> None:
            if self._live.pop(sid, None) is not None:
                await self._record("disconnect", functools.partial(
                    self.presence.disconnected, connection_id=sid))

        @sio.on("session_request")
        async def session_request(sid: str, data: Optional[Dict] = None) -> None:
            session = await sio.get_session(sid)
            identity: WebIdentity = session["identity"]
            if not await self._same_session(sid, data, identity):
                return
            await sio.emit("session_confirm", {
                "session_id": identity.sender_id, "session_token": session["issued_token"],
                "anonymous": identity.anonymous}, room=sid)

        @sio.on(USER_EVENT)
        async def user_uttered(sid: str, data: Optional[Dict] = None) -> None:
            session = await sio.get_session(sid)
            identity: WebIdentity = session["identity"]
            data = data if isinstance(data, dict) else {}
            if not await self._same_session(sid, data, identity):
                return
            text = data.get("message")
            if not isinstance(text, str) or not text.strip():
                return
            await sio.emit("bot_typing", {"typing": True}, room=identity.sender_id)
            known = identity.customer_id is not None and not identity.anonymous
            try:  # the token's signature checked on connect is the proof
                await run_proven(on_new_message, UserMessage(
                    text, WebChatOutput(sio, BOT_EVENT), identity.sender_id,
                    input_channel=self.name(), metadata=_metadata(identity)),
                    customer_id=identity.customer_id if known else None,
                    proved_by=Proof.WEB_TOKEN if known else Proof.NOTHING)
            finally:
                await sio.emit("bot_typing", {"typing": False}, room=identity.sender_id)

        return hooks

    async def _connected(self, sid: str, identity: WebIdentity) -> None:
        assert identity.customer_id is not None
        self._live[sid] = identity.sender_id
        await self._record("connect", functools.partial(
            self.presence.connected, connection_id=sid, sender_id=identity.sender_id,
            customer_id=identity.customer_id))
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(self._beat())

    async def _beat(self) -> None:
        """Keep this process's connections fresh; stops when none is left."""
        while self._live:
            await asyncio.sleep(HEARTBEAT.total_seconds())
            await self._record("heartbeat", functools.partial(
                self.presence.heartbeat, connection_ids=list(self._live)))

    @staticmethod
    async def _record(what: str, call: Callable[[], None]) -> None:
        """Presence is best effort: a database hiccup must not break the chat itself."""
        try:
            await run_blocking(call)
        except Exception as error:  # noqa: BLE001 - logged; the customer keeps chatting
            logger.warning("web chat presence %s not recorded: %r", what, error)

    async def _same_session(self, sid: str, data: Optional[Dict],
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


def _metadata(identity: WebIdentity) -> Dict[str, Any]:
    """Facts for display (the handoff's sender), never an identity."""
    return {"channel": "webchat", "address": identity.subject, "media": []}
