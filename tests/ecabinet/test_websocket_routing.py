from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator

from ecabinet.asgi import application


@pytest.mark.django_db(transaction=True)
async def test_unknown_websocket_path_is_closed():
    communicator = WebsocketCommunicator(application, "/ws/nowhere/", headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")])
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4404
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(application, "/ws/nowhere/", headers=[(b"origin", b"http://evil.example"), (b"host", b"testserver")])
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()
