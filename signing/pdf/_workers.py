"""Run a function in a reusable worker process with a hard time limit.

Workers are plain ``python -m signing.pdf._workers`` subprocesses speaking length-prefixed
pickles over stdin/stdout. Not ``multiprocessing``: its spawn/forkserver modes re-import
the caller's ``__main__`` (breaking scripts without a main guard), and plain fork is unsafe
in a threaded server. Each call checks out one idle worker (or starts one, ~1 s to import
pyHanko), so a timeout kills only the worker doing that call; concurrent callers (threads
of a Django server) are unaffected. Only trusted code talks to a worker: the pickles carry
our own function references and the worker's results.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any

MAX_IDLE = max(2, os.cpu_count() or 2)
_LEN = struct.Struct(">Q")
_PKG_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_lock = threading.Lock()
_idle: list[subprocess.Popen] = []


class Timeout(Exception):
    pass


class WorkerFailed(Exception):
    pass


def _write_msg(fh: IO[bytes], obj: Any) -> None:
    blob = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(_LEN.pack(len(blob)))
    fh.write(blob)
    fh.flush()


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks = []
    while n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise Timeout()
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError("worker closed its output")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _read_msg(fd: int, deadline: float | None) -> Any:
    (size,) = _LEN.unpack(_read_exact(fd, _LEN.size, deadline))
    return pickle.loads(_read_exact(fd, size, deadline))


def _start() -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PKG_ROOT, env.get("PYTHONPATH")) if p)
    env.setdefault("PYTHONWARNINGS", "ignore")
    return subprocess.Popen(
        [sys.executable, "-m", "signing.pdf._workers"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        cwd=_PKG_ROOT,
    )


def _kill(proc: subprocess.Popen) -> None:
    try:
        proc.kill()
    except OSError:
        pass
    for fh in (proc.stdin, proc.stdout):
        try:
            if fh is not None:
                fh.close()
        except OSError:
            pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def run(fn: Callable[..., Any], args: tuple, timeout: float) -> Any:
    """Call ``fn(*args)`` in a worker; ``fn`` must be a module-level function."""
    proc = None
    with _lock:
        while _idle and proc is None:
            candidate = _idle.pop()
            if candidate.poll() is None:
                proc = candidate
            else:
                _kill(candidate)
    if proc is None:
        proc = _start()
    assert proc.stdin is not None and proc.stdout is not None
    # the clock starts before the upload: a 100 MB file counts against the limit too
    deadline = time.monotonic() + timeout
    try:
        _write_msg(proc.stdin, (fn, args))
        ok, value = _read_msg(proc.stdout.fileno(), deadline)
    except Timeout:
        _kill(proc)
        raise
    except (EOFError, OSError, pickle.UnpicklingError) as exc:
        _kill(proc)
        raise WorkerFailed("worker process died") from exc
    with _lock:
        if len(_idle) < MAX_IDLE:
            _idle.append(proc)
            proc = None
    if proc is not None:
        _kill(proc)
    if not ok:
        raise WorkerFailed(value)
    return value


@atexit.register
def shutdown() -> None:
    with _lock:
        while _idle:
            _kill(_idle.pop())


def _serve() -> None:
    import logging

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not corrupt the channel
    while True:
        try:
            fn, args = _read_msg(stdin.fileno(), None)
        except EOFError:
            return
        try:
            result: tuple[bool, Any] = (True, fn(*args))
        except Exception as exc:
            result = (False, f"{type(exc).__name__}: {exc}"[:300])
        _write_msg(stdout, result)


if __name__ == "__main__":
    # preload what verification needs before the first job arrives
    import signing.pdf.verify  # noqa: F401

    _serve()
