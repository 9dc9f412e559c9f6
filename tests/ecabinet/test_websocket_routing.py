from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator

from ecabinet.asgi import application


@pytest.mark.django_db(transaction=True)
async def test_unknown_websocket_path_is_closed():
    communicator = WebsocketCommunicator(application, "/ws/nowhere/", headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")])
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4404
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(application, "/ws/nowhere/", headers=[(b"origin", b"http://evil.example"), (b"host", b"testserver")])
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


async def _handshake(origin: bytes | None, host: bytes = b"testserver", scheme: str = "ws",
                     extra: list | None = None) -> int | None:
    """The close code: 4404 means the origin check let the socket through to the router."""
    headers = [(b"host", host), *(extra or [])]
    if origin is not None:
        headers.append((b"origin", origin))
    communicator = WebsocketCommunicator(application, "/ws/nowhere/", headers=headers)
    communicator.scope["scheme"] = scheme
    connected, code = await communicator.connect()
    assert not connected
    await communicator.disconnect()
    return code


PASSED = 4404


@pytest.mark.django_db(transaction=True)
async def test_origin_must_match_scheme_host_and_port():
    # same origin: through
    assert await _handshake(b"http://testserver") == PASSED
    assert await _handshake(b"http://testserver:80") == PASSED
    assert await _handshake(b"http://testserver:8000", host=b"testserver:8000") == PASSED
    assert await _handshake(b"https://testserver", scheme="wss") == PASSED
    # another port, another scheme, another host, junk or none: refused before any consumer runs
    for origin, host, scheme in [
        (b"http://testserver:8001", b"testserver", "ws"),
        (b"http://testserver:8001", b"testserver:8000", "ws"),
        (b"http://testserver", b"testserver:8000", "ws"),
        (b"https://testserver", b"testserver", "ws"),
        (b"http://testserver", b"testserver", "wss"),
        (b"http://localhost", b"testserver", "ws"),
        (b"http://evil.example", b"evil.example", "ws"),  # a Host outside ALLOWED_HOSTS
        (b"null", b"testserver", "ws"),
        (b"http://testserver:notaport", b"testserver", "ws"),
        (None, b"testserver", "ws"),
    ]:
        assert await _handshake(origin, host=host, scheme=scheme) != PASSED, (origin, host, scheme)


@pytest.mark.django_db(transaction=True)
async def test_https_behind_the_proxy_and_trusted_origins(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = [(b"x-forwarded-proto", b"https")]
    assert await _handshake(b"https://testserver", extra=proxied) == PASSED
    assert await _handshake(b"http://testserver", extra=proxied) != PASSED
    settings.CSRF_TRUSTED_ORIGINS = ["https://hop.example.gov.vn", "https://*.ubnd.example.gov.vn"]
    assert await _handshake(b"https://hop.example.gov.vn") == PASSED
    assert await _handshake(b"https://phong.ubnd.example.gov.vn") == PASSED
    for origin in (b"https://hop.example.gov.vn:8443", b"http://hop.example.gov.vn", b"https://ubnd.example.gov.vn",
                   b"https://evilubnd.example.gov.vn"):
        assert await _handshake(origin) != PASSED, origin
