"""Two daphne workers on one PostgreSQL and Redis: a client on one sees changes made through the
other, and a worker restarted mid-meeting loses nothing (the client reconnects with `since`)."""

from __future__ import annotations

import asyncio
import json
import os
import urllib.request
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.utils import timezone

from ecabinet.models import ApiToken, hash_token
from tests.kit.rooms import make_quiet_room
from tests.meetings.room_server import AppServer, database_url_of
from tests.meetings.roomkit import close_thread_connections  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_thread_connections"),
    pytest.mark.skipif(not (os.environ.get("REDIS_URL") and settings.DATABASE_IS_POSTGRES),
                       reason="scale-out needs REDIS_URL and a PostgreSQL DATABASE_URL (CI's second pass)"),
]


def token_for(user) -> str:
    raw = f"scale-{user.pk}-{user.username}"
    ApiToken.objects.create(user=user, token_hash=hash_token(raw), prefix=raw[:8],
                            expires_at=timezone.now() + timedelta(hours=1))
    return raw


def post(server: AppServer, path: str, token: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(server.url + "/api/v1" + path, data=json.dumps(body or {}).encode(),
                                     method="POST", headers={"Authorization": f"Bearer {token}",
                                                             "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read())


async def open_socket(server: AppServer, meeting_id: int, token: str, since: int | None):
    import websockets

    url = f"ws://127.0.0.1:{server.port}/ws/meetings/{meeting_id}/" + (f"?since={since}" if since is not None else "")
    return await websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}",
                                                             "Origin": server.url})


async def frames(ws, count: int) -> list[dict]:
    return [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in range(count)]


async def test_two_workers_and_a_restart(tmp_path):
    room = await sync_to_async(make_quiet_room)(prefix="s")
    m = room.meeting
    chair_token = await sync_to_async(token_for)(room.chair)
    member_token = await sync_to_async(token_for)(room.member)
    guest_token = await sync_to_async(token_for)(room.guest)
    env = {"REDIS_PREFIX": os.environ.get("REDIS_PREFIX", "ecabinet") + "-scale"}
    url = database_url_of(connection.settings_dict)
    one = AppServer(database_url=url, extra_env=env, media_root=str(tmp_path)).start()
    two = AppServer(database_url=url, extra_env=env, media_root=str(tmp_path)).start()
    try:
        member = await open_socket(one, m.pk, member_token, since=0)
        guest = await open_socket(two, m.pk, guest_token, since=0)
        await asyncio.sleep(0.3)
        # a change through worker two reaches the client on worker one, and the reverse
        await asyncio.to_thread(post, two, f"/meetings/{m.pk}/current", chair_token, {"item": room.items[0].pk})
        got = await frames(member, 2)
        assert [(f["revision"], f["event"]) for f in got] == [(1, "agenda_item.upserted"), (2, "meeting.updated")]
        assert [f["revision"] for f in await frames(guest, 2)] == [1, 2]
        await asyncio.to_thread(post, one, f"/meetings/{m.pk}/speakers", member_token)
        assert (await frames(guest, 1))[0]["event"] == "speaker.upserted"
        assert (await frames(member, 1))[0]["revision"] == 3

        # worker one restarts mid-meeting; changes go on through worker two meanwhile
        one.stop()
        import websockets

        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(member.recv(), 5)
        await asyncio.to_thread(post, two, f"/meetings/{m.pk}/current", chair_token, {"item": room.items[1].pk})
        await asyncio.to_thread(post, two, f"/meetings/{m.pk}/live/items", chair_token, {"title": "Phát sinh"})
        one.start()
        member = await open_socket(one, m.pk, member_token, since=3)
        replay = await frames(member, 5)
        assert [f["revision"] for f in replay] == [4, 5, 6, 7, 8]
        assert all(f["type"] == "event" for f in replay)
        assert [f["revision"] for f in await frames(guest, 5)] == [4, 5, 6, 7, 8]
        # and live again on the restarted worker
        await asyncio.to_thread(post, two, f"/meetings/{m.pk}/end", chair_token)
        tail = await frames(member, 2)  # the current item is closed, then the meeting ends
        assert [f["revision"] for f in tail] == [9, 10]
        assert [f["revision"] for f in await frames(guest, 2)] == [9, 10]
        assert tail[-1]["event"] == "meeting.updated" and tail[-1]["data"]["meeting"]["status"] == "ended"
        await member.close()
        await guest.close()
    finally:
        one.stop()
        two.stop()
