"""The meeting's video conference in the room: a self-hosted Jitsi Meet (settings.JITSI_URL),
joined through Jitsi's iframe API (`<JITSI_URL>/external_api.js`, `JitsiMeetExternalAPI`).

The room's name is derived from the meeting: stable for its whole life (a changed title keeps
it), and not guessable from the meeting's number alone (an HMAC of the id under SECRET_KEY), so
only those the room page is shown to (the meeting's participants and those running it) learn it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.utils.crypto import salted_hmac

from meetings.models import Meeting


def room_name(meeting: Meeting) -> str:
    digest = salted_hmac("meetings.conference.room", str(meeting.pk), algorithm="sha256").hexdigest()
    return f"ecabinet-{meeting.pk}-{digest[:24]}"


def jitsi_config(meeting: Meeting, display_name: str) -> dict[str, Any] | None:
    """What the room's script needs to embed the conference; None when no server is set."""
    base = settings.JITSI_URL
    if not base:
        return None
    name = room_name(meeting)
    return {
        "script": f"{base}/external_api.js",
        "domain": urlparse(base).netloc,
        "roomName": name,
        "url": f"{base}/{name}",
        "displayName": display_name,
    }
