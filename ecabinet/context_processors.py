from __future__ import annotations

from django.http import HttpRequest

from ecabinet.access import global_permissions
from ecabinet.menu_counts import unread_count


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    can = global_permissions(user)
    return {
        "unread_notifications": unread_count(user),
        # What this person may do anywhere (templates test `can.x`, never roles).
        "can": can,
        "can_administer": can["administer"],
    }
