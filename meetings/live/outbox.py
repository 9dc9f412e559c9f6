"""One socket's queue of outgoing frames and the one task that writes them.

The per-process feed puts pre-serialized text here without awaiting the network, so a socket
whose server applies backpressure (uvicorn waits while the transport is paused) can hold up
only itself. A socket that falls too far behind is dropped: its queue is discarded and it is
closed with SLOW_CLOSE_CODE; the client reconnects with `since` and catches up from the log,
which stays the source of truth, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

logger = logging.getLogger(__name__)

# Frames waiting for one socket before it is dropped (a replay is at most 500 frames plus a
# snapshot, so a healthy catch-up always fits).
OUTBOX_LIMIT = 1000
# A single write waiting this long means the client stopped reading.
STALL_SECONDS = 10.0
# Close code for "too slow: reconnect with since" (4000 + HTTP 408, like 4403 / 4404 / 4400).
SLOW_CLOSE_CODE = 4408


class Outbox:
    """Bounded FIFO of frames for one socket; `put` never awaits.

    Fast path: with nothing queued or in flight, `put` runs the server's send right away; daphne's
    and uvicorn's sends finish without suspending unless the transport is paused, so a healthy
    socket costs what a direct send did (no task switch per recipient). A send that does suspend
    is handed, mid-flight, to this socket's writer task, and later frames queue behind it.
    """

    __slots__ = ("send", "frames", "wakeup", "task", "sending_since", "closed", "on_overflow", "loop", "inflight")

    def __init__(self, send: Callable[[dict[str, Any]], Coroutine[Any, Any, None]], on_overflow: Callable[[], None]):
        self.send = send
        self.on_overflow = on_overflow
        self.frames: deque[str] = deque()
        self.wakeup = asyncio.Event()
        self.sending_since: float | None = None
        self.closed = False
        # A send started by `put` that suspended: (coroutine, what it yielded).
        self.inflight: tuple[Any, Any] | None = None
        self.loop = asyncio.get_running_loop()
        self.task = self.loop.create_task(self._write())

    def put(self, text: str) -> bool:
        """Queue one frame; False (and the socket is being dropped) when it fell too far behind."""
        if self.closed:
            return False
        since = self.sending_since
        if since is None and not self.frames:
            return self._send_now(text)
        if len(self.frames) >= OUTBOX_LIMIT or (since is not None and self.loop.time() - since > STALL_SECONDS):
            self._overflow()
            return False
        self.frames.append(text)
        self.wakeup.set()
        return True

    def _send_now(self, text: str) -> bool:
        coro = self.send({"type": "websocket.send", "text": text})
        try:
            yielded = coro.send(None)
        except StopIteration:
            return True
        except Exception:
            self._gone()
            return False
        self.inflight = (coro, yielded)
        self.sending_since = self.loop.time()
        self.wakeup.set()
        return True

    def _gone(self) -> None:
        # The socket went away under us (uvicorn raises on send); its disconnect handler
        # leaves the hub.
        self.closed = True
        self.frames.clear()
        logger.debug("live socket write failed", exc_info=True)

    def _overflow(self) -> None:
        logger.info("live socket dropped: %s frames waiting", len(self.frames))
        self.stop()
        self.on_overflow()

    def stop(self) -> None:
        """Discard what is queued and end the writer (it may be stuck in a send)."""
        self.closed = True
        self.frames.clear()
        self.task.cancel()
        if self.inflight is not None:
            self.inflight[0].close()
            self.inflight = None

    async def _write(self) -> None:
        frames, wakeup, send, loop = self.frames, self.wakeup, self.send, self.loop
        while True:
            if self.inflight is not None:
                coro, yielded = self.inflight
                try:
                    await _Resume(coro, yielded)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    self._gone()
                    return
                finally:
                    self.inflight = None
                    self.sending_since = None
                continue
            if not frames:
                wakeup.clear()
                await wakeup.wait()
                continue
            text = frames.popleft()
            self.sending_since = loop.time()
            try:
                await send({"type": "websocket.send", "text": text})
            except asyncio.CancelledError:
                raise
            except Exception:
                self._gone()
                return
            finally:
                self.sending_since = None


class _Resume:
    """Awaiting this continues a coroutine that already ran up to its first suspension
    (`yielded`): the awaiting task waits on what it yielded, exactly as `await coro` would have."""

    __slots__ = ("coro", "yielded")

    def __init__(self, coro: Any, yielded: Any):
        self.coro = coro
        self.yielded = yielded

    def __await__(self):
        coro, value = self.coro, self.yielded
        try:
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    coro.close()
                    raise
                except BaseException as exc:  # e.g. the task's cancellation: into the send
                    value = coro.throw(exc)
                else:
                    value = coro.send(sent)
        except StopIteration as stop:
            return stop.value
