"""The hall screen's socket `/ws/hall/<token>/`: the room's live protocol (snapshot, events,
`?since=N`, ping/pong, resync; meetings/live/consumers.py) for a display viewer authorised by a
hall screen link instead of a session.

The viewer is `DISPLAY_VIEWER` with `display_access` (meetings/access.py): the same snapshot
and the same audience rule (`may_see`) as for the room, so the hall screen gets what every
participant gets and nothing addressed to a person or to those running the meeting. A revoked
link closes its sockets at once (the group `hall-display-<id>`, told after the revocation
commits) and a socket re-checks its link on every ping, so an expired or revoked link that
missed the notice stops within a ping.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import DEFAULT_CHANNEL_LAYER
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from ecabinet.errors import NotFoundError
from meetings.access import (
    DISPLAY_VIEWER,
    display_access,
    hall_display_for,
    hall_display_still_works,
)
from meetings.live.consumers import MeetingConsumer, error_frame
from meetings.live.fanout import get_hub
from meetings.models import HallDisplay

# The close code of a hall socket whose link stopped working (as for a meeting one may not see).
GONE_CLOSE_CODE = 4404


class HallConsumer(MeetingConsumer):
    # Unlike the room's sockets, each hall socket listens on the layer: for its link's revocation
    # (a handful per meeting; the room's events still come through the process's hub).
    channel_layer_alias = DEFAULT_CHANNEL_LAYER
    display_id: int | None = None
    group: str | None = None
    gone = False

    def _language(self) -> str:
        return settings.LANGUAGE_CODE  # the hall's screen has no person to ask: Vietnamese first

    async def connect(self) -> None:
        self.lock = asyncio.Lock()
        await self.accept()
        token = self.scope["url_route"]["kwargs"]["token"]
        with translation.override(self._language()):
            since = self._since()
            if since is False:
                return await self._fail("bad_request", _("`since` must be a revision number."))
            display = await database_sync_to_async(self._display)(token)
            if display is None:
                return await self._fail("not_found", _("Page not found."))
            self.display_id = display.pk
            self.meeting_id = display.meeting_id
            self.group = HallDisplay.group_of(display.pk)
            await self.channel_layer.group_add(self.group, self.channel_name)
            # Subscribed first, checked again: a revocation committed in between is not missed.
            if not await database_sync_to_async(hall_display_still_works)(display.pk):
                return await self._fail("not_found", _("Page not found."))
        await self._start(display_access(display.meeting), dict(DISPLAY_VIEWER), since)

    @staticmethod
    def _display(token: str):
        try:
            return hall_display_for(token)
        except NotFoundError:
            return None

    async def disconnect(self, code) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
        await super().disconnect(code)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if self.display_id is not None and text_data is not None and '"ping"' in text_data[:64]:
            asyncio.ensure_future(self._check_link())
        await super().receive(text_data=text_data, bytes_data=bytes_data)

    async def _check_link(self) -> None:
        assert self.display_id is not None
        if not await database_sync_to_async(hall_display_still_works)(self.display_id):
            await self._close_gone()

    async def hall_revoked(self, event: dict[str, Any]) -> None:
        """The channel layer's notice: this link was revoked."""
        await self._close_gone()

    async def _close_gone(self) -> None:
        if self.gone:
            return
        self.gone = True
        if self.joined:
            self.joined = False
            await get_hub().leave(self)
        if self.outbox is not None:
            self.outbox.stop()
            self.outbox = None
        with translation.override(self._language()):
            await self.base_send({"type": "websocket.send", "text": error_frame("not_found", _("Page not found."))})
        await self.close(code=GONE_CLOSE_CODE)

    # The display has no participant row: nothing in an event is about "its own" participation.
    def _watch(self, event: dict[str, Any]) -> None:
        return None
