"""The room's snapshot goes over the wire compressed (permessage-deflate, RFC 7692) when the client
offers it, through the server `make run` uses: uvicorn with `--ws websockets-sansio`.

(daphne, the test server of the other room tests, declines the extension: autobahn's default
`perMessageCompressionAccept` accepts no offer and daphne sets no other.)
"""

from __future__ import annotations

import json
import socket

import pytest
from django.db import connection

from meetings.models import AgendaItem
from tests.kit.rooms import make_quiet_room
from tests.kit.users import session_cookie
from tests.meetings.room_server import AppServer, database_url_of

pytestmark = pytest.mark.django_db(transaction=True)


class CountingSocket(socket.socket):
    """A client socket that counts the bytes it receives: what the server put on the wire."""

    received = 0

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        data = super().recv(bufsize, flags)
        self.received += len(data)
        return data


def first_frame(server: AppServer, meeting_id: int, cookie: str, *, offer_deflate: bool):
    """Open the room's socket (offering permessage-deflate or not), read the snapshot; return the
    handshake's extension header, the snapshot's text and the bytes received for both."""
    from websockets.sync.client import connect

    sock = CountingSocket(socket.AF_INET, socket.SOCK_STREAM)
    sock.connect(("127.0.0.1", server.port))
    with connect(f"ws://127.0.0.1:{server.port}/ws/meetings/{meeting_id}/", sock=sock,
                 origin=server.url, additional_headers={"Cookie": f"sessionid={cookie}"},
                 compression="deflate" if offer_deflate else None, open_timeout=20) as ws:
        text = ws.recv(timeout=20)
        extensions = ws.response.headers.get("Sec-WebSocket-Extensions", "")
        return extensions, text, sock.received


@pytest.fixture
def uvicorn_server(tmp_path, own_connection):
    with AppServer(database_url=database_url_of(connection.settings_dict), server="uvicorn",
                   media_root=str(tmp_path / "media")) as app:
        yield app


def test_snapshot_is_sent_compressed_when_the_client_offers_it(uvicorn_server):
    room = make_quiet_room()
    for n in range(4, 124):  # a long agenda: a snapshot of tens of kilobytes
        AgendaItem.objects.create(
            meeting=room.meeting, position=n, duration_minutes=15,
            title=f"Tờ trình số {n}/TTr-UBND về dự toán ngân sách địa phương và phương án phân bổ năm 2027",
            conclusion="Ủy ban nhân dân tỉnh thống nhất thông qua nội dung tờ trình; giao Sở Tài chính "
                       "hoàn thiện hồ sơ trình Hội đồng nhân dân tỉnh tại kỳ họp cuối năm.")
    cookie = session_cookie(room.member)

    offered, compressed_text, compressed_bytes = first_frame(uvicorn_server, room.meeting.pk, cookie,
                                                             offer_deflate=True)
    assert offered.startswith("permessage-deflate"), offered
    snapshot = json.loads(compressed_text)
    assert snapshot["type"] == "snapshot"
    assert len(snapshot["state"]["agenda_items"]) == 123
    size = len(compressed_text.encode())
    assert size > 40_000
    # Everything received (the handshake's answer included) is a fraction of the snapshot's text.
    assert compressed_bytes < size / 4, (compressed_bytes, size)

    # The twin: a client that offers nothing gets no extension and the snapshot uncompressed.
    declined, plain_text, plain_bytes = first_frame(uvicorn_server, room.meeting.pk, cookie,
                                                    offer_deflate=False)
    assert declined == ""
    assert json.loads(plain_text)["state"]["agenda_items"] == snapshot["state"]["agenda_items"]
    print(f"snapshot {size} B of text; received {compressed_bytes} B with permessage-deflate, {plain_bytes} B without")
    assert plain_bytes > size > compressed_bytes * 4
