"""The request body bound at the ASGI level: refused by declared size before reading, by counted size
while it streams, per route; 413 with the envelope for the API and a Vietnamese page for forms."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from ecabinet.asgi import application
from ecabinet.bodylimit import BodyLimitMiddleware, body_limit, form_body_limit, upload_body_limit

CHUNK = 64 * 1024


class StreamingClient:
    """An ASGI `receive` that streams `total` bytes (None: without end) and counts what was pulled."""

    def __init__(self, total: int | None):
        self.total = total
        self.pulled_chunks = 0
        self.pulled_bytes = 0

    async def receive(self) -> dict:
        remaining = CHUNK if self.total is None else min(CHUNK, self.total - self.pulled_bytes)
        self.pulled_chunks += 1
        self.pulled_bytes += remaining
        more = self.total is None or self.pulled_bytes < self.total
        return {"type": "http.request", "body": b"x" * remaining, "more_body": more}


class Sent:
    def __init__(self):
        self.messages: list[dict] = []

    async def __call__(self, message: dict) -> None:
        self.messages.append(message)

    @property
    def status(self) -> int:
        return next(m["status"] for m in self.messages if m["type"] == "http.response.start")

    @property
    def headers(self) -> dict[bytes, bytes]:
        return dict(next(m["headers"] for m in self.messages if m["type"] == "http.response.start"))

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body")


async def reading_app(scope, receive, send):
    """Reads the whole body the way Django's ASGI handler does, then says how much it got."""
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            reading_app.saw_disconnect = True
            return
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": str(size).encode()})


def http_scope(path: str, content_length: int | None = None) -> dict:
    headers = [(b"host", b"testserver"), (b"content-type", b"multipart/form-data; boundary=x")]
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    else:
        headers.append((b"transfer-encoding", b"chunked"))
    return {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "query_string": b"",
            "headers": headers, "scheme": "http", "server": ("testserver", 80), "client": ("192.0.2.5", 5000),
            "http_version": "1.1", "asgi": {"version": "3.0"}, "root_path": ""}


async def call(app, path: str, client: StreamingClient, content_length: int | None) -> Sent:
    sent = Sent()
    reading_app.saw_disconnect = False
    await app(http_scope(path, content_length), client.receive, sent)
    return sent


def assert_stopped_right_after(client: StreamingClient, limit: int) -> None:
    # One chunk past the bound, never more: the rest of the body was never asked for.
    assert limit < client.pulled_bytes <= limit + CHUNK
    assert client.pulled_chunks == limit // CHUNK + 1


def assert_api_too_large(sent: Sent) -> dict:
    assert sent.status == 413
    assert sent.headers[b"content-type"] == b"application/json"
    assert sent.headers[b"connection"] == b"close"
    error = json.loads(sent.body)["error"]
    assert error["code"] == "too_large"
    assert "Yêu cầu quá lớn" in error["message"]
    return error


async def test_declared_size_over_the_bound_is_refused_before_reading(settings):
    settings.MAX_FORM_BODY_KB = 64
    app = BodyLimitMiddleware(reading_app)
    client = StreamingClient(200 * 1024 * 1024)
    sent = await call(app, "/api/v1/meetings", client, content_length=200 * 1024 * 1024)
    error = assert_api_too_large(sent)
    assert error["max_bytes"] == 64 * 1024
    assert "64 KB" in error["message"]
    assert client.pulled_chunks == 0


@pytest.mark.parametrize("declared", [None, 10], ids=["chunked", "lying-content-length"])
async def test_counted_size_is_refused_while_the_body_streams(settings, declared):
    settings.MAX_FORM_BODY_KB = 256
    app = BodyLimitMiddleware(reading_app)
    client = StreamingClient(None)  # without end
    sent = await call(app, "/api/v1/auth/token", client, content_length=declared)
    assert_api_too_large(sent)
    assert_stopped_right_after(client, 256 * 1024)
    assert reading_app.saw_disconnect  # the app was told to give up, not handed a truncated body


async def test_pages_get_a_vietnamese_page(settings):
    settings.MAX_FORM_BODY_KB = 128
    client = StreamingClient(None)
    sent = await call(BodyLimitMiddleware(reading_app), "/login/", client, content_length=None)
    assert sent.status == 413
    assert sent.headers[b"content-type"].startswith(b"text/html")
    page = sent.body.decode()
    assert 'lang="vi"' in page
    assert "Yêu cầu quá lớn: giới hạn là 128 KB." in page
    assert "chọn tệp nhỏ hơn" in page
    assert_stopped_right_after(client, 128 * 1024)


async def test_uploads_get_the_upload_bound(settings):
    settings.MAX_UPLOAD_MB = 1
    settings.MAX_FORM_BODY_KB = 64
    app = BodyLimitMiddleware(reading_app)
    # A body between the form bound and the upload bound goes through whole.
    client = StreamingClient(900 * 1024)
    sent = await call(app, "/api/v1/verify", client, content_length=None)
    assert sent.status == 200
    assert sent.body == str(900 * 1024).encode()
    # Past the upload bound it is refused as it streams, and by its declared size.
    client = StreamingClient(None)
    assert_api_too_large(await call(app, "/api/v1/verify", client, content_length=None))
    assert_stopped_right_after(client, upload_body_limit())
    client = StreamingClient(None)
    sent = await call(app, "/verify/", client, content_length=upload_body_limit() + 1)
    assert sent.status == 413
    assert "giới hạn là 1 MB" in sent.body.decode()
    assert client.pulled_chunks == 0


async def test_routes_are_matched_below_the_mount_prefix(settings):
    settings.MAX_UPLOAD_MB = 1
    settings.MAX_FORM_BODY_KB = 64
    scope = dict(http_scope("/ecabinet/api/v1/verify", content_length=900 * 1024), root_path="/ecabinet")
    sent = Sent()
    await BodyLimitMiddleware(reading_app)(scope, StreamingClient(900 * 1024).receive, sent)
    assert sent.status == 200
    scope = dict(http_scope("/ecabinet/api/v1/meetings", content_length=900 * 1024), root_path="/ecabinet")
    sent = Sent()
    await BodyLimitMiddleware(reading_app)(scope, StreamingClient(900 * 1024).receive, sent)
    assert_api_too_large(sent)


async def test_the_real_application_refuses_before_django_sees_the_body(settings):
    # No database, no Django view: the bound answers first.
    settings.MAX_FORM_BODY_KB = 64
    client = StreamingClient(None)
    assert_api_too_large(await call(application, "/api/v1/verify", client, content_length=10 ** 12))
    assert client.pulled_chunks == 0
    client = StreamingClient(None)
    sent = await call(application, "/login/", client, content_length=None)
    assert sent.status == 413
    assert_stopped_right_after(client, 64 * 1024)


async def test_websockets_and_small_bodies_pass_untouched():
    seen = []

    async def inner(scope, receive, send):
        seen.append(scope["type"])

    await BodyLimitMiddleware(inner)({"type": "websocket", "path": "/ws/meetings/1/"}, None, None)
    await BodyLimitMiddleware(inner)({"type": "lifespan"}, None, None)
    assert seen == ["websocket", "lifespan"]
    client = StreamingClient(1000)
    sent = await call(BodyLimitMiddleware(reading_app), "/login/", client, content_length=1000)
    assert (sent.status, sent.body) == (200, b"1000")


# --- which routes are uploads -------------------------------------------------------------------

def _concrete(path: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}", "7", path)


@pytest.mark.django_db
def test_every_multipart_api_operation_and_only_those_get_the_upload_bound():
    spec = Client().get("/api/v1/openapi.json").json()
    uploads, others = set(), set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in {"post", "put", "patch"}:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            (uploads if "multipart/form-data" in content else others).add(_concrete(path))
    assert "/api/v1/verify" in uploads and "/api/v1/meetings/7/documents" in uploads
    for path in uploads:
        assert body_limit(path) == upload_body_limit(), path
    for path in others - uploads:
        assert body_limit(path) == form_body_limit(), path


def test_every_upload_page_gets_the_upload_bound_and_sign_in_the_small_one():
    upload_pages = [
        reverse("meeting_documents", args=[7]),
        reverse("document_action", args=[7, "replace"]),
        reverse("opinion_new"),
        reverse("opinion_action", args=[7, "answer"]),
        reverse("signing_upload"),
        reverse("signing_certificate"),
        reverse("signing_verify"),
        reverse("help_file_add", args=[7]), reverse("feedback"),  # help (issue 12)
        reverse("task_action", args=[7, "report"]), reverse("task_action", args=[7, "done"]),  # follow-up tasks
    ]
    for path in upload_pages:
        assert body_limit(path) == upload_body_limit(), path
    for path in [reverse("login"), reverse("admin:login"), reverse("document_action", args=[7, "approve"]),
                 reverse("task_action", args=[7, "cancel"]),
                 "/meetings/7/documents/x", "/api/v1/verify/../meetings", "/api/v1/verifyx",
                 "/xverify/", reverse("signing_minutes_action", args=[7, "save"])]:
        assert body_limit(path) == form_body_limit(), path


def test_the_longest_minutes_fit_the_form_bound():
    from signing.actions.minutes import MAX_TEXT

    # The worst case: every character a three-byte Vietnamese letter, url-encoded by the browser.
    body = urlencode({"csrfmiddlewaretoken": "x" * 64, "version": "12", "number": "12/BB-UBND",
                      "text": "ệ" * MAX_TEXT})
    assert len(body.encode()) <= form_body_limit()
