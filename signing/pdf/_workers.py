"""Run a function in a reusable worker process with a hard time limit.

Workers are plain ``python -m signing.pdf._workers`` subprocesses speaking length-prefixed
pickles over stdin/stdout. A large argument (the PDF) travels as a *payload* through a
memory file (``memfd``) that the parent and its worker share: the parent writes it with one
``pwrite``, the worker reads it with one ``pread``. Through the pipe, a 10 MB PDF was
pickled, pushed in 64 KB pieces, joined and unpickled (~25 ms of copies and context
switches); through the shared file it is two copies (~5 ms). The file keeps its pages
between calls (up to ``_KEEP_PAGES``), so the next payload is written into memory the
kernel has already allocated. Not ``multiprocessing``: its spawn/forkserver modes re-import
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
import tempfile
import threading
import time
from collections.abc import Callable
from typing import IO, Any

MAX_IDLE = max(2, os.cpu_count() or 2)
_KEEP_PAGES = 16 * 1024 * 1024  # a bigger payload is released after its call
_LEN = struct.Struct(">Q")
_PKG_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_lock = threading.Lock()
_idle: list[_Worker] = []


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


def _payload_file() -> int:
    """An anonymous file: nothing to clean up, gone when both processes close it."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("ecabinet-verify", os.MFD_CLOEXEC)
    fh = tempfile.TemporaryFile()
    fd = os.dup(fh.fileno())
    fh.close()
    return fd


def _pwrite_all(fd: int, data: Any) -> None:
    view = memoryview(data).cast("B")
    done = 0
    while done < len(view):
        done += os.pwrite(fd, view[done:], done)
    os.ftruncate(fd, len(view))


def _pread_all(fd: int, size: int) -> bytes:
    data = os.pread(fd, size, 0)
    if len(data) == size:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        chunk = os.pread(fd, size - got, got)
        if not chunk:
            raise EOFError("payload file is shorter than announced")
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


class _Worker:
    __slots__ = ("proc", "payload_fd")

    def __init__(self, proc: subprocess.Popen, payload_fd: int) -> None:
        self.proc = proc
        self.payload_fd = payload_fd


def _start() -> _Worker:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PKG_ROOT, env.get("PYTHONPATH")) if p)
    env.setdefault("PYTHONWARNINGS", "ignore")
    fd = _payload_file()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "signing.pdf._workers", str(fd)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=_PKG_ROOT,
            pass_fds=(fd,),
        )
    except BaseException:
        os.close(fd)
        raise
    return _Worker(proc, fd)


def _kill(worker: _Worker) -> None:
    proc = worker.proc
    if worker.payload_fd >= 0:
        try:
            os.close(worker.payload_fd)
        except OSError:
            pass
        worker.payload_fd = -1
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


def run(
    fn: Callable[..., Any], args: tuple, timeout: float, *, payload: Any = None
) -> Any:
    """Call ``fn(*args)`` in a worker, or ``fn(payload_bytes, *args)`` when a ``payload``
    (bytes-like) is given; ``fn`` must be a module-level function."""
    worker = None
    with _lock:
        while _idle and worker is None:
            candidate = _idle.pop()
            if candidate.proc.poll() is None:
                worker = candidate
            else:
                _kill(candidate)
    if worker is None:
        worker = _start()
    proc = worker.proc
    assert proc.stdin is not None and proc.stdout is not None
    # the clock starts before the upload: a 100 MB file counts against the limit too
    deadline = time.monotonic() + timeout
    size = -1
    try:
        if payload is not None:
            size = memoryview(payload).nbytes
            _pwrite_all(worker.payload_fd, payload)
        _write_msg(proc.stdin, (fn, args, size))
        ok, value = _read_msg(proc.stdout.fileno(), deadline)
    except Timeout:
        _kill(worker)
        raise
    except (EOFError, OSError, pickle.UnpicklingError) as exc:
        _kill(worker)
        raise WorkerFailed("worker process died") from exc
    if size > _KEEP_PAGES:
        try:
            os.ftruncate(worker.payload_fd, 0)
        except OSError:
            _kill(worker)
    with _lock:
        if worker.payload_fd >= 0 and len(_idle) < MAX_IDLE:
            _idle.append(worker)
            worker = None
    if worker is not None:
        _kill(worker)
    if not ok:
        raise WorkerFailed(value)
    return value


@atexit.register
def shutdown() -> None:
    with _lock:
        while _idle:
            _kill(_idle.pop())


def _serve(payload_fd: int) -> None:
    import logging

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not corrupt the channel
    while True:
        try:
            fn, args, size = _read_msg(stdin.fileno(), None)
        except EOFError:
            return
        try:
            if size >= 0:
                args = (_pread_all(payload_fd, size), *args)
            result: tuple[bool, Any] = (True, fn(*args))
        except Exception as exc:
            result = (False, f"{type(exc).__name__}: {exc}"[:300])
        _write_msg(stdout, result)


if __name__ == "__main__":
    # preload what verification needs before the first job arrives
    import signing.pdf.verify  # noqa: F401

    _serve(int(sys.argv[1]))
