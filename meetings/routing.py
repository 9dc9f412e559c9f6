"""Websocket routes of the meetings app: the live room."""

from django.urls import re_path

from meetings.live.consumers import MeetingConsumer

websocket_urlpatterns: list = [
    re_path(r"^ws/meetings/(?P<meeting_id>[0-9]{1,12})/$", MeetingConsumer.as_asgi()),
]

# --- hall screen ---
from meetings.live.hall import HallConsumer  # noqa: E402

# The hall screen's socket, authorised by its link's token (urlsafe base64, 43 characters).
websocket_urlpatterns.append(re_path(r"^ws/hall/(?P<token>[A-Za-z0-9_-]{1,200})/$", HallConsumer.as_asgi()))
# --- end hall screen ---
