"""`manage.py run_with_worker -- SERVER COMMAND…`: the server and the task queue's consumer
(`manage.py run_huey`) as one command, for `make run` and `make dev`.

Both start together and stop together: Ctrl-C or SIGTERM stops both (each gets SIGINT, a graceful
stop: the server finishes its requests, the consumer its running tasks; after a grace period
SIGKILL), and when either exits on its own the other is stopped and the command exits with the
first one's status — a server without its consumer would silently stop sending reminders. The
children run in sessions of their own, so a terminal's Ctrl-C reaches them once, through here;
on Linux they are also told to stop (SIGTERM) if this process dies without stopping them.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

GRACE_SECONDS = 8
PR_SET_PDEATHSIG = 1


# Looked up here, not in the child: between fork and exec only the call itself runs.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the parent dies (Linux prctl; elsewhere nothing)."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop(procs: list[subprocess.Popen], grace: float = GRACE_SECONDS) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class Command(BaseCommand):
    help = "Run a server command and the task queue's consumer together; stop both together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("server", nargs="+", help="the server command line (after --)")

    def handle(self, *args: Any, **options: Any) -> None:
        server_cmd: list[str] = options["server"]
        consumer_cmd = [sys.executable, os.path.abspath(sys.argv[0]), "run_huey"]
        stopping: list[int] = []

        def on_signal(signum: int, frame: Any) -> None:
            stopping.append(signum)

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        consumer = subprocess.Popen(consumer_cmd, start_new_session=True, preexec_fn=_die_with_parent)
        try:
            server = subprocess.Popen(server_cmd, start_new_session=True, preexec_fn=_die_with_parent)
        except OSError as exc:
            _stop([consumer])
            raise CommandError(f"cannot start {server_cmd[0]}: {exc}") from exc
        self.stdout.write(f"server pid {server.pid}, task queue consumer pid {consumer.pid}", ending="\n")
        self.stdout.flush()
        procs = [server, consumer]
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.2)
        first = next((p for p in procs if p.returncode is not None), None)
        _stop(procs)
        if first is not None and not stopping:
            name = "server" if first is server else "task queue consumer"
            self.stderr.write(f"the {name} exited ({first.returncode}); stopped the other")
            sys.exit(first.returncode or 1)
