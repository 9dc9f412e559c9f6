"""Websocket routes of the meetings app: the live room."""

from django.urls import re_path

from meetings.live.consumers import MeetingConsumer

websocket_urlpatterns: list = [
    re_path(r"^ws/meetings/(?P<meeting_id>[0-9]{1,12})/$", MeetingConsumer.as_asgi()),
]
