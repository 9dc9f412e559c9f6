"""Websocket helpers for the live room tests: sockets over the real ASGI application, frames
read in order, and the clean-up the test database needs. The rooms themselves are in
tests/kit/rooms.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from ecabinet.models import User
from tests.kit.users import session_cookie

__all__ = ["connect", "settle", "next_frame", "expect", "expect_events", "close_thread_connections"]


async def connect(meeting_id: int, user: User | None, *, since: int | str | None = None,
                  origin: bytes = b"http://testserver") -> WebsocketCommunicator:
    from ecabinet.asgi import application

    headers = [(b"origin", origin), (b"host", b"testserver")]
    if user is not None:
        cookie = await sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    path = f"/ws/meetings/{meeting_id}/" + (f"?since={since}" if since is not None else "")
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def settle(communicator: WebsocketCommunicator) -> list[dict[str, Any]]:
    """Frames sent before the consumer finished what it was doing (ping -> pong is in order)."""
    await communicator.send_to(text_data='{"type":"ping"}')
    frames = []
    while (frame := await next_frame(communicator))["type"] != "pong":
        frames.append(frame)
    return frames


async def next_frame(communicator: WebsocketCommunicator, timeout: float = 3) -> dict[str, Any]:
    return json.loads(await communicator.receive_from(timeout=timeout))


async def expect(communicator: WebsocketCommunicator, **fields) -> dict[str, Any]:
    frame = await next_frame(communicator)
    for key, value in fields.items():
        assert frame.get(key) == value, (key, value, frame)
    return frame


async def expect_events(communicator: WebsocketCommunicator, count: int) -> list[dict[str, Any]]:
    return [await expect(communicator, type="event") for _ in range(count)]


def room_object(conclusion: str = "", fraction: float = 0.5) -> dict[str, Any]:
    """A `room.updated` payload's room of an empty room (the shape meetings/event_types.py
    RoomObject declares), for tests that emit one by hand."""
    return {"quorum_fraction": fraction, "conclusion": conclusion,
            "quorum": {"present": 0, "eligible": 0, "required": 1, "reached": False},
            "attendance": {"members": 0, "members_present": 0, "guests": 0, "guests_present": 0}}


@pytest.fixture
async def close_thread_connections():
    """Close the DB connection of the thread sync_to_async used, so the test DB can be dropped."""
    yield
    from django.db import connections

    await sync_to_async(connections.close_all)()
