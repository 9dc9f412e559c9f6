"""Helpers for the live room tests: a meeting with a chair, a secretary, members, a guest and an
outsider, sockets over the real ASGI application, and the reference reducer."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from ecabinet.models import Unit, User
from ecabinet.roles import ORGANISER
from meetings.models import AgendaItem, Meeting, Participant
from tests.kit.factories import make_meeting
from tests.kit.users import make_user, session_cookie

__all__ = ["make_room", "make_quiet_room", "session_cookie", "connect", "settle", "next_frame", "expect", "expect_events",
           "reduce", "normalized", "close_thread_connections"]


def make_room(status: str = Meeting.Status.IN_PROGRESS, *, members: int = 2, prefix: str = "") -> SimpleNamespace:
    """Built through the actions: the secretary (an organiser of their unit) convenes, invites and
    starts the meeting."""
    def user(name: str, **kw) -> User:
        return make_user(f"{prefix}{name}", full_name=kw.pop("full_name", f"Đại biểu {name}"), **kw)

    unit = Unit.objects.create(name="Văn phòng UBND tỉnh", code=f"{prefix}vp-room", kind="office")
    chair = user("chair", full_name="Chủ Tịch")
    secretary = user("secretary", full_name="Thư Ký", unit=unit, roles=(ORGANISER,))
    member_users = [user(f"member{i}") for i in range(1, members + 1)]
    guest, outsider = user("guest", full_name="Khách Mời"), user("outsider")
    meeting = make_meeting(
        by=secretary, title="Phiên họp thường kỳ tháng 11", starts_at=timezone.now(), unit=unit, chair=chair,
        members=member_users, guests=[guest], location="Phòng họp số 1",
        items=[{"title": f"Nội dung {i}", "duration_minutes": 15} for i in (1, 2, 3)], status=status,
    )
    by_user = {p.user_id: p for p in meeting.participants.all()}
    parts = {"chair": by_user[chair.pk], "secretary": by_user[secretary.pk], "guest": by_user[guest.pk]}
    member_parts = [by_user[u.pk] for u in member_users]
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position"))
    return SimpleNamespace(
        meeting=meeting, chair=chair, secretary=secretary, members=member_users, member=member_users[0],
        guest=guest, outsider=outsider, parts=parts, member_parts=member_parts, items=items,
    )


def make_quiet_room(status: str = Meeting.Status.IN_PROGRESS, *, members: int = 2, prefix: str = "") -> SimpleNamespace:
    """The same room as make_room, written straight to the tables. ORM on purpose: the live
    socket tests count revisions from 0 and expect no notice in flight, and every action emits."""
    def user(name: str, **kw) -> User:
        return make_user(f"{prefix}{name}", full_name=kw.pop("full_name", f"Đại biểu {name}"), **kw)

    chair, secretary = user("chair", full_name="Chủ Tịch"), user("secretary", full_name="Thư Ký")
    member_users = [user(f"member{i}") for i in range(1, members + 1)]
    guest, outsider = user("guest", full_name="Khách Mời"), user("outsider")
    now = timezone.now()
    meeting = Meeting.objects.create(
        title="Phiên họp thường kỳ tháng 11", starts_at=now, ends_at=now + timedelta(hours=3),
        created_by=secretary, status=status, started_at=now if status == Meeting.Status.IN_PROGRESS else None,
        location="Phòng họp số 1",
    )
    parts = {role: Participant.objects.create(meeting=meeting, user=person, role=role)
             for role, person in (("chair", chair), ("secretary", secretary), ("guest", guest))}
    member_parts = [Participant.objects.create(meeting=meeting, user=u, role="member") for u in member_users]
    items = [AgendaItem.objects.create(meeting=meeting, position=i, title=f"Nội dung {i}", duration_minutes=15)
             for i in (1, 2, 3)]
    return SimpleNamespace(
        meeting=meeting, chair=chair, secretary=secretary, members=member_users, member=member_users[0],
        guest=guest, outsider=outsider, parts=parts, member_parts=member_parts, items=items,
    )


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


def plural(kind: str) -> str:
    return kind + "s"


def reduce(state: dict[str, Any], event: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """The reference reducer (static/meetings/room/state.js implements the same rules).

    `<kind>.updated` replaces state[kind]; `<kind>.upserted` upserts state[<kind>s] by id;
    `<kind>.removed` removes by id; `agenda.reordered` sets positions from the order;
    `hidden` changes nothing (it only advances the revision).
    """
    state = copy.deepcopy(state)
    if event == "hidden":
        return state
    if event == "agenda.reordered":
        position = {pk: i for i, pk in enumerate(data["order"], start=1)}
        for item in state["agenda_items"]:
            item["position"] = position.get(item["id"], item["position"])
        return state
    kind, verb = event.rsplit(".", 1)
    if verb == "updated":
        state[kind] = data[kind]
    elif verb == "upserted":
        rows = state.setdefault(plural(kind), [])
        obj = data[kind]
        for index, row in enumerate(rows):
            if row["id"] == obj["id"]:
                rows[index] = obj
                break
        else:
            rows.append(obj)
    elif verb == "removed":
        state[plural(kind)] = [r for r in state.get(plural(kind), []) if r["id"] != data["id"]]
    else:
        raise AssertionError(f"unknown event {event}")
    return state


def normalized(state: dict[str, Any]) -> dict[str, Any]:
    """Lists compared as sets of objects (order is the client's to compute: position, id)."""
    out = {}
    for key, value in state.items():
        if isinstance(value, list):
            out[key] = sorted(value, key=lambda r: json.dumps(r, sort_keys=True))
        else:
            out[key] = value
    return out


@pytest.fixture
async def close_thread_connections():
    """Close the DB connection of the thread sync_to_async used, so the test DB can be dropped."""
    yield
    from django.db import connections

    await sync_to_async(connections.close_all)()
