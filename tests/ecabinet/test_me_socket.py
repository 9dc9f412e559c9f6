"""The per-person socket /ws/me/ (ecabinet/live.py) over the real ASGI application: the unread
count on connect, after a new notification and after all are marked read; only one's own; anonymous
and foreign origins refused."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from ecabinet.actions import do_mark_notifications_read, notify_users
from tests.kit.users import make_user, session_cookie
from tests.meetings.roomkit import close_thread_connections  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_thread_connections")]


async def open_socket(user, *, origin: bytes = b"http://testserver") -> tuple[WebsocketCommunicator, bool, int | None]:
    from ecabinet.asgi import application

    headers = [(b"origin", origin), (b"host", b"testserver")]
    if user is not None:
        cookie = await sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/me/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def frame(communicator: WebsocketCommunicator) -> dict:
    return json.loads(await communicator.receive_from(timeout=5))


def notify(user, title: str) -> None:
    with transaction.atomic():
        notify_users([user], kind="meeting.invitation", title=title, url="/", email=False)


@pytest.fixture
def people():
    return (make_user("sockowner", full_name="Người Nhận"), make_user("sockother", full_name="Người Khác"))


async def test_the_count_arrives_on_connect_on_a_notification_and_when_read(people):
    owner, other = people
    await sync_to_async(notify)(owner, "Giấy mời họp: Giao ban")
    mine, connected, _ = await open_socket(owner)
    theirs, other_connected, _ = await open_socket(other)
    assert connected and other_connected
    assert await frame(mine) == {"type": "unread", "count": 1}
    assert await frame(theirs) == {"type": "unread", "count": 0}
    await sync_to_async(notify)(owner, "Giấy mời họp: Sơ kết quý")
    assert await frame(mine) == {"type": "unread", "count": 2}
    await sync_to_async(do_mark_notifications_read)(actor=owner)
    assert await frame(mine) == {"type": "unread", "count": 0}
    # the other person heard nothing of it: the next frame they get is the answer to their ping
    await theirs.send_to(text_data='{"type": "ping"}')
    assert await frame(theirs) == {"type": "pong"}
    await mine.disconnect()
    await theirs.disconnect()


async def test_anonymous_is_refused():
    communicator, connected, code = await open_socket(None)
    assert not connected
    assert code == 4401
    await communicator.disconnect()


async def test_a_foreign_origin_is_refused(people):
    owner, _ = people
    for origin in (b"http://evil.example", b"http://testserver:8001", b"https://testserver"):
        communicator, connected, code = await open_socket(owner, origin=origin)
        assert not connected, origin
        assert code != 4401, origin  # refused before the consumer: by the origin check
        await communicator.disconnect()
