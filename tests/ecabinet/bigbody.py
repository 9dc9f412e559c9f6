"""Send a huge streamed body to a real server and read its peak memory: the server `make run` starts
(its command line read from the Makefile, so the test checks what is really served) or daphne.
Used by tests/ecabinet/test_bodylimit_server.py and bench/bodylimit.py."""

from __future__ import annotations

import re
import select
import shlex
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.meetings.room_server import ROOT, AppServer

MB = 1024 * 1024
BOUNDARY = "ecabinet-bigbody-7f3a"


def make_run_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """The server line of the Makefile's `run` target, with its variables filled in."""
    recipe = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1]
    line = next(line.strip() for line in recipe.splitlines()
                if line.startswith("\t") and "ecabinet.asgi:application" in line)
    line = re.sub(r"^DEBUG=\S+\s+", "", line)
    # the server itself, without the supervisor that starts the task queue's consumer beside it
    line = re.sub(r"^.*\brun_with_worker\s+--\s+", "", line)
    line = (line.replace("$(BIN)", str(Path(sys.executable).parent)).replace("$(HOST)", host)
            .replace("$(PORT)", str(port)))
    return shlex.split(line)


class MakeRunServer(AppServer):
    def __init__(self, **kwargs):
        super().__init__(server="make run", **kwargs)

    def command(self) -> list[str]:
        return make_run_command(self.port)


def peak_rss_mb(pid: int) -> float:
    """The process's resident-set high-water mark (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


@dataclass
class Outcome:
    status: int | None
    body: bytes
    sent_bytes: int


def _multipart_parts(total: int) -> tuple[bytes, bytes]:
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return head, tail


def post_huge(port: int, path: str, file_bytes: int, *, chunked: bool, timeout: float = 180) -> Outcome:
    """POST a multipart body holding a `file_bytes` file, streamed in 1 MB pieces, either with its
    Content-Length or chunked without one. Stops sending as soon as the server answers or hangs up."""
    head, tail = _multipart_parts(file_bytes)
    total = len(head) + file_bytes + len(tail)
    headers = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}",
               f"Content-Type: multipart/form-data; boundary={BOUNDARY}", "Connection: close"]
    headers.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")

    def pieces():
        yield head
        piece = b"%PDF-1.7\n" + b"0" * (MB - 9)
        left = file_bytes
        while left > 0:
            yield piece[:min(MB, left)]
            left -= MB
        yield tail

    def framed():
        for piece in pieces():
            yield (f"{len(piece):x}\r\n".encode() + piece + b"\r\n") if chunked else piece
        if chunked:
            yield b"0\r\n\r\n"

    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
    sock.setblocking(False)
    source, pending, sent, received = framed(), b"", 0, b""
    sending, deadline = True, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock] if sending else [], [], 1.0)
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    break
                if not data:
                    break
                received += data
                sending = False  # the server has answered: the rest is never sent
                continue
            if writable:
                if not pending:
                    pending = next(source, b"")
                    if not pending:
                        sending = False
                        continue
                try:
                    n = sock.send(pending)
                except (BrokenPipeError, ConnectionResetError):
                    sending = False
                    continue
                sent += n
                pending = pending[n:]
    finally:
        sock.close()
    status = None
    match = re.match(rb"HTTP/1\.[01] (\d{3})", received)
    if match:
        status = int(match.group(1))
    body = received.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in received else b""
    return Outcome(status=status, body=body, sent_bytes=sent)
