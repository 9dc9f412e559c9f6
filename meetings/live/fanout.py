"""Fan out once per process: one channel-layer subscription per meeting, then a loop over this
process's sockets, each getting the pre-serialized frames it may see.

The stock Channels path (every consumer in the group, one layer message and one `dispatch`
per consumer) costs a layer receive, an expiry scan and a thread hop per recipient; here a
recipient costs one `may_see` check and one send of text that was serialized once, at commit.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any, Protocol

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

YIELD_EVERY = 32


class LiveConnection(Protocol):
    meeting_id: int

    async def deliver(self, events: list[dict[str, Any]]) -> None: ...


class MeetingFeed:
    """The process's one subscription to a meeting's group and the local sockets on it."""

    def __init__(self, hub: Hub, meeting_id: int):
        self.hub = hub
        self.meeting_id = meeting_id
        self.group = f"meeting-{meeting_id}"
        self.connections: set[LiveConnection] = set()
        self.channel: str | None = None
        self.ready = asyncio.Event()
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        layer = self.hub.layer
        self.channel = await layer.new_channel(prefix="meeting-feed")
        await layer.group_add(self.group, self.channel)
        self.task = asyncio.ensure_future(self._read())
        self.ready.set()

    async def _read(self) -> None:
        layer = self.hub.layer
        while True:
            try:
                message = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # a broken layer connection: log, back off, keep the feed alive
                logger.exception("live feed for meeting %s: receive failed", self.meeting_id)
                await asyncio.sleep(0.5)
                continue
            if message.get("type") != "meeting.events":
                continue
            events = message.get("events") or []
            if not events:
                continue
            # Each connection filters and writes in memory (the server's send only buffers);
            # a gap makes that one connection read the log on its own task.
            for index, connection in enumerate(tuple(self.connections)):
                if index and not index % YIELD_EVERY:
                    # Let the server flush what is queued so far: with daphne (Twisted) a write
                    # only leaves when the loop turns, so the first sockets would otherwise
                    # wait for the last one to be queued.
                    await asyncio.sleep(0)
                try:
                    await connection.deliver(events)
                except Exception:
                    logger.exception("live feed for meeting %s: delivery failed", self.meeting_id)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.channel is not None:
            try:
                await self.hub.layer.group_discard(self.group, self.channel)
            except Exception:
                logger.exception("live feed for meeting %s: group_discard failed", self.meeting_id)


class Hub:
    """Per event loop (one per worker process in production; one per test loop in tests)."""

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.feeds: dict[int, MeetingFeed] = {}

    async def join(self, connection: LiveConnection) -> None:
        """Returns once this process is subscribed: anything committed later reaches `deliver`."""
        feed = self.feeds.get(connection.meeting_id)
        if feed is None:
            feed = MeetingFeed(self, connection.meeting_id)
            self.feeds[connection.meeting_id] = feed
            feed.connections.add(connection)
            try:
                await feed.start()
            except BaseException:
                self.feeds.pop(connection.meeting_id, None)
                raise
        else:
            feed.connections.add(connection)
            await feed.ready.wait()

    async def leave(self, connection: LiveConnection) -> None:
        feed = self.feeds.get(connection.meeting_id)
        if feed is None:
            return
        feed.connections.discard(connection)
        if not feed.connections and feed.ready.is_set():
            self.feeds.pop(connection.meeting_id, None)
            await feed.stop()


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub()
    return hub
