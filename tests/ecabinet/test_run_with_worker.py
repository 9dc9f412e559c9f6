"""`manage.py run_with_worker -- SERVER…` (what `make run` and `make dev` start): the server and
the task queue's consumer start together and stop together — on SIGTERM or Ctrl-C both stop; when
the server exits on its own the consumer is stopped and the exit status is the server's."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest
from django.db import connection

from tests.ecabinet.test_task_queue import wait_until
from tests.meetings.room_server import ROOT, database_url_of

pytestmark = pytest.mark.django_db(transaction=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purposes
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().split(")")[-1].split()[0] != "Z"


def start(tmp_path, server: list[str]) -> tuple[subprocess.Popen, int, int]:
    env = dict(os.environ, DATABASE_URL=database_url_of(connection.settings_dict), ECABINET_TESTING="1",
               PYTHONUNBUFFERED="1", TASK_QUEUE_IMMEDIATE="0", TASK_QUEUE_FILE=str(tmp_path / "tasks.sqlite3"))
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "manage.py", "run_with_worker", "--", *server], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"server pid (\d+), task queue consumer pid (\d+)", line)
    assert found, line
    return proc, int(found.group(1)), int(found.group(2))


def test_sigterm_stops_the_server_and_the_consumer(tmp_path):
    proc, server, consumer = start(tmp_path, [sys.executable, "-c", "import time; time.sleep(300)"])
    try:
        assert alive(server) and alive(consumer)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        assert not alive(server) and not alive(consumer)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_a_server_that_exits_takes_the_consumer_with_it(tmp_path):
    proc, server, consumer = start(tmp_path, [sys.executable, "-c", "import time; time.sleep(3); raise SystemExit(3)"])
    try:
        assert proc.wait(60) == 3
        wait_until(lambda: not alive(consumer), "the consumer to stop")
        assert "the server exited (3)" in (proc.stdout.read() if proc.stdout else "")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_a_killed_supervisor_leaves_no_consumer_behind(tmp_path):
    proc, server, consumer = start(tmp_path, [sys.executable, "-c", "import time; time.sleep(300)"])
    proc.kill()  # SIGKILL: no chance to stop its children; the kernel tells them (PDEATHSIG)
    proc.wait(30)
    wait_until(lambda: not alive(server) and not alive(consumer), "the children to stop", timeout=30)
