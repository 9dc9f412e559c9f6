"""The per-person socket `/ws/me/`: the unread count of the top bar's badge, live.

Session- (or bearer-) authenticated and origin-checked like the room's socket (ecabinet/asgi.py
wraps every websocket route); anonymous is closed with 4401. It joins the group `user-<id>`
where ``notify_users`` publishes `user.notification` and ``do_mark_notifications_read``
publishes `user.unread`; each sends the person's unread count: {"type": "unread", "count": N}.
The first frame after the handshake is the count as it is, so a reconnect catches up.
A client may send {"type": "ping"} and gets {"type": "pong"}; nothing else is read.
"""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from ecabinet.models import Notification

REFUSED_ANONYMOUS = 4401


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


class MeConsumer(AsyncWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=REFUSED_ANONYMOUS)
            return
        self.user_id = user.pk
        self.group = f"user-{user.pk}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._send_count()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = json.loads(text_data or "")
        except ValueError:
            return
        if isinstance(message, dict) and message.get("type") == "ping":
            await self.send(text_data=json.dumps({"type": "pong"}))

    async def _send_count(self, count: int | None = None) -> None:
        if count is None:
            count = await database_sync_to_async(unread_count)(self.user_id)
        await self.send(text_data=json.dumps({"type": "unread", "count": count}))

    async def user_notification(self, event: dict[str, Any]) -> None:
        await self._send_count()

    async def user_unread(self, event: dict[str, Any]) -> None:
        count = event.get("count")
        await self._send_count(count if isinstance(count, int) else None)
