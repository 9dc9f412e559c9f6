"""The hall screen's socket `/ws/hall/<token>/` over the real ASGI application: authorised by the
link (no session), the room's protocol (snapshot, events, hidden frames, `since`), refused for a
wrong or revoked link, and closed at once when its link is revoked while it is open."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from meetings.actions import room as actions
from meetings.actions import room_polls
from meetings.actions.hall import do_revoke_hall_display
from meetings.events import RUNNERS, emit
from tests.kit.factories import make_hall_display
from tests.kit.rooms import make_quiet_room
from tests.meetings.roomkit import (
    close_thread_connections,  # noqa: F401 (fixture)
    expect,
    expect_events,
    room_object,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_thread_connections")]


async def connect_hall(token: str, *, since: int | str | None = None, origin: bytes = b"http://testserver",
                       accepted: bool = True) -> WebsocketCommunicator:
    from ecabinet.asgi import application

    path = f"/ws/hall/{token}/" + (f"?since={since}" if since is not None else "")
    communicator = WebsocketCommunicator(application, path, headers=[(b"origin", origin), (b"host", b"testserver")])
    connected, _ = await communicator.connect()
    assert connected is accepted
    return communicator


@pytest.fixture
async def hall():
    def build():
        room = make_quiet_room()
        display, token = make_hall_display(room.meeting, by=room.secretary)
        room.display, room.token = display, token
        return room

    return await sync_to_async(build)()


async def closed_with(ws: WebsocketCommunicator, code: int) -> None:
    output = await ws.receive_output(3)
    assert output == {"type": "websocket.close", "code": code}, output


async def test_snapshot_then_events_without_a_session(hall):
    ws = await connect_hall(hall.token)
    snapshot = await expect(ws, type="snapshot")
    state = snapshot["state"]
    assert state["meeting"]["title"] == hall.meeting.title
    assert state["viewer"] == {"participant": None, "vote_seat": None}
    assert not any(state["permissions"].values())
    revision = snapshot["revision"]
    await sync_to_async(actions.do_set_current_item)(hall.meeting, hall.items[0], actor=hall.chair)
    first, second = await expect_events(ws, 2)
    assert (first["revision"], first["event"]) == (revision + 1, "agenda_item.upserted")
    assert second["event"] == "meeting.updated"
    assert second["data"]["meeting"]["current_item"] == hall.items[0].pk
    await ws.disconnect()


async def test_what_the_display_may_not_see_is_a_hidden_frame(hall):
    def changes():
        from django.db import transaction

        with transaction.atomic():
            emit(hall.meeting, "room.updated", {"room": room_object("runners only")}, audience=RUNNERS)
        actions.do_check_in(hall.meeting, actor=hall.member)
        actions.do_check_in(hall.meeting, actor=hall.chair)
        poll = room_polls.do_create_poll(hall.meeting, actor=hall.chair, question="Thông qua tờ trình?")
        room_polls.do_open_poll(poll, actor=hall.chair)
        room_polls.do_cast_ballot(poll, actor=hall.member, choice="agree")
        return poll

    ws = await connect_hall(hall.token, since=0)  # the link's creation moved nothing in the room
    poll = await sync_to_async(changes)()
    frames = []
    while not await ws.receive_nothing(0.3):
        frames.append(await expect(ws, type="event"))
    assert [f["revision"] for f in frames] == list(range(1, len(frames) + 1))
    assert frames[0]["event"] == "hidden" and frames[0]["data"] is None
    # who voted (runners) and "my vote" (the voter): hidden; the poll: counts hidden, like a member's
    kinds = [f["event"] for f in frames]
    assert "poll_voter.upserted" not in kinds and "my_vote.upserted" not in kinds
    assert kinds.count("hidden") >= 3
    last_poll = [f for f in frames if f["event"] == "poll.upserted"][-1]["data"]["poll"]
    assert (last_poll["id"], last_poll["votes_cast"]) == (poll.pk, 1)
    assert [o["count"] for o in last_poll["options"]] == [None, None, None]
    await ws.disconnect()


async def test_since_replays_like_the_room(hall):
    await sync_to_async(actions.do_set_current_item)(hall.meeting, hall.items[0], actor=hall.chair)
    await sync_to_async(actions.do_request_floor)(hall.meeting, actor=hall.member)
    ws = await connect_hall(hall.token, since=3)
    assert await ws.receive_nothing(0.2)
    await ws.disconnect()
    ws = await connect_hall(hall.token, since=1)
    frames = await expect_events(ws, 2)
    assert [f["revision"] for f in frames] == [2, 3]
    assert frames[1]["event"] == "speaker.upserted"
    await ws.send_to(text_data='{"type":"ping"}')
    await expect(ws, type="pong")
    await ws.send_to(text_data='{"type":"resync"}')
    await expect(ws, type="snapshot", revision=3)
    await ws.disconnect()
    ws = await connect_hall(hall.token, since="abc")
    await expect(ws, type="error", code="bad_request")
    await closed_with(ws, 4400)


async def test_a_wrong_or_revoked_link_gets_nothing(hall):
    for token in ("A" * 43, hall.token[:-1] + ("A" if hall.token[-1] != "A" else "B")):
        ws = await connect_hall(token)
        error = await expect(ws, type="error", code="not_found")
        assert error["message"] == "Không tìm thấy trang."
        await closed_with(ws, 4404)
    await sync_to_async(do_revoke_hall_display)(hall.display, actor=hall.secretary)
    ws = await connect_hall(hall.token)
    await expect(ws, type="error", code="not_found")
    await closed_with(ws, 4404)


async def test_revoking_closes_an_open_socket_at_once(hall):
    ws = await connect_hall(hall.token)
    await expect(ws, type="snapshot")
    other, other_token = await sync_to_async(make_hall_display)(hall.meeting, by=hall.chair, label="Phòng chờ")
    kept = await connect_hall(other_token)
    await expect(kept, type="snapshot")
    await sync_to_async(do_revoke_hall_display)(hall.display, actor=hall.secretary)
    await expect(ws, type="error", code="not_found")
    await closed_with(ws, 4404)
    # the other link's screen goes on
    await sync_to_async(actions.do_set_current_item)(hall.meeting, hall.items[1], actor=hall.chair)
    frame = await expect(kept, type="event")
    assert frame["event"] == "agenda_item.upserted"
    await kept.disconnect()


async def test_a_ping_rechecks_the_link(hall):
    """A revocation whose notice was lost (another server, a layer hiccup) still ends the socket."""
    from meetings.models import HallDisplay

    ws = await connect_hall(hall.token)
    await expect(ws, type="snapshot")
    await sync_to_async(HallDisplay.objects.filter(pk=hall.display.pk).update)(revoked_at=hall.meeting.starts_at)
    await ws.send_to(text_data='{"type":"ping"}')
    frames = [await expect(ws), await expect(ws)]
    assert {f["type"] for f in frames} == {"pong", "error"}
    await closed_with(ws, 4404)


async def test_another_origin_is_refused(hall):
    await connect_hall(hall.token, origin=b"http://evil.example", accepted=False)
