"""The hall screen (tender fn121): links that open one meeting's public view on the big screen in
the meeting hall, on a computer without a personal login.

A link is a long random token; only its SHA-256 is stored (as for API tokens), so the raw value
is shown once, when the secretary creates it. Several may exist per meeting (the hall, an
overflow room), each with a label; revoking one stops it at once, on the page and on its open
sockets (meetings/actions/hall.py, meetings/live/hall.py). Who may see and manage them, and
until when a link works, is in meetings/access.py ("hall screen").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["HallDisplay"]


class HallDisplay(models.Model):
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="hall_displays")
    label = models.CharField(_("label"), max_length=100)
    # hex SHA-256 of the raw token (ecabinet.models.hash_token); the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("hall screen link")
        verbose_name_plural = _("hall screen links")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.label

    @staticmethod
    def group_of(display_id: int) -> str:
        """The channel-layer group of one link's open hall sockets (told when it is revoked)."""
        return f"hall-display-{display_id}"
