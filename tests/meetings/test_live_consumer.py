"""The live socket over the real ASGI application: auth, since/replay/snapshot, hidden events,
gaps, ping/resync, bad input."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from ecabinet.models import ApiToken
from meetings.actions import room as actions
from meetings.events import RUNNERS, emit
from meetings.models import Meeting, MeetingEvent
from tests.kit.rooms import make_quiet_room
from tests.meetings.roomkit import (
    close_thread_connections,  # noqa: F401 (fixture)
    connect,
    expect,
    expect_events,
    room_object,
    settle,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_thread_connections")]


@pytest.fixture
async def room():
    return await sync_to_async(make_quiet_room)()


async def test_first_connect_gets_snapshot_then_live_events(room):
    ws = await connect(room.meeting.pk, room.member)
    snap = await expect(ws, type="snapshot", revision=0)
    state = snap["state"]
    assert state["meeting"]["title"] == room.meeting.title
    assert [i["title"] for i in state["agenda_items"]] == ["Nội dung 1", "Nội dung 2", "Nội dung 3"]
    assert len(state["participants"]) == 5
    await sync_to_async(actions.do_set_current_item)(room.meeting, room.items[0], actor=room.chair)
    first, second = await expect_events(ws, 2)
    assert (first["revision"], first["event"]) == (1, "agenda_item.upserted")
    assert first["data"]["agenda_item"]["status"] == "current"
    assert (second["revision"], second["event"]) == (2, "meeting.updated")
    assert second["data"]["meeting"]["current_item"] == room.items[0].pk
    assert await ws.receive_nothing(0.1)
    await ws.disconnect()


async def test_since_current_replays_nothing_and_older_replays_in_order(room):
    await sync_to_async(actions.do_set_current_item)(room.meeting, room.items[0], actor=room.chair)
    await sync_to_async(actions.do_request_floor)(room.meeting, actor=room.member)
    ws = await connect(room.meeting.pk, room.member, since=3)
    assert await ws.receive_nothing(0.2)
    await ws.disconnect()
    ws = await connect(room.meeting.pk, room.member, since=1)
    frames = await expect_events(ws, 2)
    assert [f["revision"] for f in frames] == [2, 3]
    assert frames[1]["event"] == "speaker.upserted"
    assert await ws.receive_nothing(0.1)
    await ws.disconnect()


async def test_hidden_events_keep_the_revision_sequence(room):
    def secret_change():
        from django.db import transaction

        with transaction.atomic():
            emit(room.meeting, "room.updated", {"room": room_object("runners only")},
                 audience=RUNNERS)

    member = await connect(room.meeting.pk, room.member, since=0)
    chair = await connect(room.meeting.pk, room.chair, since=0)
    await sync_to_async(secret_change)()
    hidden = await expect(member, type="event", revision=1, event="hidden")
    assert hidden["data"] is None
    seen = await expect(chair, type="event", revision=1, event="room.updated")
    assert seen["data"]["room"]["conclusion"] == "runners only"
    await member.disconnect()
    # replayed from the log, the placeholder is the same
    member = await connect(room.meeting.pk, room.member, since=0)
    await expect(member, type="event", revision=1, event="hidden")
    await member.disconnect()
    await chair.disconnect()


async def test_since_too_old_or_ahead_or_bad(room):
    await sync_to_async(actions.do_set_current_item)(room.meeting, room.items[0], actor=room.chair)
    # the log lost its start: a snapshot, not a partial replay
    await sync_to_async(MeetingEvent.objects.filter(revision=1).delete)()
    ws = await connect(room.meeting.pk, room.member, since=0)
    await expect(ws, type="snapshot", revision=2)
    await ws.disconnect()
    ws = await connect(room.meeting.pk, room.member, since=99)
    await expect(ws, type="error", code="revision_ahead")
    await expect(ws, type="snapshot", revision=2)
    await ws.disconnect()
    # "²" is a digit to str.isdigit() but not to int(): refused like any other junk, not a crash.
    for junk in ("abc", "²", "9" * 5000):
        ws = await connect(room.meeting.pk, room.member, since=junk)
        await expect(ws, type="error", code="bad_request")
        assert (await ws.receive_output(1))["type"] == "websocket.close"


async def test_ping_resync_and_junk(room):
    ws = await connect(room.meeting.pk, room.member, since=0)
    await ws.send_to(text_data='{"type":"ping"}')
    await expect(ws, type="pong")
    await ws.send_to(text_data='{"type":"resync"}')
    await expect(ws, type="snapshot", revision=0)
    for junk in ('{"type":"checkin"}', "not json", "[1,2]"):
        await ws.send_to(text_data=junk)
        error = await expect(ws, type="error", code="bad_request")
        assert error["message"]
    await ws.send_to(bytes_data=b"\x00")
    await expect(ws, type="error", code="bad_request")
    # still open and in sync
    await ws.send_to(text_data='{"type":"ping"}')
    await expect(ws, type="pong")
    await ws.disconnect()


async def test_outsider_anonymous_and_unknown_meeting_are_refused(room):
    ws = await connect(room.meeting.pk, None)
    frame = await expect(ws, type="error", code="forbidden")  # sign in first, whatever the meeting
    assert room.meeting.title not in frame["message"]
    assert (await ws.receive_output(1))["type"] == "websocket.close"


async def _refusal(meeting_id: int, user) -> tuple[str, dict]:
    ws = await connect(meeting_id, user)
    frame = await ws.receive_output(3)
    close = await ws.receive_output(3)
    return frame["text"], close


async def test_forbidden_and_unknown_meeting_are_indistinguishable(room):
    """An outsider cannot tell an existing meeting from a missing one: same frame, same close code."""
    forbidden = await _refusal(room.meeting.pk, room.outsider)
    unknown = await _refusal(987654, room.outsider)
    also_unknown = await _refusal(987654, room.member)
    assert forbidden == unknown == also_unknown
    text, close = forbidden
    assert json.loads(text)["code"] == "not_found" and close == {"type": "websocket.close", "code": 4404}
    assert room.meeting.title not in text
    # the participant of the same meeting is let in (the allowed path beside the refusals)
    ws = await connect(room.meeting.pk, room.member)
    await expect(ws, type="snapshot")
    await ws.disconnect()


async def test_draft_meeting_is_hidden_from_members_but_not_secretary(room):
    await sync_to_async(Meeting.objects.filter(pk=room.meeting.pk).update)(status="draft")
    ws = await connect(room.meeting.pk, room.member)
    await expect(ws, type="error", code="not_found")
    ws = await connect(room.meeting.pk, room.secretary)
    await expect(ws, type="snapshot")
    await ws.disconnect()


async def test_foreign_origin_is_refused(room):
    from ecabinet.asgi import application

    ws = WebsocketCommunicator(application, f"/ws/meetings/{room.meeting.pk}/",
                               headers=[(b"origin", b"http://evil.example"), (b"host", b"testserver")])
    connected, _ = await ws.connect()
    assert not connected


async def test_bearer_token_handshake(room):
    from ecabinet.asgi import application
    from ecabinet.models import hash_token

    raw = "t" * 40
    await sync_to_async(ApiToken.objects.create)(
        user=room.member, token_hash=hash_token(raw), prefix=raw[:8],
        expires_at=room.meeting.ends_at + (room.meeting.ends_at - room.meeting.starts_at) * 100)
    ws = WebsocketCommunicator(application, f"/ws/meetings/{room.meeting.pk}/",
                               headers=[(b"origin", b"http://testserver"), (b"host", b"testserver"),
                                        (b"authorization", f"Bearer {raw}".encode())])
    assert (await ws.connect())[0]
    await expect(ws, type="snapshot")
    await ws.disconnect()


async def test_lost_notice_is_recovered_from_the_log(room):
    """A change whose group message never arrived is read from the log when the next one comes."""
    from django.db import transaction

    ws = await connect(room.meeting.pk, room.member, since=0)

    def silent_change():
        import meetings.events as events_module

        real = events_module.send_to_group
        events_module.send_to_group = lambda group, message: None  # the layer lost this notice
        try:
            with transaction.atomic():
                emit(room.meeting, "room.updated", {"room": room_object("x")})
        finally:
            events_module.send_to_group = real

    assert await settle(ws) == []
    await sync_to_async(silent_change)()
    assert await ws.receive_nothing(0.2)
    await sync_to_async(actions.do_request_floor)(room.meeting, actor=room.member)
    frames = await expect_events(ws, 2)
    assert [(f["revision"], f["event"]) for f in frames] == [(1, "room.updated"), (2, "speaker.upserted")]
    await ws.disconnect()


async def test_many_sockets_share_one_subscription(room):
    from meetings.live.fanout import get_hub

    sockets = [await connect(room.meeting.pk, u, since=0) for u in (room.member, room.chair, room.guest) * 3]
    for ws in sockets:
        assert await settle(ws) == []
    hub = get_hub()
    assert len(hub.feeds) == 1 and len(hub.feeds[room.meeting.pk].connections) == 9
    await sync_to_async(actions.do_request_floor)(room.meeting, actor=room.member)
    for ws in sockets:
        await expect(ws, type="event", revision=1, event="speaker.upserted")
    for ws in sockets:
        await ws.disconnect()
    await asyncio.sleep(0.05)
    assert room.meeting.pk not in hub.feeds


async def test_removed_participant_is_cut_off_and_role_changes_apply(room):
    from django.db import transaction

    from meetings.models import Participant
    from meetings.serializers import serialize_participant

    member = await connect(room.meeting.pk, room.member, since=0)
    guest = await connect(room.meeting.pk, room.guest, since=0)
    for ws in (member, guest):
        assert await settle(ws) == []

    def promote_guest():
        with transaction.atomic():
            p = Participant.objects.get(meeting=room.meeting, user=room.guest)
            p.role = "member"
            p.save()
            emit(room.meeting, "participant.upserted", {"participant": serialize_participant(p)})
            emit(room.meeting, "room.updated", {"room": room_object("1")},
                 audience={"roles": ["member"]})

    await sync_to_async(promote_guest)()
    await expect(guest, type="event", revision=1, event="participant.upserted")
    await expect(guest, type="event", revision=2)  # same batch: filtered before the re-check
    # The re-check found new rights (a member votes, a guest does not): a fresh snapshot says so.
    snapshot = await expect(guest, type="snapshot", revision=2)
    assert snapshot["state"]["permissions"]["vote"] is True
    await asyncio.sleep(0.2)

    def members_only():
        with transaction.atomic():
            emit(room.meeting, "room.updated", {"room": room_object("2")},
                 audience={"roles": ["member"]})

    await sync_to_async(members_only)()
    await expect(guest, type="event", revision=3, event="room.updated")

    def remove_member():
        with transaction.atomic():
            p = Participant.objects.get(meeting=room.meeting, user=room.member)
            pk = p.pk
            p.delete()
            emit(room.meeting, "participant.removed", {"id": pk})

    await expect_events(member, 3)
    await sync_to_async(remove_member)()
    await expect(member, type="event", revision=4, event="participant.removed")
    await expect(member, type="error", code="forbidden")
    assert (await member.receive_output(2))["type"] == "websocket.close"
    await expect(guest, type="event", revision=4)
    await guest.disconnect()


async def test_lost_notice_in_a_quiet_moment_is_healed(room, monkeypatch):
    from django.db import transaction

    import meetings.events as events_module
    from meetings.live import fanout

    monkeypatch.setattr(fanout, "HEAL_SECONDS", 0.3)
    ws = await connect(room.meeting.pk, room.member, since=0)
    assert await settle(ws) == []

    def silent_change():
        real = events_module.send_to_group
        events_module.send_to_group = lambda group, message: None
        try:
            with transaction.atomic():
                emit(room.meeting, "room.updated", {"room": room_object("y")})
        finally:
            events_module.send_to_group = real

    await sync_to_async(silent_change)()
    # no further change: the feed's own log check delivers it
    frame = await expect(ws, type="event", revision=1, event="room.updated")
    assert frame["data"]["room"]["conclusion"] == "y"
    assert await ws.receive_nothing(0.5)
    await ws.disconnect()
