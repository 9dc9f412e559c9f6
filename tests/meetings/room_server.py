"""Start the real app (daphne or uvicorn) in a subprocess against the test database, for the
browser and scale-out tests and the fan-out benchmark."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url_of(settings_dict: dict) -> str:
    engine = settings_dict["ENGINE"]
    if "sqlite" in engine:
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD")
    auth = f"{user}:{password}" if password else user
    return f"postgres://{auth}@{settings_dict.get('HOST') or '127.0.0.1'}:{settings_dict.get('PORT') or 5432}/{settings_dict['NAME']}"


class AppServer:
    def __init__(self, *, database_url: str, server: str = "daphne", port: int | None = None,
                 extra_env: dict | None = None, media_root: str | None = None):
        self.port = port or free_port()
        self.server = server
        self.env = dict(os.environ, DATABASE_URL=database_url, ECABINET_TESTING="1", PYTHONUNBUFFERED="1")
        if media_root:
            self.env["MEDIA_ROOT"] = media_root
        self.env.update(extra_env or {})
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        if self.server == "uvicorn":
            return [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(self.port),
                    "--ws", "websockets-sansio", "--log-level", "warning", "--no-access-log",
                    "ecabinet.asgi:application"]
        return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "-v", "0",
                "ecabinet.asgi:application"]

    def start(self, timeout: float = 30) -> AppServer:
        self.log = open(os.devnull, "wb") if not os.environ.get("ROOM_SERVER_LOG") else None
        self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log,
                                     start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.server} exited with {self.proc.returncode}")
            try:
                urllib.request.urlopen(self.url + "/login/", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.server} did not start on {self.port}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
