"""Misbehaving services on loopback: one in front of another server that answers some paths
with a redirect to it and forwards the rest (clients must not follow), one that never answers."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler
from typing import Any

from . import LoopbackServer


class RedirectingServer(LoopbackServer):
    """``RedirectingServer(target_url, redirect_suffixes=("",))``: POSTs whose path ends with one
    of the suffixes get ``307`` to the same path at `target_url` (so the whole Authorization
    header would follow a client that obeys); the others are forwarded there and answered."""

    def __init__(self, target_url: str, *, redirect_suffixes: tuple[str, ...] = ("",), status: int = 307) -> None:
        self.target_url = target_url.rstrip("/")
        self.redirected: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if any(self.path.endswith(suffix) for suffix in redirect_suffixes):
                    outer.redirected.append(self.path)
                    self.send_response(status)
                    self.send_header("Location", outer.target_url + self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                forwarded = urllib.request.Request(outer.target_url + self.path, data=raw, method="POST", headers={
                    name: value for name, value in self.headers.items()
                    if name.lower() in ("authorization", "content-type", "accept")})
                try:
                    with urllib.request.urlopen(forwarded, timeout=10) as response:  # noqa: S310 - loopback
                        code, body = response.status, response.read()
                except urllib.error.HTTPError as exc:
                    code, body = exc.code, exc.read()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(Handler, name="test-redirect")

    @property
    def url(self) -> str:
        return self.base_url


class SilentServer(LoopbackServer):
    """Accepts every request and answers nothing for `delay` seconds (a service that hangs)."""

    def __init__(self, delay: float = 5.0) -> None:
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                outer.requests += 1
                time.sleep(delay)

        super().__init__(Handler, name="test-silent")

    @property
    def url(self) -> str:
        return self.base_url
