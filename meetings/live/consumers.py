"""The live room socket: deliver only (changes go through HTTP actions).

Protocol (docs/architecture.md, "Stable interfaces"): snapshot / event / error frames; `since` picks replay or
snapshot; ping -> pong; resync -> snapshot. Delivery comes from the per-process hub
(meetings/live/fanout.py), never from a per-consumer channel-layer subscription.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.sessions import InstanceSessionWrapper
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from ecabinet.errors import NotFoundError
from ecabinet.inputs import whole_number
from meetings.access import MeetingAccess, meeting_access, room_permissions
from meetings.events import dumps, event_frame, hidden_frame, may_see
from meetings.live.fanout import get_hub
from meetings.live.outbox import SLOW_CLOSE_CODE, Outbox
from meetings.live.snapshot import build_snapshot
from meetings.models import Meeting, MeetingEvent

logger = logging.getLogger(__name__)

# Further behind than this and a snapshot is cheaper than the replay.
MAX_REPLAY = 500


def error_frame(code: str, message: str) -> str:
    return dumps({"type": "error", "code": code, "message": str(message)})


def _unwrapped(send):
    """The server's own send under channels' session wrapper: a text frame never touches the
    session, and the wrapper's per-message session checks are a measurable share of the
    fan-out cost with a thousand sockets."""
    while isinstance(getattr(send, "__self__", None), InstanceSessionWrapper):
        send = send.__self__.real_send
    return send


class MeetingConsumer(AsyncWebsocketConsumer):
    # No per-consumer layer channel: the hub holds this process's one subscription per meeting.
    channel_layer_alias = "__ecabinet_no_layer__"

    meeting_id: int
    # The last revision this socket was brought to; set by the first catch-up, before any
    # frame from the hub is delivered (they wait in `buffer` until then).
    last: int = 0
    # While catching up (connect, gap, resync) frames from the hub wait here; None otherwise.
    buffer: list[dict[str, Any]] | None = None
    joined = False
    # Every frame after the handshake goes through here, in order, written by its own task.
    outbox: Outbox | None = None

    def _language(self) -> str:
        user = self.scope.get("user")
        return getattr(user, "preferred_language", None) or settings.LANGUAGE_CODE

    async def _fail(self, code: str, message: str, *, close: bool = True) -> None:
        with translation.override(self._language()):
            text = error_frame(code, message)
        if not close and self.outbox is not None:
            self.outbox.put(text)  # in order with the events, never waiting on the network
            return
        await self.base_send({"type": "websocket.send", "text": text})
        if close:
            await self.close(code=4000 + {"forbidden": 403, "not_found": 404}.get(code, 400))

    async def connect(self) -> None:
        self.meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        self.lock = asyncio.Lock()
        await self.accept()
        user = self.scope.get("user")
        with translation.override(self._language()):
            if user is None or not user.is_authenticated:
                return await self._fail("forbidden", _("Sign in to follow this meeting."))
            since = self._since()
            if since is False:
                return await self._fail("bad_request", _("`since` must be a revision number."))
            access = await database_sync_to_async(self._access)(user)
            if access is None:
                # A meeting that does not exist and one this user may not see get the same frame
                # and close code after the same work: a socket must not confirm that a meeting exists.
                return await self._fail("not_found", _("Meeting not found."))
        await self._start(access, {"user_id": user.pk, "role": access.role, "runs_meeting": access.runs_meeting},
                          since)

    def _since(self) -> int | None | bool:
        """The `since` of the query string: a revision, None (absent), or False (not a number)."""
        raw = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("since", [""])[0]
        if raw == "":
            return None
        since = whole_number(raw)
        return False if since is None else since

    async def _start(self, access: MeetingAccess, viewer: dict[str, Any], since: int | None) -> None:
        """Deliver the room to this viewer from now on: join the hub, then catch up from `since`."""
        self.access = access
        self.viewer = viewer
        self.raw_send = _unwrapped(self.base_send)
        self.outbox = Outbox(self.raw_send, self._overflowed)
        self.buffer = []
        await get_hub().join(self)
        self.joined = True
        await self._catch_up(since)

    def _access(self, user):
        try:
            return meeting_access(user, self.meeting_id)
        except NotFoundError:
            return None

    async def disconnect(self, code) -> None:
        if self.outbox is not None:
            self.outbox.stop()
        if self.joined:
            self.joined = False
            await get_hub().leave(self)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        message = None
        if text_data is not None and len(text_data) < 4096:
            try:
                message = json.loads(text_data)
            except ValueError:
                message = None
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping":
            if self.outbox is not None:
                self.outbox.put('{"type":"pong"}')
            else:
                await self.base_send({"type": "websocket.send", "text": '{"type":"pong"}'})
        elif kind == "resync" and self.joined:
            await self._catch_up(None)
        else:
            with translation.override(self._language()):
                await self._fail("bad_request", _("Send {\"type\": \"ping\"} or {\"type\": \"resync\"}; changes go through the HTTP API."), close=False)

    # --- delivery ---------------------------------------------------------------------------

    def _watch(self, event: dict[str, Any]) -> None:
        """A change to this viewer's own participation re-checks access (role, or removal)."""
        touched = event.get("participants")
        if touched is None:
            touched = ()
            frame = event["frame"]
            if '"event":"participant.' in frame:  # parsed once per process, not per socket
                parsed = json.loads(frame)
                data = parsed.get("data") or {}
                person = data.get("participant") or {}
                touched = ("id", data["id"]) if "id" in data else ("user", person.get("user"))
            event["participants"] = touched
        if not touched:
            return
        participant = self.access.participant
        if (touched[0] == "id" and participant is not None and touched[1] == participant.pk) or (
                touched[0] == "user" and touched[1] == self.viewer["user_id"]):
            asyncio.ensure_future(self._recheck())

    async def _recheck(self) -> None:
        access = await database_sync_to_async(self._access)(self.scope["user"])
        if access is None:
            self.joined = False
            await get_hub().leave(self)
            if self.outbox is not None:
                self.outbox.stop()
            with translation.override(self._language()):
                await self._fail("forbidden", _("You are not a participant of this meeting."))
            return
        before, self.access = self.access, access
        self.viewer = {"user_id": self.viewer["user_id"], "role": access.role, "runs_meeting": access.runs_meeting}
        # The snapshot's permissions follow the viewer's role: when it changed, send a fresh one.
        changed = await database_sync_to_async(lambda: room_permissions(before) != room_permissions(access))()
        if changed and self.joined:
            await self._catch_up(None)

    def _frame(self, event: dict[str, Any]) -> str:
        self._watch(event)
        audience = event["audience"]
        if audience is None or may_see(audience, **self.viewer):
            return event["frame"]
        hidden = event.get("hidden")
        if hidden is None:
            # Shared by every connection of this process for this message.
            hidden = event["hidden"] = hidden_frame(event["revision"])
        return hidden

    def deliver(self, events: list[dict[str, Any]]) -> None:
        """Called by the hub with one committed batch: a filter and a queue put per event, never
        a wait on the network; a gap makes this socket read the log on its own task."""
        if self.buffer is not None:
            self.buffer.extend(events)
            return
        if self.outbox is None:
            return
        put = self.outbox.put
        for index, event in enumerate(events):
            revision = event["revision"]
            if revision <= self.last:
                continue  # already delivered (a replay overlapped the notice)
            if revision != self.last + 1:
                # A notice was lost or came out of order: read the missing range from the log.
                self.buffer = list(events[index:])
                asyncio.ensure_future(self._catch_up(self.last))
                return
            self.last = revision
            if not put(self._frame(event)):
                return

    async def _catch_up(self, since: int | None) -> None:
        async with self.lock:
            if self.buffer is None:
                self.buffer = []
            try:
                frames, self.last = await database_sync_to_async(self._read_log)(since)
                if not self._put_all(frames):
                    return
                while self.buffer:
                    pending, self.buffer = self.buffer, []
                    pending.sort(key=lambda e: e["revision"])
                    fresh = [e for e in pending if e["revision"] > self.last]
                    if fresh and fresh[0]["revision"] != self.last + 1:
                        frames, self.last = await database_sync_to_async(self._read_log)(self.last)
                        if not self._put_all(frames):
                            return
                        continue
                    for event in fresh:
                        if event["revision"] == self.last + 1:
                            self.last = event["revision"]
                            if not self._put_all([self._frame(event)]):
                                return
            finally:
                self.buffer = None

    def _put_all(self, frames: list[str]) -> bool:
        if self.outbox is None:
            return False
        put = self.outbox.put
        return all(put(text) for text in frames)

    def _overflowed(self) -> None:
        """This socket fell too far behind: stop feeding it and close it so that the client
        reconnects with `since` and reads what it missed from the log."""
        if self.joined:
            self.joined = False
            asyncio.ensure_future(get_hub().leave(self))
        asyncio.ensure_future(self._close_slow())

    async def _close_slow(self) -> None:
        # Waits for the transport only on this socket's own task (a stuck client may never
        # read it; the server's keepalive ends it then).
        try:
            await self.close(code=SLOW_CLOSE_CODE)
        except Exception:
            logger.debug("closing a slow live socket failed", exc_info=True)

    def _read_log(self, since: int | None) -> tuple[list[str], int]:
        """Frames to bring this socket from `since` to now, and the revision they end at."""
        current = Meeting.objects.values_list("revision", flat=True).get(pk=self.meeting_id)
        frames: list[str] = []
        if since is not None and since > current:
            with translation.override(self._language()):
                frames.append(error_frame("revision_ahead", _("The server is at revision %(n)s.") % {"n": current}))
            since = None
        if since is not None and since == current:
            return frames, current
        if since is not None and current - since <= MAX_REPLAY:
            events = list(MeetingEvent.objects.filter(meeting_id=self.meeting_id, revision__gt=since)
                          .order_by("revision").values_list("revision", "type", "data", "audience"))
            if events and events[0][0] == since + 1 and all(
                    b[0] == a[0] + 1 for a, b in zip(events, events[1:], strict=False)):
                for revision, kind, data, audience in events:
                    if audience is None or may_see(audience, **self.viewer):
                        frames.append(event_frame(revision, kind, data))
                    else:
                        frames.append(hidden_frame(revision))
                return frames, events[-1][0]
        snapshot = build_snapshot(self.access)
        frames.append(dumps(snapshot))
        return frames, snapshot["revision"]
