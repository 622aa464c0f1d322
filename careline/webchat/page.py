"""Serving the web chat page and its static files from the webchat channel's blueprint.

Served by the Rasa server itself, so the page and its socket.io connection share
an origin and ``make run`` needs no extra process.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from sanic import response
from sanic.response import HTTPResponse

STATIC_DIR = Path(__file__).resolve().parent / "static"


def page_response(*, socketio_path: str) -> HTTPResponse:
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    return response.html(html.replace("{{SOCKETIO_PATH}}", socketio_path))


def static_response(name: str) -> HTTPResponse:
    """A file under ``static/``; anything outside it (``..``) is not found."""
    path = (STATIC_DIR / name).resolve()
    if STATIC_DIR not in path.parents or not path.is_file() or path.name == "index.html":
        return response.text("not found", status=404)
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return response.raw(path.read_bytes(), content_type=content_type,
                        headers={"Cache-Control": "no-cache"})
