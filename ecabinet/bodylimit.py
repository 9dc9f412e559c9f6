"""A request body never grows past its route's bound: refused as declared and as it streams in.

ASGI middleware around the HTTP app. Upload routes get MAX_UPLOAD_MB (plus multipart framing),
everything else MAX_FORM_BODY_KB. A declared Content-Length over the bound is refused before a byte
of body is read; a body without one (chunked) or longer than declared is counted chunk by chunk
and refused the moment it passes the bound: the app is told the client went away, no further chunk
is pulled, and the answer is 413 (the JSON error envelope under /api/, a short Vietnamese page
elsewhere) with `Connection: close`. With a server that reads the body only as the app asks for it
(uvicorn does; daphne reads it all first), the rest of the body never enters the process.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

MULTIPART_FRAMING_BYTES = 64 * 1024

# Every route that takes a file. Keep in step with the URLconfs: tests/ecabinet/test_bodylimit.py
# checks every multipart operation of the API and every upload page against this list.
UPLOAD_ROUTES = re.compile(
    r"^/api/v1/(?:"
    r"meetings/\d+/documents|documents/\d+/versions|meetings/\d+/conclusion/attachments"
    r"|opinions|opinions/\d+/answer"
    r"|signing/documents|signing/certificate/import|verify"
    r"|tasks/\d+/reports|tasks/\d+/done"  # a follow-up task's progress report with its files
    r")$"
    r"|^/(?:"
    r"meetings/\d+/documents/|documents/\d+/replace/|opinions/new/|opinions/\d+/answer/"
    r"|signing/upload/|signing/certificate/|verify/"
    r"|tasks/\d+/report/|tasks/\d+/done/"  # a follow-up task's progress report with its files
    r"|help/\d+/files/|feedback/"  # help (issue 12): a help page's files, a feedback screenshot or PDF
    r")$"
)


def upload_body_limit() -> int:
    return settings.MAX_UPLOAD_MB * 1024 * 1024 + MULTIPART_FRAMING_BYTES


def form_body_limit() -> int:
    return settings.MAX_FORM_BODY_KB * 1024


def body_limit(path: str) -> int:
    """The most bytes of body a request to `path` may carry."""
    return upload_body_limit() if UPLOAD_ROUTES.match(path) else form_body_limit()


def _app_path(scope: dict[str, Any]) -> str:
    """The path as the URLconf sees it, without the prefix the app may be mounted under."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _declared_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses it; count what arrives meanwhile
    return None


def _limit_text(path: str) -> str:
    if UPLOAD_ROUTES.match(path):
        return f"{settings.MAX_UPLOAD_MB} MB"
    return f"{settings.MAX_FORM_BODY_KB} KB"


async def send_too_large(scope: dict[str, Any], send, limit: int) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        path = _app_path(scope)
        message = _("The request is too large: the limit is %(limit)s.") % {"limit": _limit_text(path)}
        if path.startswith("/api/"):
            body = json.dumps(
                {"error": {"code": "too_large", "message": message, "max_bytes": limit}},
                ensure_ascii=False,
            ).encode()
            content_type = b"application/json"
        else:
            body = render_to_string("ecabinet/too_large.html", {"message": message}).encode()
            content_type = b"text/html; charset=utf-8"
    await send({
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
            (b"content-language", settings.LANGUAGE_CODE.encode()),
            # The unread rest of the body makes this connection useless for another request.
            (b"connection", b"close"),
        ],
    })
    await send({"type": "http.response.body", "body": body, "more_body": False})


class BodyLimitMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(_app_path(scope))
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await send_too_large(scope, send, limit)
            return

        received = 0
        refused = False
        response_started = False

        async def limited_receive():
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not response_started:
                        await send_too_large(scope, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            nonlocal response_started
            if refused:
                return  # we have answered (or the app had already begun): nothing more goes out
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)
