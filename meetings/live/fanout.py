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

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

YIELD_EVERY = 32
# A notice lost in a quiet moment would leave screens behind until the next change: each feed
# compares its last revision with the log this often (one indexed query per meeting and process).
HEAL_SECONDS = 15.0


def _events_after(meeting_id: int, revision: int) -> list[dict[str, Any]]:
    from meetings.events import serialize_for_delivery
    from meetings.models import MeetingEvent

    rows = MeetingEvent.objects.filter(meeting_id=meeting_id, revision__gt=revision).order_by("revision")[:500]
    return [serialize_for_delivery(event) for event in rows]


def _current_revision(meeting_id: int) -> int:
    from meetings.models import Meeting

    return Meeting.objects.filter(pk=meeting_id).values_list("revision", flat=True).first() or 0


class LiveConnection(Protocol):
    meeting_id: int

    def deliver(self, events: list[dict[str, Any]]) -> None:
        """Filter and queue (see outbox.py); must not wait on the network."""


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
        self.heal_task: asyncio.Task | None = None
        self.lock = asyncio.Lock()
        self.last_seen = 0

    async def start(self) -> None:
        layer = self.hub.layer
        self.channel = await layer.new_channel(prefix="meeting-feed")
        await layer.group_add(self.group, self.channel)
        # Read after subscribing: anything later arrives as a notice or is found by _heal.
        self.last_seen = await database_sync_to_async(_current_revision)(self.meeting_id)
        self.task = asyncio.ensure_future(self._read())
        self.heal_task = asyncio.ensure_future(self._heal())
        self.ready.set()

    async def _heal(self) -> None:
        while True:
            await asyncio.sleep(HEAL_SECONDS)
            try:
                missed = await database_sync_to_async(_events_after)(self.meeting_id, self.last_seen)
            except Exception:
                logger.exception("live feed for meeting %s: log check failed", self.meeting_id)
                continue
            if missed:
                await self.dispatch(missed)

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
            if events:
                await self.dispatch(events)

    async def dispatch(self, events: list[dict[str, Any]]) -> None:
        """One batch to every local socket, in order; batches never interleave."""
        async with self.lock:
            self.last_seen = max(self.last_seen, max(e["revision"] for e in events))
            # Each connection filters and queues in memory; its own writer task does the
            # network send, so a slow socket (server backpressure) delays no one else.
            for index, connection in enumerate(tuple(self.connections)):
                if index and not index % YIELD_EVERY:
                    # Let the writers of the sockets queued so far run and the server flush:
                    # with daphne (Twisted) a write only leaves when the loop turns.
                    await asyncio.sleep(0)
                try:
                    connection.deliver(events)
                except Exception:
                    self.connections.discard(connection)
                    logger.debug("live feed for meeting %s: delivery failed", self.meeting_id, exc_info=True)

    async def stop(self) -> None:
        for task in (self.task, self.heal_task):
            if task is not None:
                task.cancel()
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
