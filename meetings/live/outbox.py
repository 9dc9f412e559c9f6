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
from collections.abc import Awaitable, Callable
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
    """Bounded FIFO of frames for one socket; `put` never awaits."""

    __slots__ = ("send", "frames", "wakeup", "task", "sending_since", "closed", "on_overflow", "loop")

    def __init__(self, send: Callable[[dict[str, Any]], Awaitable[None]], on_overflow: Callable[[], None]):
        self.send = send
        self.on_overflow = on_overflow
        self.frames: deque[str] = deque()
        self.wakeup = asyncio.Event()
        self.sending_since: float | None = None
        self.closed = False
        self.loop = asyncio.get_running_loop()
        self.task = self.loop.create_task(self._write())

    def put(self, text: str) -> bool:
        """Queue one frame; False (and the socket is being dropped) when it fell too far behind."""
        if self.closed:
            return False
        since = self.sending_since
        if len(self.frames) >= OUTBOX_LIMIT or (since is not None and self.loop.time() - since > STALL_SECONDS):
            self._overflow()
            return False
        self.frames.append(text)
        self.wakeup.set()
        return True

    def _overflow(self) -> None:
        logger.info("live socket dropped: %s frames waiting", len(self.frames))
        self.stop()
        self.on_overflow()

    def stop(self) -> None:
        """Discard what is queued and end the writer (it may be stuck in a send)."""
        self.closed = True
        self.frames.clear()
        self.task.cancel()

    async def _write(self) -> None:
        frames, wakeup, send, loop = self.frames, self.wakeup, self.send, self.loop
        while True:
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
                # The socket went away under us (uvicorn raises on send); its disconnect
                # handler leaves the hub.
                self.closed = True
                frames.clear()
                logger.debug("live socket write failed", exc_info=True)
                return
            finally:
                self.sending_since = None
