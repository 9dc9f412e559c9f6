"""The websocket origin check: a page may open the live socket only from this site itself.

Channels' AllowedHostsOriginValidator compares the Origin's host with ALLOWED_HOSTS and ignores
its scheme and port, so a page served by anything else on the same host (another port, plain
http next to https) could open a socket with the user's cookie. This check is the one Django's
CSRF protection makes for a POST: the Origin must be exactly this request's own scheme, host
and port (the Host header, itself in ALLOWED_HOSTS), or one of CSRF_TRUSTED_ORIGINS.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import SplitResult, urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            try:
                return value.decode("latin1")
            except UnicodeDecodeError:
                return None
    return None


def _origin(url: SplitResult) -> Origin | None:
    try:
        port = url.port
    except ValueError:
        return None
    if url.scheme not in DEFAULT_PORTS or not url.hostname:
        return None
    return url.scheme, url.hostname.lower(), port or DEFAULT_PORTS[url.scheme]


def request_is_secure(scope: dict[str, Any]) -> bool:
    """wss, or https at the reverse proxy when SECURE_PROXY_SSL_HEADER says so (as for HTTP)."""
    if scope.get("scheme") == "wss":
        return True
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        meta_name, expected = proxy_header
        name = meta_name.removeprefix("HTTP_").lower().replace("_", "-").encode()
        value = _header(scope, name)
        return value is not None and value.split(",")[0].strip() == expected
    return False


def own_origin(scope: dict[str, Any]) -> Origin | None:
    """(scheme, host, port) of the page that may open this socket, from the Host header."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    scheme = "https" if request_is_secure(scope) else "http"
    return _origin(urlsplit(f"{scheme}://{host}"))


def _trusted(origin: Origin) -> bool:
    """In CSRF_TRUSTED_ORIGINS: the same scheme, host and port, or for "https://*.example.gov.vn"
    any subdomain of it (as Django reads that setting)."""
    for entry in settings.CSRF_TRUSTED_ORIGINS:
        url = urlsplit(entry)
        if url.netloc.startswith("*."):
            parent = _origin(url._replace(netloc=url.netloc[2:]))
            if parent is not None and (origin[0], origin[2]) == (parent[0], parent[2]) \
                    and origin[1].endswith("." + parent[1]):
                return True
        elif _origin(url) == origin:
            return True
    return False


def origin_allowed(scope: dict[str, Any]) -> bool:
    header = _header(scope, b"origin")
    if not header:
        return False  # browsers always send it on a websocket; refusing costs nothing
    origin = _origin(urlsplit(header.strip()))
    if origin is None:
        return False
    own = own_origin(scope)
    if own is None:
        return False  # a Host this installation does not serve
    return origin == own or _trusted(origin)


class SameOriginValidator:
    """ASGI middleware: refuse the websocket handshake unless `origin_allowed`."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("SameOriginValidator guards websocket connections only")
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
