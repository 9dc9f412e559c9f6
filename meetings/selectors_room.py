"""Room data other parts of the app read (the meeting detail API imports this lazily)."""

from __future__ import annotations

from typing import Any

from meetings.access import MeetingAccess


def polls_for(access: MeetingAccess, user: Any = None) -> list[dict[str, Any]]:
    """The meeting's polls as the viewer may see them (counts only where visible to everyone)."""
    from meetings.live.snapshot import serialize_polls

    return serialize_polls(access.meeting.pk)
