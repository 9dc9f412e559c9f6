"""A slow or stuck socket cannot delay anyone else: the feed only queues (meetings/live/outbox.py);
a socket that falls too far behind is closed with 4408 and catches up from the log with `since`.

The stuck client is the real ASGI application behind a server whose send blocks for that one
socket, as uvicorn's does while a client's TCP window is full.
"""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from meetings.events import emit
from meetings.live import outbox as outbox_module
from tests.kit.rooms import make_quiet_room
from tests.kit.users import session_cookie
from tests.meetings.roomkit import (
    close_thread_connections,  # noqa: F401 (fixture)
    connect,
    expect,
    next_frame,
    room_object,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_thread_connections")]


class StuckServer:
    """Wraps the ASGI app: once `gate` is cleared, every text frame to this socket waits for it
    (a close still goes out, as a server would try to)."""

    def __init__(self) -> None:
        from ecabinet.asgi import application

        self.application = application
        self.gate = asyncio.Event()
        self.gate.set()
        self.blocked = 0

    async def __call__(self, scope, receive, send):
        async def blocking_send(message):
            if message["type"] == "websocket.send" and not self.gate.is_set():
                self.blocked += 1
                await self.gate.wait()
            await send(message)

        await self.application(scope, receive, blocking_send)


async def connect_stuck(server: StuckServer, meeting_id: int, user) -> WebsocketCommunicator:
    cookie = await sync_to_async(session_cookie)(user)
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", f"sessionid={cookie}".encode())]
    communicator = WebsocketCommunicator(server, f"/ws/meetings/{meeting_id}/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def make_changes(meeting, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        with transaction.atomic():
            emit(meeting, "room.updated", {"room": room_object(f"Ghi chú {n}")})


@pytest.fixture
async def room():
    return await sync_to_async(make_quiet_room)()


async def test_stuck_socket_does_not_delay_others_and_catches_up_after_overflow(room, monkeypatch):
    monkeypatch.setattr(outbox_module, "OUTBOX_LIMIT", 20)
    server = StuckServer()
    stuck = await connect_stuck(server, room.meeting.pk, room.members[1])
    await expect(stuck, type="snapshot", revision=0)
    healthy = await connect(room.meeting.pk, room.member)
    await expect(healthy, type="snapshot", revision=0)

    server.gate.clear()  # the stuck client stops reading from here on
    await sync_to_async(make_changes)(room.meeting, 10)
    # Every event reaches the healthy socket promptly and in order while the other is stuck.
    frames = [await next_frame(healthy, timeout=2) for _ in range(10)]
    assert [f["revision"] for f in frames] == list(range(1, 11))
    assert server.blocked == 1  # the stuck socket's writer waits on its first frame; the rest queue
    assert await stuck.receive_nothing(0.1)

    # Past the limit its queue is dropped and it is closed with 4408; others go on undisturbed.
    await sync_to_async(make_changes)(room.meeting, 15, start=10)
    frames = [await next_frame(healthy, timeout=2) for _ in range(15)]
    assert [f["revision"] for f in frames] == list(range(11, 26))
    closed = await stuck.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": outbox_module.SLOW_CLOSE_CODE}
    server.gate.set()
    assert await stuck.receive_nothing(0.2)  # nothing of the dropped queue is written after the close
    await stuck.disconnect()

    monkeypatch.setattr(outbox_module, "OUTBOX_LIMIT", 1000)  # a real replay (<= 500) always fits
    # Reconnecting with the last revision it saw, it gets everything it missed, in order, once.
    again = await connect(room.meeting.pk, room.members[1], since=0)
    frames = [await next_frame(again, timeout=2) for _ in range(25)]
    assert [f["revision"] for f in frames] == list(range(1, 26))
    assert frames[0]["data"]["room"]["conclusion"] == "Ghi chú 0"
    assert await again.receive_nothing(0.1)
    await sync_to_async(make_changes)(room.meeting, 1, start=25)
    await expect(again, type="event", revision=26)
    await expect(healthy, type="event", revision=26)
    await again.disconnect()
    await healthy.disconnect()


async def test_socket_stalled_too_long_is_closed(room, monkeypatch):
    monkeypatch.setattr(outbox_module, "STALL_SECONDS", 0.2)
    server = StuckServer()
    stuck = await connect_stuck(server, room.meeting.pk, room.member)
    await expect(stuck, type="snapshot", revision=0)
    server.gate.clear()
    await sync_to_async(make_changes)(room.meeting, 1)
    await asyncio.sleep(0.3)
    # Below the frame limit, but its one write has waited too long: the next change drops it.
    await sync_to_async(make_changes)(room.meeting, 1, start=1)
    closed = await stuck.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": outbox_module.SLOW_CLOSE_CODE}
    server.gate.set()
    await stuck.disconnect()


async def test_a_slow_reader_within_bounds_gets_everything_in_order(room):
    server = StuckServer()
    slow = await connect_stuck(server, room.meeting.pk, room.member)
    await expect(slow, type="snapshot", revision=0)
    server.gate.clear()
    await sync_to_async(make_changes)(room.meeting, 30)
    await asyncio.sleep(0.1)
    server.gate.set()  # it reads again: the queue drains in order, nothing dropped
    frames = [await next_frame(slow, timeout=2) for _ in range(30)]
    assert [f["revision"] for f in frames] == list(range(1, 31))
    assert await slow.receive_nothing(0.1)
    await slow.disconnect()
