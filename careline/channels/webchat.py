"""Careline's web chat: a socket.io channel bound to a verified identity.

Rasa's socket.io channel checks a token on connect and then lets the client
name any ``session_id``. Here the conversation is fixed on connect from the
signed token (or a server-issued anonymous one) and kept in the server-side
socket session; a client naming any other session is refused and disconnected.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from careline.channels.webchat_tokens import WebIdentity, issue_anonymous, verify_token
from careline.webchat.page import page_response, static_response

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
                 cors_allowed_origins: Any = ()) -> None:
        self.socketio_path = socketio_path
        self.cors_allowed_origins = list(cors_allowed_origins or [])
        self.sio: Optional[AsyncServer] = None

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
            return True

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
            try:
                await on_new_message(UserMessage(
                    text, WebChatOutput(sio, BOT_EVENT), identity.sender_id,
                    input_channel=self.name(), metadata=_metadata(identity)))
            finally:
                await sio.emit("bot_typing", {"typing": False}, room=identity.sender_id)

        return hooks

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
    return {"channel": "webchat", "customer_id": identity.customer_id,
            "address": identity.subject, "verified": not identity.anonymous,
            "media": []}
