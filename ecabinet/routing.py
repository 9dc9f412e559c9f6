"""Websocket routes of every app; any other path is refused and closed."""

from channels.generic.websocket import WebsocketConsumer
from django.urls import re_path

from ecabinet.live import MeConsumer
from meetings.routing import websocket_urlpatterns as meeting_routes


class UnknownPathConsumer(WebsocketConsumer):
    def connect(self) -> None:
        self.close(code=4404)


websocket_urlpatterns = [
    *meeting_routes,
    re_path(r"^ws/me/$", MeConsumer.as_asgi()),  # the person's own socket: the unread badge
    re_path(r"", UnknownPathConsumer.as_asgi()),
]
