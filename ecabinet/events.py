"""Publishing to the channel layer, only once the transaction that made the change commits."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def send_to_group(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, message)


def publish_on_commit(group: str, message: dict[str, Any]) -> None:
    """Send `message` to `group` after commit; a rolled-back change is never announced."""
    transaction.on_commit(lambda: send_to_group(group, message), robust=True)
